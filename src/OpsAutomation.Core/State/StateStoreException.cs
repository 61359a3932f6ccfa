namespace OpsAutomation.Core.State;

/// <summary>The state store cannot be used: unreadable, locked past the timeout, or of a newer schema.</summary>
public sealed class StateStoreException : Exception
{
    public StateStoreException(string message, Exception? inner = null) : base(message, inner)
    {
    }
}
