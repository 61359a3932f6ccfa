using System.Management.Automation;
using OpsAutomation.Completers;
using OpsAutomation.Core.Pipelines.DeadLetters;
using OpsAutomation.Core.State;
using OpsAutomation.Models.Pipelines;
using OpsAutomation.Pipelines;

namespace OpsAutomation.Commands;

/// <summary>Lists the dead letters of pipelines: records a run could not load, with why and where they came from.</summary>
[Cmdlet(VerbsCommon.Get, "DataPipelineDeadLetter", HelpUri = "docs/Get-DataPipelineDeadLetter.md")]
[OutputType(typeof(DeadLetter))]
public sealed class GetDataPipelineDeadLetterCommand : OpsCmdlet
{
    /// <summary>Only letters of this pipeline.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(PipelineNameCompleter))]
    public string? Pipeline { get; set; }

    /// <summary>Only letters of this run (a PipelineRun piped in binds its RunId).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? RunId { get; set; }

    /// <summary>Only letters of this step.</summary>
    [Parameter]
    public string? Step { get; set; }

    /// <summary>Only letters of this stage: Read, Validate, Transform or Load.</summary>
    [Parameter]
    public PipelineStage? Stage { get; set; }

    /// <summary>Only letters whose error contains this text (case-insensitive).</summary>
    [Parameter]
    public string? ErrorText { get; set; }

    /// <summary>Also letters a replay has loaded already.</summary>
    [Parameter]
    public SwitchParameter IncludeReplayed { get; set; }

    /// <summary>The state directory the letters are kept in.</summary>
    [Parameter]
    public string? StatePath { get; set; }

    /// <summary>A JSON Lines dead-letter file (a spec's DeadLetters.Path) to read instead of the state store.</summary>
    [Parameter]
    [Alias("DeadLetterPath")]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var filter = new DeadLetterFilter { Pipeline = Pipeline, RunId = RunId, Step = Step, Stage = Stage, ErrorContains = ErrorText, IncludeReplayed = IncludeReplayed };
        var file = Path is null ? null : ResolvePath(Path);
        if (file is not null && StatePath is not null) throw DeadLetterFiles.Ambiguous(file);
        var store = file is null ? await OpenStateStoreAsync(LoadSettings(), cancellationToken).ConfigureAwait(false) : null;
        // A pipeline the store has never run is a name that is wrong, not one without letters.
        if (store is not null && Pipeline is not null &&
            !(await new PipelineRunStore(store).NamesAsync(cancellationToken).ConfigureAwait(false)).Contains(Pipeline, StringComparer.Ordinal))
        {
            WriteError(NameSelection.NotFound(Pipeline, "PipelineNotFound", $"Pipeline '{Pipeline}' has no runs in {store.Directory}."));
            return;
        }
        IDeadLetterStore letters = store is not null ? new DeadLetterStore(store) : DeadLetterFiles.OpenToRead(file!);
        await using (letters.ConfigureAwait(false))
        {
            try
            {
                await foreach (var letter in letters.ListAsync(filter, cancellationToken).ConfigureAwait(false))
                    WriteObject(letter);
            }
            catch (DeadLetterFileException ex)
            {
                throw ErrorRecords.Terminating(ErrorRecords.DeadLetterFile(ex));
            }
        }
    }
}
