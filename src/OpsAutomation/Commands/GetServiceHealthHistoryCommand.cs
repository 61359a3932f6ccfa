using System.Management.Automation;
using OpsAutomation.Core.State;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Commands;

/// <summary>Reads health results kept in the state store, newest first.</summary>
[Cmdlet(VerbsCommon.Get, "ServiceHealthHistory")]
[OutputType(typeof(HealthCheckResult))]
public sealed class GetServiceHealthHistoryCommand : OpsCmdlet
{
    private readonly List<string> _patterns = [];

    /// <summary>Services to read (wildcards). Default all.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    public string[] Name { get; set; } = ["*"];

    /// <summary>How far back to read, such as (New-TimeSpan -Hours 6). Default 24 hours.</summary>
    [Parameter]
    public TimeSpan Last { get; set; } = TimeSpan.FromHours(24);

    /// <summary>At most this many results per service. Default 1000.</summary>
    [Parameter]
    [ValidateRange(1, 1_000_000)]
    public int First { get; set; } = 1000;

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
        var since = ModuleRuntime.Get().Time.GetUtcNow() - Last;
        foreach (var name in await HistoryNames.MatchAsync(history, _patterns, cancellationToken).ConfigureAwait(false))
        {
            foreach (var result in await history.ReadAsync(name, since, First, cancellationToken).ConfigureAwait(false))
                WriteObject(result);
        }
    }
}

/// <summary>Which services of the history a list of names and wildcards selects.</summary>
internal static class HistoryNames
{
    public static async Task<IReadOnlyList<string>> MatchAsync(HealthHistoryStore history, IEnumerable<string> patterns, CancellationToken cancellationToken)
    {
        var wildcards = patterns.Select(p => new WildcardPattern(p, WildcardOptions.IgnoreCase)).ToList();
        var names = await history.NamesAsync(cancellationToken).ConfigureAwait(false);
        return [.. names.Where(n => wildcards.Any(w => w.IsMatch(n)))];
    }
}
