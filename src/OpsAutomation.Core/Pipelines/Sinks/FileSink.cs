using System.Security.Cryptography;
using System.Text;
using OpsAutomation.Core.State;

namespace OpsAutomation.Core.Pipelines.Sinks;

/// <summary>
/// A file written atomically: records go to a partial file beside the target, each batch is
/// synced to disk before its checkpoint is saved, and only a finished load renames the partial
/// file over the target. A reader of the target never sees half a load; a resumed run cuts the
/// partial file back to its last checkpoint and goes on.
/// </summary>
public abstract class FileSink : IRecordSink
{
    private readonly PipelineCheckpointStore _checkpoints;
    private readonly TimeProvider _time;
    private FileStream? _stream;
    private SinkContext? _context;

    protected FileSink(string path, PipelineCheckpointStore checkpoints, TimeProvider time)
    {
        TargetPath = Path.GetFullPath(path);
        _checkpoints = checkpoints;
        _time = time;
    }

    /// <summary>The file a finished load leaves.</summary>
    public string TargetPath { get; }

    /// <summary>The file being written; named for the run so two pipelines never share one.</summary>
    public string PartialPath { get; private set; } = "";

    public string DatasetNamespace => "file";

    public string DatasetName => TargetPath;

    public async Task<StepCheckpoint> OpenAsync(SinkContext context, CancellationToken cancellationToken)
    {
        _context = context;
        var directory = Path.GetDirectoryName(TargetPath)!;
        Directory.CreateDirectory(directory);
        var tag = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{context.Pipeline}\n{context.Step}\n{context.RunId}")))[..12].ToLowerInvariant();
        PartialPath = Path.Combine(directory, $".{Path.GetFileName(TargetPath)}.{tag}.partial");
        var checkpoint = await _checkpoints.GetAsync(context.Pipeline, context.Step, context.RunId, cancellationToken).ConfigureAwait(false);
        if (checkpoint is { SinkOffset: { } offset } && !File.Exists(PartialPath))
            throw new IOException($"The run {context.RunId} wrote {offset} bytes to '{PartialPath}', which is gone: it cannot be resumed exactly once. Start a new run.");
        _stream = new FileStream(PartialPath, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read, 1 << 16, FileOptions.Asynchronous);
        // Bytes after the last checkpoint belong to a batch whose checkpoint was never saved: they are written again.
        _stream.SetLength(checkpoint?.SinkOffset ?? 0);
        _stream.Position = _stream.Length;
        await OnOpenedAsync(PartialPath, _stream.Length, cancellationToken).ConfigureAwait(false);
        return checkpoint?.Checkpoint ?? StepCheckpoint.None;
    }

    public async Task WriteAsync(IReadOnlyList<DataRecord> records, BeforeCommit beforeCommit, CancellationToken cancellationToken)
    {
        var stream = _stream ?? throw new InvalidOperationException("The sink is not open.");
        var start = stream.Length;
        try
        {
            var refused = new List<RefusedRecord>();
            await WriteRecordsAsync(stream, records, refused, cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
            var checkpoint = await beforeCommit(refused, cancellationToken).ConfigureAwait(false);
            await _checkpoints.SaveAsync(_context!.Pipeline, _context.Step, _context.RunId, checkpoint, stream.Length, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Not committed: cut the batch off again, so a retry in this process does not write it twice.
            stream.SetLength(start);
            stream.Position = start;
            throw;
        }
    }

    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        if (_stream is null) return;
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        _stream.Flush(flushToDisk: true);
        await _stream.DisposeAsync().ConfigureAwait(false);
        _stream = null;
        File.Move(PartialPath, TargetPath, overwrite: true);
    }

    public bool IsTransient(Exception exception) => false;

    public async ValueTask DisposeAsync()
    {
        if (_stream is not null) await _stream.DisposeAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    /// <summary>Called once the partial file is open with <paramref name="length"/> bytes kept from earlier attempts (a CSV sink reads its header back).</summary>
    protected virtual Task OnOpenedAsync(string partialPath, long length, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Appends <paramref name="records"/>, adding the ones it cannot write to <paramref name="refused"/>.</summary>
    protected abstract Task WriteRecordsAsync(Stream stream, IReadOnlyList<DataRecord> records, List<RefusedRecord> refused, CancellationToken cancellationToken);
}
