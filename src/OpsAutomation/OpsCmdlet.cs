using System.Collections;
using System.Collections.Concurrent;
using System.Management.Automation;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Health;
using OpsAutomation.Core.State;

namespace OpsAutomation;

/// <summary>
/// The async base of every cmdlet. Each phase starts on the pipeline thread; one that finishes
/// without waiting (a piped record buffered) costs no more than a plain cmdlet's. Once it waits,
/// it continues on a worker, and everything the worker wants written (objects, errors, progress,
/// ShouldProcess questions) is posted to a queue that the pipeline thread drains, because only
/// that thread may write. The pipeline thread blocks in one place only: the pump. StopProcessing (Ctrl+C) cancels the token, the
/// pump returns at once, and the phase ends as a stopped pipeline.
/// The queue is bounded: a worker that writes faster than the pipeline consumes waits for room
/// (backpressure), so memory stays flat however slow the next command is.
/// Cleanup never depends on EndProcessing, which PowerShell skips when a command up or down the
/// pipeline throws or the pipeline is stopped: PowerShell always disposes the cmdlet, and
/// <see cref="Dispose"/> cancels the workers, waits for them to unwind (their finally blocks close
/// listeners and sessions), then releases what the command gave to <see cref="Own{T}"/>.
/// </summary>
public abstract class OpsCmdlet : PSCmdlet, IDisposable
{
    /// <summary>Writes waiting for the pipeline thread at most; a worker past it waits.</summary>
    internal const int OutputQueueCapacity = 128;

    private readonly CancellationTokenSource _stopping = new();
    private readonly BlockingCollection<Action> _queue = new(OutputQueueCapacity);
    private readonly List<Task> _workers = [];
    private readonly Stack<IDisposable> _owned = new();
    private int _pipelineThreadId;
    private bool _starting;
    private List<Action>? _startWrites;
    private bool _disposed;

    /// <summary>Cancelled when the user presses Ctrl+C or the host stops the pipeline.</summary>
    protected CancellationToken StopToken => _stopping.Token;

    protected virtual Task BeginProcessingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    protected virtual Task ProcessRecordAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    protected virtual Task EndProcessingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    protected sealed override void BeginProcessing()
    {
        _pipelineThreadId = Environment.CurrentManagedThreadId;
        Pump(BeginProcessingAsync);
    }

    protected sealed override void ProcessRecord() => Pump(ProcessRecordAsync);

    protected sealed override void EndProcessing() => Pump(EndProcessingAsync);

    protected sealed override void StopProcessing() => _stopping.Cancel();

    public new void WriteObject(object? sendToPipeline) => Post(() => base.WriteObject(sendToPipeline));

    public new void WriteObject(object? sendToPipeline, bool enumerateCollection) => Post(() => base.WriteObject(sendToPipeline, enumerateCollection));

    public new void WriteError(ErrorRecord errorRecord) => Post(() => base.WriteError(errorRecord));

    public new void WriteWarning(string text) => Post(() => base.WriteWarning(text));

    public new void WriteVerbose(string text) => Post(() => base.WriteVerbose(text));

    public new void WriteDebug(string text) => Post(() => base.WriteDebug(text));

    public new void WriteProgress(ProgressRecord progressRecord) => Post(() => base.WriteProgress(progressRecord));

    /// <summary>ShouldProcess asked on the pipeline thread, awaited on the worker.</summary>
    protected Task<bool> ShouldProcessAsync(string target, string action) => OnPipelineThreadAsync(() => ShouldProcess(target, action));

    /// <summary>
    /// A secret resolver for this command: env: and file: references, and secret: references
    /// through SecretManagement's Get-Secret, run on the pipeline thread. Core resolves while it
    /// binds configuration, synchronously, so the worker waits for the pump's answer.
    /// </summary>
    protected SecretResolver Secrets() => new(secretStore: (name, vault) =>
        OnPipelineThreadAsync(() => SecretManagement.GetSecret(this, name, vault)).GetAwaiter().GetResult());

    /// <summary>
    /// Runs <paramref name="work"/> on the pipeline thread and awaits it on the worker: for anything
    /// that runs PowerShell, such as reading a piped object's script properties.
    /// </summary>
    protected Task<T> OnPipelineThreadAsync<T>(Func<T> work)
    {
        var answer = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        // Never deferred: a phase's start may wait for the answer synchronously (a secret while binding settings).
        void Run()
        {
            try { answer.SetResult(work()); }
            catch (Exception ex) { answer.SetException(ex); }
        }
        if (Environment.CurrentManagedThreadId == _pipelineThreadId) Run();
        else Enqueue(Run);
        // After Stop no pump runs the work: the worker must not wait for it forever.
        return answer.Task.WaitAsync(StopToken);
    }

