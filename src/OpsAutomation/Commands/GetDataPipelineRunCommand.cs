using System.Management.Automation;
using OpsAutomation.Completers;
using OpsAutomation.Core.State;
using OpsAutomation.Models.Pipelines;

namespace OpsAutomation.Commands;

/// <summary>Lists pipeline runs kept in the state store, newest first.</summary>
[Cmdlet(VerbsCommon.Get, "DataPipelineRun", HelpUri = "docs/Get-DataPipelineRun.md")]
[OutputType(typeof(PipelineRun))]
public sealed class GetDataPipelineRunCommand : OpsCmdlet
{
    /// <summary>Only runs of this pipeline.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Pipeline")]
    [ArgumentCompleter(typeof(PipelineNameCompleter))]
    public string? Name { get; set; }

    /// <summary>Only this run.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? RunId { get; set; }

    /// <summary>Only runs that ended so. Default: every status.</summary>
    [Parameter]
    public PipelineRunStatus[] Status { get; set; } = [];

    /// <summary>At most this many runs, the newest. Default 20.</summary>
    [Parameter]
    [Alias("First")]
    [ValidateRange(1, 1_000_000)]
    public int Last { get; set; } = 20;

    /// <summary>The state directory the runs are kept in.</summary>
    [Parameter]
    public string? StatePath { get; set; }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var store = await OpenStateStoreAsync(LoadSettings(), cancellationToken).ConfigureAwait(false);
        int read = 0, written = 0;
        // Filtered by status after reading, so read enough rows to fill -Last.
        var limit = Status.Length == 0 ? Last : int.MaxValue;
        await foreach (var run in new PipelineRunStore(store).ListAsync(Name, RunId, limit, cancellationToken).ConfigureAwait(false))
        {
            read++;
            if (Status.Length > 0 && !Status.Contains(run.Status)) continue;
            WriteObject(run);
            if (++written >= Last) break;
        }
        // A name or run id that is not in the store is an error; a status no run ended with is just no output.
        if (read == 0 && (Name ?? RunId) is { } missing)
        {
            WriteError(NameSelection.NotFound(missing, RunId is null ? "PipelineNotFound" : "PipelineRunNotFound",
                RunId is null ? $"Pipeline '{Name}' has no runs in {store.Directory}." : $"Run '{RunId}'{(Name is null ? "" : $" of pipeline '{Name}'")} is not in {store.Directory}."));
        }
    }
}
