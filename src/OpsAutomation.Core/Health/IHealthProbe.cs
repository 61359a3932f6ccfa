namespace OpsAutomation.Core.Health;

/// <summary>Makes one attempt of one kind of check; throws on a transport failure, returns a verdict otherwise.</summary>
internal interface IHealthProbe
{
    Task<ProbeOutcome> ProbeAsync(PreparedCheck check, CancellationToken cancellationToken);
}
