using OpsAutomation.Core.Health;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.State;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Deployment.Validation;

/// <summary>
/// One round of a health gate's checks through the module's health engine: a session of its own
/// (secrets resolved, results logged, counted and kept in the history under the run id), probing
/// even where a circuit is open, because a new version must be judged on what it answers now.
/// </summary>
public sealed class HealthRounds(OpsRuntime runtime, HealthRunOptions options, OpsLog log, Action<StateStoreException>? storeFailed = null)
{
    private readonly HealthRunOptions _options = options with { IgnoreCircuit = true };

    /// <summary>Checks every definition once, concurrently; a failing target is a result, never an exception.</summary>
    public async Task<IReadOnlyList<HealthCheckResult>> CheckAsync(IReadOnlyList<HealthCheckDefinition> checks, CancellationToken cancellationToken)
    {
        var results = new List<HealthCheckResult>(checks.Count);
        var session = await HealthCheckSession.StartAsync(runtime, _options, log, cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var check in checks) session.Add(check);
            session.Complete();
            await foreach (var result in session.ReadResultsAsync(cancellationToken).ConfigureAwait(false)) results.Add(result);
        }
        finally
        {
            await session.DisposeAsync().ConfigureAwait(false);
            // The session logged each one; the caller may also show them.
            foreach (var failure in session.TakeStoreFailures()) storeFailed?.Invoke(failure);
        }
        return results;
    }
}
