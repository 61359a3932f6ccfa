using System.Collections;
using System.Collections.Concurrent;
using System.Management.Automation;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Health;
using OpsAutomation.Core.State;

namespace OpsAutomation;

/// <summary>
/// The async base of every cmdlet. Each phase runs as a task on a worker; everything the
/// worker wants written (objects, errors, progress, ShouldProcess questions) is posted to a
/// queue that the pipeline thread drains, because only that thread may write. The pipeline
/// thread blocks in one place only: the pump. StopProcessing (Ctrl+C) cancels the token, the
/// pump returns at once, and the phase ends as a stopped pipeline.
/// </summary>
public abstract class OpsCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly BlockingCollection<Action> _queue = new();
    private int _pipelineThreadId;
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
    /// Runs <paramref name="work"/> on the pipeline thread and awaits it on the worker: for anything
    /// that runs PowerShell, such as reading a piped object's script properties.
    /// </summary>
    protected Task<T> OnPipelineThreadAsync<T>(Func<T> work)
    {
        var answer = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(() =>
        {
            try { answer.SetResult(work()); }
            catch (Exception ex) { answer.SetException(ex); }
        });
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

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _stopping.Cancel();
        _stopping.Dispose();
        // Not disposed: a worker still unwinding after Stop may post once more, and must not throw for it.
        _queue.CompleteAdding();
        GC.SuppressFinalize(this);
    }

    private void Post(Action action)
    {
        if (Environment.CurrentManagedThreadId == _pipelineThreadId)
            action();
        else
            Enqueue(action);
    }

    /// <summary>Queues for the pump; once the command has ended there is no pipeline left to write to, and the action is dropped.</summary>
    private void Enqueue(Action action)
    {
        try
        {
            _queue.Add(action);
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
        var wake = new Action(static () => { });
        var work = Task.Run(() => phase(StopToken), StopToken);
        work.ContinueWith(_ => Enqueue(wake), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            foreach (var action in _queue.GetConsumingEnumerable(StopToken))
            {
                if (ReferenceEquals(action, wake)) break;
                action();
            }
        }
        catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
        {
            AwaitUnwind(work);
            throw new PipelineStoppedException();
        }

        if (work.IsCanceled && StopToken.IsCancellationRequested) throw new PipelineStoppedException();
        if (work.Exception?.InnerException is { } failure)
        {
            switch (failure)
            {
                case OperationCanceledException when StopToken.IsCancellationRequested:
                    throw new PipelineStoppedException();
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
