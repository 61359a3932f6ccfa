using System.Management.Automation;
using OpsAutomation.Completers;
using OpsAutomation.Core.Health;
using OpsAutomation.Core.State;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Commands;

/// <summary>Summarises each service's history over a window: availability, latency percentiles, longest outage, SLO budget and burn rate.</summary>
[Cmdlet(VerbsCommon.Get, "ServiceHealthSummary", HelpUri = "docs/Get-ServiceHealthSummary.md")]
[OutputType(typeof(HealthSummary))]
public sealed class GetServiceHealthSummaryCommand : OpsCmdlet
{
    private readonly List<string> _patterns = [];

    /// <summary>Services to summarise (wildcards); binds from results on the pipeline. Default all.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(HistoryServiceNameCompleter))]
    public string[] Name { get; set; } = ["*"];

    /// <summary>The window, ending now. Default 24 hours.</summary>
    [Parameter]
    [ValidatePositiveTimeSpan]
    public TimeSpan Window { get; set; } = TimeSpan.FromHours(24);

    /// <summary>An availability objective in percent, such as 99.9, for the error budget and burn rate.</summary>
    [Parameter]
    [ValidateRange(0.001, 99.999)]
    public double SloTarget { get; set; }

    /// <summary>The state directory to read.</summary>
    [Parameter]
    public string? StatePath { get; set; }

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        _patterns.AddRange(Name);
        return Task.CompletedTask;
    }

    // Summarised once the names are all in: a Test-ServiceHealth upstream keeps its results at its
    // end, so a summary per piped result could miss the very results that were piped.
    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        var history = new HealthHistoryStore(await OpenStateStoreAsync(LoadSettings(), cancellationToken).ConfigureAwait(false));
        var to = ModuleRuntime.Get().Time.GetUtcNow();
        var from = to - Window;
        foreach (var name in await HistoryNames.SelectAsync(this, history, _patterns, cancellationToken).ConfigureAwait(false))
        {
            var results = await history.ReadAsync(name, from, int.MaxValue, cancellationToken).ConfigureAwait(false);
            if (results.Count == 0) continue;
            WriteObject(HealthTrends.Summarize(name, results, from, to, SloTarget > 0 ? SloTarget : null));
        }
    }
}