    /// <summary>The shared settings (see <see cref="SettingsLoader.Keys"/>) bound on the command line, as the parameter layer.</summary>
    protected Dictionary<string, object?> BoundSettings()
    {
        var bound = ConfigurationTree.NewMap();
        foreach (var key in SettingsLoader.Keys)
        {
            if (MyInvocation.BoundParameters.TryGetValue(key, out var value))
                bound[key] = ToConfigurationValue(value);
        }
        // A path parameter means what it means at the prompt: relative to PowerShell's location.
        if (bound.TryGetValue("StatePath", out var statePath) && statePath is string { Length: > 0 } relative)
            bound["StatePath"] = ResolvePath(relative);
        return bound;
    }

    /// <summary>Settings from <paramref name="fileLayer"/>, OPS_* variables and bound parameters; a bad value is a terminating SettingsInvalid.</summary>
    protected OpsSettings LoadSettings(ConfigurationMap? fileLayer = null)
    {
        try
        {
            return SettingsLoader.Load(fileLayer, Environment.GetEnvironmentVariable, BoundSettings());
        }
        catch (ConfigurationException ex)
        {
            throw ErrorRecords.Terminating(ErrorRecords.Configuration(ex, "SettingsInvalid", null));
        }
    }

    /// <summary>The state store of <paramref name="settings"/>; one that cannot open is a terminating StateStoreUnavailable.</summary>
    protected static async Task<StateStore> OpenStateStoreAsync(OpsSettings settings, CancellationToken cancellationToken)
    {
        try
        {
            return await ModuleRuntime.Get().GetStateStoreAsync(settings, cancellationToken).ConfigureAwait(false);
        }
        catch (StateStoreException ex)
        {
            throw ErrorRecords.Terminating(ErrorRecords.StateStore(ex, settings.StatePath));
        }
    }

    /// <summary>Reads a service catalog at a PowerShell path; a bad catalog is a terminating CatalogInvalid naming the file.</summary>
    protected HealthCatalog ReadCatalog(string path)
    {
        var resolved = ResolvePath(path);
        try
        {
            return HealthCatalog.Read(resolved, ModuleRuntime.Get().Configuration);
        }
        catch (ConfigurationException ex)
        {
            throw ErrorRecords.Terminating(ErrorRecords.Configuration(ex, "CatalogInvalid", resolved));
        }
    }

    /// <summary>Where relative secret and kubeconfig files are found: the catalog's folder, else the current location.</summary>
    protected string? BaseDirectory(HealthCatalog? catalog) =>
        catalog is null ? SessionState.Path.CurrentFileSystemLocation.ProviderPath : System.IO.Path.GetDirectoryName(catalog.Path);

