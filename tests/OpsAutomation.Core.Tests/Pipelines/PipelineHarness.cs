using System.Runtime.CompilerServices;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.Pipelines;
using OpsAutomation.Core.Pipelines.Sinks;
using OpsAutomation.Core.Pipelines.Sources;
using OpsAutomation.Core.Resilience;
using OpsAutomation.Core.State;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Pipelines;

namespace OpsAutomation.Core.Tests.Pipelines;

/// <summary>A state store, log and services for running pipelines in a test; disposed with its folder.</summary>
internal sealed class PipelineHarness : IDisposable
{
    private readonly TempDirectory _directory;
    private readonly OpsLog _log;
    private readonly ResiliencePipelineProvider _resilience = new(TimeProvider.System);

    private PipelineHarness(TempDirectory directory, StateStore store)
    {
        _directory = directory;
        Store = store;
        _log = new OpsLog("test", new OpsLogOptions { Console = line => { lock (LogLines) LogLines.Add(line); } }, new SecretRedactor());
    }

    public StateStore Store { get; }

    public List<string> LogLines { get; } = [];

    public string Path(string name) => System.IO.Path.Combine(_directory.Path, name);

    public static async Task<PipelineHarness> CreateAsync()
    {
        var directory = new TempDirectory();
        var store = await StateStore.OpenAsync(System.IO.Path.Combine(directory.Path, "state"), CancellationToken.None);
        return new PipelineHarness(directory, store);
    }

    public PipelineServices Services => new()
    {
        DeadLetters = new DeadLetterStore(Store),
        Runs = new PipelineRunStore(Store),
        Resilience = _resilience,
        Time = TimeProvider.System,
        Log = _log,
    };

    public Task<PipelineRun> RunAsync(PipelinePlan plan, string runId = "run-1", PipelineRun? resumed = null, CancellationToken cancellationToken = default) =>
        new PipelineRunner(plan, Services).RunAsync(runId, resumed, cancellationToken);

    public async Task<List<DeadLetter>> DeadLettersAsync(DeadLetterFilter? filter = null)
    {
        var letters = new List<DeadLetter>();
        await foreach (var letter in new DeadLetterStore(Store).ListAsync(filter ?? new DeadLetterFilter(), CancellationToken.None)) letters.Add(letter);
        return letters;
    }

    public void Dispose()
    {
        _log.Dispose();
        _resilience.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }
}

/// <summary>Records (id, name, amount) made in memory; a position can be made a read problem.</summary>
internal sealed class MemorySource(int count, Func<long, bool>? problemAt = null) : IRecordSource
{
    private static readonly RecordShape Shape = new(["id", "name", "amount"]);

    public string Name => "memory:orders";

    public string DatasetNamespace => "memory";

    public string DatasetName => "orders";

    public int Reads { get; private set; }

    private long _yielded;

    /// <summary>The records handed to the reader so far (read by another thread while the run goes on).</summary>
    public long Yielded => Interlocked.Read(ref _yielded);

    public async IAsyncEnumerable<SourceItem> ReadAsync(long skip, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Reads++;
        for (long position = skip + 1; position <= count; position++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Interlocked.Increment(ref _yielded);
            if (problemAt?.Invoke(position) == true)
                yield return new SourceProblem(position, $"orders:{position}", "ragged row: 2 fields, expected 3", "1,broken");
            else
                yield return new DataRecord(Shape, [position, $"order {position}", position * 1.5], position, $"orders:{position}");
            if (position % 1000 == 0) await Task.Yield();
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>A sink that forwards to another and throws after a number of batches: a kill at a chosen point.</summary>
internal sealed class FailingSink(IRecordSink inner, int failAfterBatches, Func<Exception> failure, bool afterCommit = false) : IRecordSink
{
    private int _batches;

    public string DatasetNamespace => inner.DatasetNamespace;

    public string DatasetName => inner.DatasetName;

    public Task<StepCheckpoint> OpenAsync(SinkContext context, CancellationToken cancellationToken) => inner.OpenAsync(context, cancellationToken);

    public async Task WriteAsync(IReadOnlyList<DataRecord> records, BeforeCommit beforeCommit, CancellationToken cancellationToken)
    {
        if (!afterCommit && ++_batches > failAfterBatches) throw failure();
        await inner.WriteAsync(records, beforeCommit, cancellationToken);
        if (afterCommit && ++_batches > failAfterBatches) throw failure();
    }

    public Task CompleteAsync(CancellationToken cancellationToken) => inner.CompleteAsync(cancellationToken);

    public bool IsTransient(Exception exception) => inner.IsTransient(exception);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
