using System.Management.Automation;
using OpsAutomation.Core.Health;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Commands;

/// <summary>
/// Fails the pipeline (a terminating error, so pwsh exits non-zero) when any result is failing,
/// with a summary naming each failing service; passes results through with -PassThru.
/// </summary>
[Cmdlet(VerbsLifecycle.Assert, "ServiceHealth", HelpUri = "docs/Assert-ServiceHealth.md")]
[OutputType(typeof(HealthCheckResult))]
public sealed class AssertServiceHealthCommand : OpsCmdlet
{
    private readonly List<HealthCheckResult> _results = [];

    /// <summary>Health results to judge.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public HealthCheckResult[] InputObject { get; set; } = [];

    /// <summary>Also fail on Degraded results.</summary>
    [Parameter]
    public SwitchParameter FailOnDegraded { get; set; }

    /// <summary>Write each result on to the pipeline as it passes.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        _results.AddRange(InputObject);
        if (PassThru) foreach (var result in InputObject) WriteObject(result);
        return Task.CompletedTask;
    }

    protected override Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        if (_results.Count == 0)
        {
            // Nothing checked is not a pass: a gate that passes on empty input hides a broken run.
            throw ErrorRecords.Terminating(new ErrorRecord(new InvalidOperationException("No health results reached Assert-ServiceHealth, so nothing was shown healthy."),
                "NoResults", ErrorCategory.InvalidData, null));
        }
        var failing = _results.Where(r => HealthTrends.IsFailure(r.Status) || (FailOnDegraded && r.Status == HealthStatus.Degraded)).ToList();
        var counts = string.Join(", ", _results.GroupBy(r => r.Status).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key}"));
        if (failing.Count == 0)
        {
            WriteVerbose($"All {_results.Count} services pass: {counts}.");
            return Task.CompletedTask;
        }
        var lines = failing.Select(r => $"  {r.Name}: {r.Status}{(r.Error is null ? "" : " - " + r.Error)}");
        var overall = HealthTrends.Overall(_results.Select(r => r.Status));
        var message = $"Overall {overall}: {failing.Count} of {_results.Count} services failing ({counts}):{Environment.NewLine}{string.Join(Environment.NewLine, lines)}";
        throw ErrorRecords.Terminating(new ErrorRecord(new InvalidOperationException(message), "ServiceUnhealthy", ErrorCategory.InvalidResult, failing));
    }
}
