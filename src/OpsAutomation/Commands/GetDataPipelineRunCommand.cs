using System.Management.Automation;
using OpsAutomation.Core.State;
using OpsAutomation.Models.Pipelines;

namespace OpsAutomation.Commands;

/// <summary>Lists pipeline runs kept in the state store, newest first.</summary>
[Cmdlet(VerbsCommon.Get, "DataPipelineRun")]
[OutputType(typeof(PipelineRun))]
public sealed class GetDataPipelineRunCommand : OpsCmdlet
{
    /// <summary>Only runs of this pipeline.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Pipeline")]
    public string? Name { get; set; }

    /// <summary>Only this run.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? RunId { get; set; }

    /// <summary>Only runs that ended so. Default: every status.</summary>
    [Parameter]
    public PipelineRunStatus[] Status { get; set; } = [];

    /// <summary>At most this many runs. Default 20.</summary>
    [Parameter]
    [ValidateRange(1, 1_000_000)]
    public int First { get; set; } = 20;

    /// <summary>The state directory the runs are kept in.</summary>
    [Parameter]
    public string? StatePath { get; set; }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var store = await OpenStateStoreAsync(LoadSettings(), cancellationToken).ConfigureAwait(false);
        var written = 0;
        // Filtered by status after reading, so read enough rows to fill First.
        var limit = Status.Length == 0 ? First : int.MaxValue;
        await foreach (var run in new PipelineRunStore(store).ListAsync(Name, RunId, limit, cancellationToken).ConfigureAwait(false))
        {
            if (Status.Length > 0 && !Status.Contains(run.Status)) continue;
            WriteObject(run);
            if (++written >= First) break;
        }
    }
}
