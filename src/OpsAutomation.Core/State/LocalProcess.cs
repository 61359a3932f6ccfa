namespace OpsAutomation.Core.State;

/// <summary>Tells a live process of this host from one that has ended (a killed run, a killed replay).</summary>
public static class LocalProcess
{
    public static bool IsRunning(int processId)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
