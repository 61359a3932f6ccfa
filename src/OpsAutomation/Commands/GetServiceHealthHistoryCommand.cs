using System.Management.Automation;
using OpsAutomation.Completers;
using OpsAutomation.Core.State;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Commands;

/// <summary>Reads health results kept in the state store, newest first.</summary>
[Cmdlet(VerbsCommon.Get, "ServiceHealthHistory", HelpUri = "docs/Get-ServiceHealthHistory.md")]
[OutputType(typeof(HealthCheckResult))]
public sealed class GetServiceHealthHistoryCommand : OpsCmdlet
{
    private readonly List<string> _patterns = [];

    /// <summary>Services to read (wildcards). Default all.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(HistoryServiceNameCompleter))]
    public string[] Name { get; set; } = ["*"];

    /// <summary>How far back to read. Default 24 hours, or all the history when -Last is given.</summary>
    [Parameter]
    [ValidatePositiveTimeSpan]
    public TimeSpan Window { get; set; } = TimeSpan.FromHours(24);

    /// <summary>At most this many results per service, the newest. Default 1000.</summary>
    [Parameter]
    [Alias("First")]
    [ValidateRange(1, 1_000_000)]
    public int Last { get; set; } = 1000;

    /// <summary>The state directory to read.</summary>
    [Parameter]
    public string? StatePath { get; set; }

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        _patterns.AddRange(Name);
        return Task.CompletedTask;
    }

    // Read once the names are all in: a Test-ServiceHealth upstream keeps its results at its end,
    // so reading per piped result could miss the very results that were piped.
    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        var history = new HealthHistoryStore(await OpenStateStoreAsync(LoadSettings(), cancellationToken).ConfigureAwait(false));
        // -Last 6 means the six newest results, however old, unless -Window bounds them too.
        DateTimeOffset? since = MyInvocation.BoundParameters.ContainsKey(nameof(Last)) && !MyInvocation.BoundParameters.ContainsKey(nameof(Window))
            ? null
            : ModuleRuntime.Get().Time.GetUtcNow() - Window;
        foreach (var name in await HistoryNames.SelectAsync(this, history, _patterns, cancellationToken).ConfigureAwait(false))
        {
            foreach (var result in await history.ReadAsync(name, since, Last, cancellationToken).ConfigureAwait(false))
                WriteObject(result);
        }
    }
}

/// <summary>Which services of the history a list of names and wildcards selects.</summary>
internal static class HistoryNames
{
    /// <summary>The matching services; a literal name with no history is a ServiceNotInHistory error written to <paramref name="cmdlet"/>.</summary>
    public static async Task<IReadOnlyList<string>> SelectAsync(OpsCmdlet cmdlet, HealthHistoryStore history, IEnumerable<string> patterns, CancellationToken cancellationToken)
    {
        var selection = NameSelection.Of(patterns, await history.NamesAsync(cancellationToken).ConfigureAwait(false), ignoreCase: true);
        foreach (var name in selection.Missing)
            cmdlet.WriteError(NameSelection.NotFound(name, "ServiceNotInHistory", $"Service '{name}' has no results in the health history."));
        return selection.Matched;
    }
}
