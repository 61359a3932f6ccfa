namespace OpsAutomation.Core.Metrics.Machine;

/// <summary>Reads a <see cref="SystemSnapshot"/> of the machine this process runs on.</summary>
public interface ISystemMetricsSource
{
    Task<SystemSnapshot> ReadAsync(CancellationToken cancellationToken);
}
