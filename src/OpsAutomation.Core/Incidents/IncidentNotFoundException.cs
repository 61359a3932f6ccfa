namespace OpsAutomation.Core.Incidents;

/// <summary>No incident in the state store has the id asked for.</summary>
public sealed class IncidentNotFoundException : Exception
{
    /// <summary>An exception naming <paramref name="id"/> and the store file it is not in.</summary>
    public IncidentNotFoundException(string id, string? storePath = null)
        : base(storePath is null
            ? $"No incident has the id '{id}'."
            : $"No incident has the id '{id}' in the state store '{storePath}'.")
    {
        Id = id;
        StorePath = storePath;
    }

    /// <summary>The id that matched nothing.</summary>
    public string Id { get; }

    /// <summary>The state store file searched, when known.</summary>
    public string? StorePath { get; }
}
