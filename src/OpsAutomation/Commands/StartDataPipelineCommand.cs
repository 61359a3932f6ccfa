using System.Collections;
using System.Management.Automation;
using System.Threading.Channels;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.Notifications;
using OpsAutomation.Core.Pipelines;
using OpsAutomation.Core.Pipelines.DeadLetters;
using OpsAutomation.Core.Pipelines.Observers;
using OpsAutomation.Core.Pipelines.Sources;
using OpsAutomation.Core.Pipelines.Spec;
using OpsAutomation.Core.State;
using OpsAutomation.Models.Pipelines;
using OpsAutomation.Pipelines;

namespace OpsAutomation.Commands;

/// <summary>
/// Runs a data pipeline from its spec: reads, validates, transforms and loads each step's
/// records with retries, dead letters and checkpoints, and returns the run with its counts.
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "DataPipeline", HelpUri = "docs/Start-DataPipeline.md", DefaultParameterSetName = SpecSet)]
[OutputType(typeof(PipelineRun))]
public sealed class StartDataPipelineCommand : OpsCmdlet
{
    private const int ProgressActivityId = 0x4F51;
    private const string SpecSet = "Spec", DefinitionSet = "Definition";

    private Channel<IReadOnlyDictionary<string, object?>?>? _input;
    private Task<PipelineRun>? _running;
    private OpsLog? _log;
    private List<ScriptBlockTransform> _scripts = [];
    private OpenLineageObserver? _lineage;
    private PipelineAlertObserver? _alerts;
    private long _nextProgress;

