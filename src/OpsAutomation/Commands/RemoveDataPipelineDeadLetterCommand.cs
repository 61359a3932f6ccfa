using System.Management.Automation;
using OpsAutomation.Completers;
using OpsAutomation.Core.Pipelines.DeadLetters;
using OpsAutomation.Core.State;
using OpsAutomation.Models.Pipelines;
using OpsAutomation.Pipelines;

namespace OpsAutomation.Commands;

/// <summary>Purges dead letters from the state store or a JSON Lines dead-letter file, after confirmation.</summary>
[Cmdlet(VerbsCommon.Remove, "DataPipelineDeadLetter", HelpUri = "docs/Remove-DataPipelineDeadLetter.md", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = FilterSet)]
[OutputType(typeof(void))]
public sealed class RemoveDataPipelineDeadLetterCommand : OpsCmdlet
{
    private const string FilterSet = "Filter";
    private const string IdSet = "Id";
    private readonly List<long> _ids = [];

    /// <summary>The letters to remove, by id (Get-DataPipelineDeadLetter's objects bind by their Id).</summary>
    [Parameter(Mandatory = true, ParameterSetName = IdSet, ValueFromPipelineByPropertyName = true)]
    public long[] Id { get; set; } = [];

    /// <summary>Remove the letters of this pipeline.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = FilterSet)]
    [ArgumentCompleter(typeof(PipelineNameCompleter))]
    public string Pipeline { get; set; } = "";

    /// <summary>Only letters of this run.</summary>
    [Parameter(ParameterSetName = FilterSet)]
    public string? RunId { get; set; }

    /// <summary>Only letters of this step.</summary>
    [Parameter(ParameterSetName = FilterSet)]
    public string? Step { get; set; }

    /// <summary>Only letters of this stage.</summary>
    [Parameter(ParameterSetName = FilterSet)]
    public PipelineStage? Stage { get; set; }

    /// <summary>Only letters a replay has loaded already (the usual clean-up).</summary>
    [Parameter(ParameterSetName = FilterSet)]
    public SwitchParameter ReplayedOnly { get; set; }

    /// <summary>The state directory the letters are kept in.</summary>
    [Parameter]
    public string? StatePath { get; set; }

    /// <summary>A JSON Lines dead-letter file (a spec's DeadLetters.Path) to remove letters from instead of the state store.</summary>
    [Parameter]
    [Alias("DeadLetterPath")]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        _ids.AddRange(Id);
        return Task.CompletedTask;
    }

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        var file = Path is null ? null : ResolvePath(Path);
        if (file is not null && StatePath is not null) throw DeadLetterFiles.Ambiguous(file);
        // The file stays locked from listing to purging, so the letters confirmed are the letters removed.
        IDeadLetterStore store = file is null
            ? new DeadLetterStore(await OpenStateStoreAsync(LoadSettings(), cancellationToken).ConfigureAwait(false))
            : await DeadLetterFiles.OpenAsync(file, create: false, cancellationToken).ConfigureAwait(false);
        await using (store.ConfigureAwait(false))
        {
            try
            {
                await RemoveAsync(store, cancellationToken).ConfigureAwait(false);
            }
            catch (DeadLetterFileException ex)
            {
                throw ErrorRecords.Terminating(ErrorRecords.DeadLetterFile(ex));
            }
        }
    }

    private async Task RemoveAsync(IDeadLetterStore store, CancellationToken cancellationToken)
    {
        var filter = ParameterSetName == IdSet
            ? new DeadLetterFilter { Ids = _ids, IncludeReplayed = true }
            : new DeadLetterFilter { Pipeline = Pipeline, RunId = RunId, Step = Step, Stage = Stage, IncludeReplayed = true };
        var selected = new List<DeadLetter>();
        await foreach (var letter in store.ListAsync(filter, cancellationToken).ConfigureAwait(false))
        {
            if (!ReplayedOnly || letter.ReplayedAt is not null) selected.Add(letter);
        }
        if (selected.Count == 0)
        {
            WriteVerbose("No dead letter matches; nothing to remove.");
            return;
        }
        var unreplayed = selected.Count(l => l.ReplayedAt is null);
        var what = $"{selected.Count} dead letter(s) of {string.Join(", ", selected.Select(l => l.Pipeline).Distinct())}" + (unreplayed > 0 ? $", {unreplayed} never replayed: their records are lost" : "");
        if (!await ShouldProcessAsync(what, "Remove").ConfigureAwait(false)) return;
        var removed = await store.PurgeAsync(new DeadLetterFilter { Ids = [.. selected.Select(l => l.Id)], IncludeReplayed = true }, cancellationToken).ConfigureAwait(false);
        WriteVerbose($"Removed {removed} dead letter(s).");
    }
}