    /// <summary>A path as PowerShell resolves it: relative to the current location, providers and ~ understood.</summary>
    protected string ResolvePath(string path) => SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);

    /// <summary>A bound parameter value in the configuration tree's shape, so one binder validates parameters and files alike.</summary>
    protected static object? ToConfigurationValue(object? value) => value switch
    {
        SwitchParameter s => s.IsPresent,
        int i => (long)i,
        int[] numbers => numbers.Select(n => (object?)(long)n).ToList(),
        Uri uri => uri.OriginalString,
        Hashtable table => table.Cast<DictionaryEntry>().ToDictionary(e => e.Key.ToString()!, e => (object?)e.Value?.ToString(), StringComparer.OrdinalIgnoreCase),
        _ => value,
    };

    /// <summary>Released (last owned, first released) when the command is disposed, however the pipeline ends.</summary>
    protected T Own<T>(T resource) where T : IDisposable
    {
        lock (_owned) _owned.Push(resource);
        return resource;
    }

    /// <summary>A task that outlives the phase that started it (a run fed by ProcessRecord): disposal waits for it to unwind.</summary>
    protected void Track(Task worker)
    {
        lock (_workers)
        {
            _workers.RemoveAll(w => w.IsCompleted);
            _workers.Add(worker);
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _stopping.Cancel();
        Task[] workers;
        lock (_workers) workers = [.. _workers];
        foreach (var worker in workers) AwaitUnwind(worker);
        var failures = new List<Exception>();
        while (true)
        {
            IDisposable resource;
            lock (_owned)
            {
                if (!_owned.TryPop(out resource!)) break;
            }
            try
            {
                resource.Dispose();
            }
            catch (Exception ex)
            {
                failures.Add(ex);
            }
        }
        // Not disposed: a worker that outlived the grace may still post or check the token, and must not throw for it.
        _queue.CompleteAdding();
        GC.SuppressFinalize(this);
        if (failures.Count > 0) throw new AggregateException("Releasing the command's resources failed.", failures);
    }

    /// <summary>
    /// Writes now on the pipeline thread, else through the queue. What a phase writes while it starts on the pipeline
    /// thread waits until the phase has returned: a downstream command's exception (Select-Object -First stopping
    /// upstream, a terminating error) must reach the pump, never a catch block of the phase.
    /// </summary>
    private void Post(Action action)
    {
        if (Environment.CurrentManagedThreadId != _pipelineThreadId)
            Enqueue(action);
        else if (_starting)
            (_startWrites ??= []).Add(action);
        else
            action();
    }

    /// <summary>
    /// Queues for the pump, waiting while the queue is full. After Stop or disposal there is no
    /// pipeline left to write to: the action is dropped, so a worker's finally block that writes
    /// (a last progress record) still runs to its end.
    /// </summary>
    private void Enqueue(Action action)
    {
        try
        {
            _queue.Add(action, StopToken);
        }
        catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
        {
        }
        catch (InvalidOperationException) when (_queue.IsAddingCompleted)
        {
        }
    }

    /// <summary>
    /// After Stop, gives the worker a moment to run its finally blocks (close a listener, save
    /// history), so Ctrl+C returns with resources released; a worker that ignores cancellation
    /// cannot hold the prompt longer than this.
    /// </summary>
    private static void AwaitUnwind(Task work)
    {
        try
        {
            work.Wait(UnwindGrace);
        }
        catch (AggregateException)
        {
            // The phase's own failure after Stop: the pipeline is stopped either way.
        }
    }

    private static readonly TimeSpan UnwindGrace = TimeSpan.FromSeconds(1);

    private void Pump(Func<CancellationToken, Task> phase)
    {
        var work = Start(phase);
        if (!work.IsCompleted) Track(work);
        WriteStartWrites();
        if (work.IsCompleted)
        {
            // The fast path: a phase that finished without waiting (a piped record buffered) needs no pump, only what
            // background workers posted meanwhile written out. A record then costs a method call, not a task and a wait.
            while (_queue.TryTake(out var posted)) posted();
            Finish(work);
            return;
        }
        // Not disposed: the continuation may cancel it after the pump has left (a downstream throw).
        var ended = new CancellationTokenSource();
        work.ContinueWith(static (_, state) => ((CancellationTokenSource)state!).Cancel(), ended, CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(StopToken, ended.Token);
        try
        {
            while (true)
            {
                Action? action;
                try
                {
                    _queue.TryTake(out action, Timeout.Infinite, waiting.Token);
                }
                catch (OperationCanceledException) when (!StopToken.IsCancellationRequested)
                {
                    // The phase ended: what it (or a tracked worker) posted before is written, then the pump returns.
                    while (_queue.TryTake(out action)) action();
                    break;
                }
                action?.Invoke();
            }
        }
        catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
        {
            AwaitUnwind(work);
            throw new PipelineStoppedException();
        }

        Finish(work);
    }

    /// <summary>
    /// Runs the phase on the pipeline thread up to its first wait; the rest runs on the thread pool. No
    /// synchronization context is captured, so no host's context (a UI thread, a test runner's) has to run the
    /// continuations while this thread blocks in the pump.
    /// </summary>
    private Task Start(Func<CancellationToken, Task> phase)
    {
        var context = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        _starting = true;
        try
        {
            StopToken.ThrowIfCancellationRequested();
            return phase(StopToken);
        }
        catch (Exception ex)
        {
            return Task.FromException(ex);
        }
        finally
        {
            _starting = false;
            SynchronizationContext.SetSynchronizationContext(context);
        }
    }

    private void WriteStartWrites()
    {
        if (_startWrites is not { Count: > 0 } writes) return;
        _startWrites = null;
        foreach (var write in writes) write();
    }

    /// <summary>Ends a finished phase as PowerShell expects: stopped, a terminating error on this thread, or its own exception.</summary>
    private void Finish(Task work)
    {
        if ((work.IsCanceled || work.Exception?.InnerException is OperationCanceledException) && StopToken.IsCancellationRequested)
            throw new PipelineStoppedException();
        if (work.Exception?.InnerException is { } failure)
        {
            switch (failure)
            {
                case OpsTerminatingException terminating:
                    ThrowTerminatingError(terminating.ErrorRecord);
                    break;
                default:
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
                    break;
            }
        }
    }
}

/// <summary>Thrown on a worker to end the command with a terminating error raised on the pipeline thread.</summary>
public sealed class OpsTerminatingException : Exception
{
    public OpsTerminatingException(ErrorRecord errorRecord)
        : base(errorRecord.Exception?.Message, errorRecord.Exception)
    {
        ErrorRecord = errorRecord;
    }

    public ErrorRecord ErrorRecord { get; }
}
