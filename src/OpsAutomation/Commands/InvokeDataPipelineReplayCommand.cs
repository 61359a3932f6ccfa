using System.Management.Automation;
using OpsAutomation.Core;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.Pipelines;
using OpsAutomation.Core.Pipelines.DeadLetters;
using OpsAutomation.Core.Pipelines.Replay;
using OpsAutomation.Core.Pipelines.Spec;
using OpsAutomation.Core.State;
using OpsAutomation.Models.Pipelines;
using OpsAutomation.Pipelines;

namespace OpsAutomation.Commands;

/// <summary>
/// Sends dead letters through their step again after a fix, never over a loaded record; each
/// letter is loaded at most once, even through a kill (see DeadLetterReplay). -WhatIf lists what would be replayed.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "DataPipelineReplay", HelpUri = "docs/Invoke-DataPipelineReplay.md", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(PipelineRun), typeof(DeadLetter))]
public sealed class InvokeDataPipelineReplayCommand : OpsCmdlet
{
    private readonly List<long> _ids = [];

    /// <summary>The pipeline spec whose step (validation, transforms, sink) the letters go through.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>The step to replay; needed when the spec has several.</summary>
    [Parameter]
    public string? Step { get; set; }

    /// <summary>Only these letters (Get-DataPipelineDeadLetter's objects bind by their Id).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public long[] Id { get; set; } = [];

    /// <summary>Only letters of this run.</summary>
    [Parameter]
    public string? RunId { get; set; }

    /// <summary>Only letters of this stage: Validate, Transform or Load (Read letters hold raw text and cannot be replayed).</summary>
    [Parameter]
    public PipelineStage? Stage { get; set; }

    /// <summary>The state directory the letters are kept in, and the replay's run.</summary>
    [Parameter]
    public string? StatePath { get; set; }

    /// <summary>A JSON Lines dead-letter file to replay from instead of the state store. Default: the spec's DeadLetters.Path, when it has one.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? DeadLetterPath { get; set; }

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        _ids.AddRange(Id);
        return Task.CompletedTask;
    }

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        var runtime = ModuleRuntime.Get();
        var settings = LoadSettings();
        var specPath = ResolvePath(Path);
        var state = await OpenStateStoreAsync(settings, cancellationToken).ConfigureAwait(false);
        var redactor = new SecretRedactor();
        var spec = PipelineSpecs.Read(runtime, specPath, state, Secrets(), redactor);
        var step = PipelineSpecs.SelectStep(spec, Step, specPath);

        // A file stays locked from listing to marking, so no other writer changes the letters in between.
        var file = DeadLetterPath is not null ? ResolvePath(DeadLetterPath) : spec.DeadLetters?.Path;
        IDeadLetterStore letters = file is null ? new DeadLetterStore(state) : await DeadLetterFiles.OpenAsync(file, create: false, cancellationToken).ConfigureAwait(false);
        await using (letters.ConfigureAwait(false))
        {
            try
            {
                await ReplayAsync(runtime, settings, state, redactor, spec, step, letters, cancellationToken).ConfigureAwait(false);
            }
            catch (DeadLetterFileException ex)
            {
                throw ErrorRecords.Terminating(ErrorRecords.DeadLetterFile(ex));
            }
        }
    }

    private async Task ReplayAsync(OpsRuntime runtime, OpsSettings settings, StateStore state, SecretRedactor redactor, PipelineSpec spec, PipelineStepPlan step,
        IDeadLetterStore letters, CancellationToken cancellationToken)
    {
        var selected = new List<DeadLetter>();
        var filter = new DeadLetterFilter { Pipeline = spec.Plan.Name, Step = step.Name, RunId = RunId, Stage = Stage, Ids = _ids.Count > 0 ? _ids : null };
        await foreach (var letter in letters.ListAsync(filter, cancellationToken).ConfigureAwait(false)) selected.Add(letter);
        var unreadable = selected.Where(l => l.Stage == PipelineStage.Read).ToList();
        foreach (var letter in unreadable)
            WriteWarning($"Dead letter {letter.Id} ({letter.Location}) failed when it was read; it holds the raw text, not a record, and is not replayed. Fix the source and run the pipeline again.");
        var replayable = selected.Except(unreadable).ToList();
        if (replayable.Count == 0)
        {
            WriteVerbose($"No dead letter of {spec.Plan.Name}/{step.Name} to replay.");
            return;
        }
        if (!await ShouldProcessAsync($"{replayable.Count} dead letter(s) of {spec.Plan.Name}/{step.Name}", "Replay through the step and mark the loaded ones replayed").ConfigureAwait(false))
        {
            foreach (var letter in replayable) WriteObject(letter);
            return;
        }

        var runId = Guid.NewGuid().ToString();
        using var log = new OpsLog(runId, OpsLogOptions.FromSettings(settings, WriteVerbose), redactor, runtime.Time);
        var services = new PipelineServices
        {
            DeadLetters = letters,
            Runs = new PipelineRunStore(state),
            Resilience = runtime.Pipelines,
            Time = runtime.Time,
            Log = log,
            Metrics = runtime.Metrics.Pipelines,
        };
        var handled = new HashSet<long>();
        await foreach (var result in new DeadLetterReplay(letters, services).ReplayAsync(step, spec.Plan.Name, replayable, runId, cancellationToken).ConfigureAwait(false))
        {
            if (result.Resumed)
                WriteVerbose($"Finished replay {result.Run.RunId} of {spec.Plan.Name}/{step.Name}, which had ended before it marked its letters; the sink's checkpoint kept what it had loaded.");
            foreach (var (letter, error) in result.FailedAgain)
                WriteWarning($"Dead letter {letter.Id} ({letter.Location}) failed again and stays in the queue: {error}");
            WriteVerbose($"Replay {result.Run.RunId} replayed {result.Replayed.Count} dead letter(s); {result.FailedAgain.Count} failed again.");
            handled.UnionWith(result.Replayed.Select(l => l.Id));
            handled.UnionWith(result.FailedAgain.Select(f => f.Letter.Id));
            WriteObject(result.Run);
            if (result.Run.Status == PipelineRunStatus.Failed)
                WriteError(new ErrorRecord(new InvalidOperationException($"The replay of {spec.Plan.Name}/{step.Name} failed: {result.Run.Error}"), "PipelineRunFailed", ErrorCategory.OperationStopped, result.Run));
        }
        foreach (var letter in replayable.Where(l => l.ClaimRunId is not null && !handled.Contains(l.Id)))
            WriteWarning($"Dead letter {letter.Id} ({letter.Location}) is held by replay {letter.ClaimRunId}, which is still running; it is not replayed twice.");
    }
}