    /// <summary>The pipeline spec: a psd1, JSON or YAML file.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = SpecSet)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>A one-step pipeline defined by parameters instead of a spec file: its name (runs, dead letters, metrics and -Resume go by it).</summary>
    [Parameter(Mandatory = true, ParameterSetName = DefinitionSet)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>The source, as a spec's Source key: @{ Type = 'Csv'; Path = 'orders.csv' }.</summary>
    [Parameter(Mandatory = true, ParameterSetName = DefinitionSet)]
    public IDictionary? Source { get; set; }

    /// <summary>The schema and column rules, as a spec's Validation key.</summary>
    [Parameter(ParameterSetName = DefinitionSet)]
    public IDictionary? Validation { get; set; }

    /// <summary>The sink, as a spec's Sink key: @{ Type = 'Sqlite'; Path = 'out.db'; Table = 'orders'; Key = 'id' }.</summary>
    [Parameter(Mandatory = true, ParameterSetName = DefinitionSet)]
    public IDictionary? Sink { get; set; }

    /// <summary>
    /// The rest of a spec's keys for a pipeline defined by parameters, such as
    /// @{ BatchSize = 1000; MaxRejectionRate = 0.05; Retry = @{ Count = 3 }; DeadLetters = @{ Path = 'rejects.jsonl' } }.
    /// </summary>
    [Parameter(ParameterSetName = DefinitionSet)]
    public IDictionary? Option { get; set; }

    /// <summary>Records for a step whose Source is Type = 'Pipeline': hashtables or objects, one record each.</summary>
    [Parameter(ValueFromPipeline = true)]
    public PSObject? InputObject { get; set; }

    /// <summary>Continue the pipeline's last unfinished run (killed, failed or stopped) after its checkpoints, instead of starting a new run.</summary>
    [Parameter]
    public SwitchParameter Resume { get; set; }

    /// <summary>
    /// Transforms added after the spec's own, on a pipeline of one step, in order: a hashtable is a
    /// declarative transform (@{ Drop = 'note' }); a script block gets the record as $_ and returns
    /// the new record, nothing to drop it, or throws to reject it. Declarative ones come first.
    /// </summary>
    [Parameter]
    public object[] Transform { get; set; } = [];

    /// <summary>The state directory: runs, dead letters and file-sink checkpoints.</summary>
    [Parameter]
    public string? StatePath { get; set; }

    protected override async Task BeginProcessingAsync(CancellationToken cancellationToken)
    {
        var runtime = ModuleRuntime.Get();
        var settings = LoadSettings();
        var definedHere = ParameterSetName == DefinitionSet;
        var specPath = definedHere ? "parameters" : ResolvePath(Path);
        var store = await OpenStateStoreAsync(settings, cancellationToken).ConfigureAwait(false);
        var redactor = new SecretRedactor();
        var (declarative, scripts) = SplitTransforms();
        var tree = definedHere ? PipelineSpecs.DefinitionTree(Name, Source!, Validation, Sink, Option) : PipelineSpecs.ReadTree(runtime, specPath);
        if (Transform.Length > 0)
        {
            if (tree.ContainsKey("Steps"))
                throw ErrorRecords.Terminating(new ErrorRecord(new ArgumentException($"-Transform applies to a pipeline of one step; '{specPath}' has Steps. Put declarative transforms in each step instead."),
                    "TransformNotApplicable", ErrorCategory.InvalidArgument, Transform));
            if (declarative.Count > 0)
                tree["Transforms"] = (tree.TryGetValue("Transforms", out var own) && own is List<object?> ownList ? ownList : []).Concat(declarative).ToList();
        }
        if (UsesPipelineInput(tree)) _input = Channel.CreateBounded<IReadOnlyDictionary<string, object?>?>(new BoundedChannelOptions(10_000) { SingleReader = true });
        var spec = PipelineSpecs.Read(runtime, specPath, tree, store, Secrets(), redactor, _input is null ? null : () => new EnumerableRecordSource(_input.Reader),
            baseDirectory: definedHere ? SessionState.Path.CurrentFileSystemLocation.ProviderPath : null);
        var plan = spec.Plan;
        if (scripts.Count > 0)
        {
            _scripts = [.. scripts.Select((script, i) => Own(new ScriptBlockTransform(script, i + 1)))];
            plan = plan with { Steps = [plan.Steps[0] with { Transforms = [.. plan.Steps[0].Transforms, .. _scripts] }] };
        }

        var runs = new PipelineRunStore(store);
        PipelineRun? resumed = null;
        string runId;
        if (Resume)
        {
            var unfinished = await runs.FindUnfinishedAsync(plan.Name, cancellationToken).ConfigureAwait(false)
                ?? throw ErrorRecords.Terminating(new ErrorRecord(new InvalidOperationException($"Pipeline '{plan.Name}' has no unfinished run to resume in '{settings.StatePath}': its last run ended well, or it never ran."),
                    "PipelineRunNotFound", ErrorCategory.ObjectNotFound, plan.Name));
            if (unfinished.Run.Status == PipelineRunStatus.Running && unfinished.Host == Environment.MachineName && LocalProcess.IsRunning(unfinished.ProcessId))
                throw ErrorRecords.Terminating(new ErrorRecord(new InvalidOperationException($"Run {unfinished.Run.RunId} of pipeline '{plan.Name}' is still running in process {unfinished.ProcessId}."),
                    "PipelineRunActive", ErrorCategory.ResourceBusy, plan.Name));
            resumed = unfinished.Run;
            runId = resumed.RunId;
        }
        else
        {
            runId = Guid.NewGuid().ToString();
        }

        _log = Own(new OpsLog(runId, OpsLogOptions.FromSettings(settings, WriteVerbose), redactor, runtime.Time));
        var observers = new List<IPipelineObserver>();
        if (spec.Lineage is { } lineage) observers.Add(_lineage = new OpenLineageObserver(lineage, runtime.Http, runtime.Pipelines, runtime.Time, _log));
        if (spec.Alerting is { } alerting) observers.Add(_alerts = new PipelineAlertObserver(alerting, new Notifier(runtime.Pipelines), runs, runtime.Time, _log));
        // Opened last: the run closes it when it ends, however it ends.
        IDeadLetterStore letters = spec.DeadLetters is { } deadLetters ? await OpenDeadLetterFileAsync(deadLetters.Path, cancellationToken).ConfigureAwait(false) : new DeadLetterStore(store);
        var services = new PipelineServices
        {
            DeadLetters = letters,
            Runs = runs,
            Resilience = runtime.Pipelines,
            Time = runtime.Time,
            Log = _log,
            Metrics = runtime.Metrics.Pipelines,
            Progress = new Progress(this, plan.Name),
            Observer = observers.Count == 0 ? null : new CompositePipelineObserver(observers, _log),
        };
        WriteVerbose($"{(resumed is null ? "Starting" : "Resuming")} run {runId} of pipeline '{plan.Name}' from {specPath}: {string.Join(", ", plan.Steps.Select(s => s.Name))}");
        _running = RunAsync(new PipelineRunner(plan, services), runId, resumed, letters, cancellationToken);
        // Fed by ProcessRecord and awaited by EndProcessing; when either never comes, disposal stops it and waits.
        Track(_running);
    }

    private static async Task<PipelineRun> RunAsync(PipelineRunner runner, string runId, PipelineRun? resumed, IDeadLetterStore letters, CancellationToken cancellationToken)
    {
        await using (letters.ConfigureAwait(false))
            return await runner.RunAsync(runId, resumed, cancellationToken).ConfigureAwait(false);
    }

    private async Task<JsonLinesDeadLetterFile> OpenDeadLetterFileAsync(string path, CancellationToken cancellationToken)
    {
        var file = await DeadLetterFiles.OpenAsync(path, create: true, cancellationToken).ConfigureAwait(false);
        WriteVerbose($"Dead letters go to {file.Path}" + (file.CutBytes > 0 ? $"; cut {file.CutBytes} bytes of an unfinished letter at its end (a run stopped mid-write; its batch is loaded again)." : "."));
        return file;
    }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        if (InputObject is null) return;
        if (_input is null)
        {
            WriteError(new ErrorRecord(new InvalidOperationException($"'{Path}' has no step with Source Type = 'Pipeline', so the piped object is not read."),
                "PipelineInputNotRead", ErrorCategory.InvalidOperation, InputObject));
            return;
        }
        var input = InputObject;
        var fields = await OnPipelineThreadAsync(() => PSRecords.ToFields(input)).ConfigureAwait(false);
        var write = _input.Writer.WriteAsync(fields, cancellationToken).AsTask();
        // A run that ends early (a bad sink, fail-fast) reads no more: do not wait on a full channel for it.
        await Task.WhenAny(write, _running!).ConfigureAwait(false);
    }

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        _input?.Writer.TryComplete();
        var run = await _running!.ConfigureAwait(false);
        WriteProgress(new ProgressRecord(ProgressActivityId, $"Pipeline {run.Pipeline}", "Done") { RecordType = ProgressRecordType.Completed });
        foreach (var error in _lineage?.DeliveryErrors ?? []) WriteWarning($"A lineage event was not delivered: {error}");
        foreach (var delivery in _alerts?.Deliveries.Where(d => !d.Delivered) ?? []) WriteWarning($"The pipeline alert was not delivered to {delivery.Channel}: {delivery.Error}");
        WriteObject(run);
        if (run.Status == PipelineRunStatus.Failed)
            WriteError(new ErrorRecord(new InvalidOperationException($"Pipeline '{run.Pipeline}' run {run.RunId} failed: {run.Error}"), "PipelineRunFailed", ErrorCategory.OperationStopped, run));
    }

    // -Transform: the hashtables as spec transforms, then the script blocks. A hashtable after a
    // script block would not run where it was written, so it is refused rather than moved.
    private (List<object?> Declarative, List<ScriptBlock> Scripts) SplitTransforms()
    {
        var declarative = new List<object?>();
        var scripts = new List<ScriptBlock>();
        for (var i = 0; i < Transform.Length; i++)
        {
            var item = Transform[i] is PSObject wrapped ? wrapped.BaseObject : Transform[i];
            switch (item)
            {
                case ScriptBlock script:
                    scripts.Add(script);
                    break;
                case IDictionary when scripts.Count > 0:
                    throw ErrorRecords.Terminating(new ErrorRecord(new ArgumentException($"-Transform item {i + 1} is a declarative transform after a script block; declarative transforms run first, so put them first."),
                        "TransformOrderInvalid", ErrorCategory.InvalidArgument, Transform[i]));
                case IDictionary map:
                    declarative.Add(PipelineSpecs.Definition(map, $"-Transform[{i}]"));
                    break;
                default:
                    throw ErrorRecords.Terminating(new ErrorRecord(new ArgumentException($"-Transform item {i + 1} is a {item?.GetType().Name ?? "null"}; give a hashtable (@{{ Drop = 'note' }}) or a script block."),
                        "TransformInvalid", ErrorCategory.InvalidArgument, Transform[i]));
            }
        }
        return (declarative, scripts);
    }

    // The input channel must exist before the spec's factories capture it, and only when a step reads it.
    private static bool UsesPipelineInput(Dictionary<string, object?> tree)
    {
        static bool IsPipelineSource(object? step) =>
            step is IReadOnlyDictionary<string, object?> map && map.TryGetValue("Source", out var source) && source is IReadOnlyDictionary<string, object?> s
            && s.TryGetValue("Type", out var type) && "Pipeline".Equals(type as string, StringComparison.OrdinalIgnoreCase);
        return IsPipelineSource(tree) || (tree.TryGetValue("Steps", out var steps) && steps is IList<object?> list && list.Any(IsPipelineSource));
    }

    /// <summary>Turns the runner's progress into Write-Progress, at most four times a second.</summary>
    private sealed class Progress(StartDataPipelineCommand command, string pipeline) : IProgress<PipelineProgress>
    {
        public void Report(PipelineProgress value)
        {
            var now = Environment.TickCount64;
            var next = Interlocked.Read(ref command._nextProgress);
            if (now < next || Interlocked.CompareExchange(ref command._nextProgress, now + 250, next) != next) return;
            var record = new ProgressRecord(ProgressActivityId, $"Pipeline {pipeline}",
                $"Step {value.StepNumber}/{value.StepCount} {value.Step}: {value.RecordsIn:N0} read, {value.Loaded:N0} loaded, {value.Rejected:N0} rejected, {value.RecordsPerSecond:N0} records/s");
            if (value.ShareRead is { } share) record.PercentComplete = (int)Math.Clamp(share * 100, 0, 100);
            command.WriteProgress(record);
        }
    }
}
