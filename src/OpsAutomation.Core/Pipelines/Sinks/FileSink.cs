using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using OpsAutomation.Core.Pipelines.Sources;
using OpsAutomation.Core.State;

namespace OpsAutomation.Core.Pipelines.Sinks;

/// <summary>
/// A file written atomically: records go to a partial file beside the target, each batch is
/// synced to disk before its checkpoint is saved, and only a finished load renames the partial
/// file over the target. A reader of the target never sees half a load; a resumed run cuts the
/// partial file back to its last checkpoint and goes on.
/// <para>
/// A replay of dead letters appends to the target instead: the finished partial file is added
/// to a copy of the target that is renamed over it, with a marker beside the partial file that
/// tells a replay resumed after a kill whether that rename happened. Before it writes a record,
/// a replay looks its <see cref="Key"/> and validation's unique columns up among the target's
/// records and refuses one whose value is there already.
/// </para>
/// </summary>
public abstract class FileSink : IRecordSink
{
    private readonly PipelineCheckpointStore _checkpoints;
    private readonly TimeProvider _time;
    private FileStream? _stream;
    private SinkContext? _context;
    // A replay: the keys it checks, and for each the key values the target (and this load) holds.
    private (IReadOnlyList<string> Key, HashSet<string> Taken)[] _replayKeys = [];

    protected FileSink(string path, PipelineCheckpointStore checkpoints, TimeProvider time, IReadOnlyList<string>? key = null)
    {
        TargetPath = Path.GetFullPath(path);
        _checkpoints = checkpoints;
        _time = time;
        Key = key ?? [];
    }

    /// <summary>The columns that identify a record: a replay refuses a record whose key the target holds.</summary>
    public IReadOnlyList<string> Key { get; }

    /// <summary>A replay into a target that holds records already: the load is appended to it.</summary>
    protected bool AppendsToTarget { get; private set; }

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
        if (context.Replay is not null) await FinishMergeAsync(cancellationToken).ConfigureAwait(false);
        var checkpoint = await _checkpoints.GetAsync(context.Pipeline, context.Step, context.RunId, cancellationToken).ConfigureAwait(false);
        if (checkpoint is { SinkOffset: { } offset } && !File.Exists(PartialPath))
            throw new IOException($"The run {context.RunId} wrote {offset} bytes to '{PartialPath}', which is gone: it cannot be resumed exactly once. Start a new run.");
        _stream = new FileStream(PartialPath, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read, 1 << 16, FileOptions.Asynchronous);
        // Bytes after the last checkpoint belong to a batch whose checkpoint was never saved: they are written again.
        _stream.SetLength(checkpoint?.SinkOffset ?? 0);
        _stream.Position = _stream.Length;
        AppendsToTarget = context.Replay is not null && File.Exists(TargetPath) && new FileInfo(TargetPath).Length > 0;
        await OnOpenedAsync(PartialPath, _stream.Length, cancellationToken).ConfigureAwait(false);
        if (context.Replay is { } replay) await ReadTakenKeysAsync(replay, cancellationToken).ConfigureAwait(false);
        return checkpoint?.Checkpoint ?? StepCheckpoint.None;
    }

    // The key values the target's records hold, and those of the records this replay committed to
    // its partial file before a kill, per key: the sink's declared key, then each unique column.
    private async Task ReadTakenKeysAsync(SinkReplay replay, CancellationToken cancellationToken)
    {
        var keys = new List<IReadOnlyList<string>>();
        if (Key.Count > 0) keys.Add(Key);
        keys.AddRange(replay.UniqueColumns.Where(c => !(Key.Count == 1 && Key[0] == c)).Select(c => (IReadOnlyList<string>)[c]));
        _replayKeys = [.. keys.Select(k => (k, new HashSet<string>(StringComparer.Ordinal)))];
        if (_replayKeys.Length == 0) return;
        if (AppendsToTarget) await ReadKeysAsync(TargetPath, headerless: false, cancellationToken).ConfigureAwait(false);
        if (_stream!.Length > 0) await ReadKeysAsync(PartialPath, headerless: AppendsToTarget, cancellationToken).ConfigureAwait(false);
    }

    private async Task ReadKeysAsync(string path, bool headerless, CancellationToken cancellationToken)
    {
        // Shared for writing: the partial file is open for this load's appends.
        var records = ReadRecords(() => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16), path, headerless);
        await using (records.ConfigureAwait(false))
        {
            await foreach (var item in records.ReadAsync(0, cancellationToken).ConfigureAwait(false))
            {
                if (item.Record is not { } record) continue;
                foreach (var (key, taken) in _replayKeys)
                {
                    if (KeyText(record, key) is { } text) taken.Add(text);
                }
            }
        }
    }

    // The record's values of the key as one text; null when one is missing or null (a null key equals nothing).
    private static string? KeyText(DataRecord record, IReadOnlyList<string> key)
    {
        var parts = new string[key.Count];
        for (var i = 0; i < key.Count; i++)
        {
            if (record[key[i]] is not { } value) return null;
            parts[i] = Convert.ToString(SinkColumn.ToStorable(value), CultureInfo.InvariantCulture) ?? "";
        }
        return string.Join('\u001f', parts);
    }

    // A replay's records whose key the target or this load holds already are refused; the others are kept, and their keys taken.
    // The keys taken are listed in added, for a batch that does not commit to give back.
    private IReadOnlyList<DataRecord> WithoutTakenKeys(IReadOnlyList<DataRecord> records, List<RefusedRecord> refused, List<(HashSet<string> Taken, string Text)> added)
    {
        if (_replayKeys.Length == 0) return records;
        var kept = new List<DataRecord>(records.Count);
        foreach (var record in records)
        {
            var taken = _replayKeys.FirstOrDefault(k => KeyText(record, k.Key) is { } text && k.Taken.Contains(text));
            if (taken.Key is not null)
            {
                refused.Add(new RefusedRecord(record, SinkKeys.Taken(taken.Key, [.. taken.Key.Select(c => record[c])], $"'{TargetPath}'")));
                continue;
            }
            kept.Add(record);
            foreach (var (key, set) in _replayKeys)
            {
                if (KeyText(record, key) is { } text && set.Add(text)) added.Add((set, text));
            }
        }
        return kept;
    }

    public async Task WriteAsync(IReadOnlyList<DataRecord> records, BeforeCommit beforeCommit, CancellationToken cancellationToken)
    {
        var stream = _stream ?? throw new InvalidOperationException("The sink is not open.");
        var start = stream.Length;
        var taken = new List<(HashSet<string> Taken, string Text)>();
        try
        {
            var refused = new List<RefusedRecord>();
            await WriteRecordsAsync(stream, WithoutTakenKeys(records, refused, taken), refused, cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
            var checkpoint = await beforeCommit(refused, cancellationToken).ConfigureAwait(false);
            await _checkpoints.SaveAsync(_context!.Pipeline, _context.Step, _context.RunId, checkpoint, stream.Length, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Not committed: cut the batch off again, so a retry in this process does not write it twice (nor find its keys taken).
            stream.SetLength(start);
            stream.Position = start;
            foreach (var (set, text) in taken) set.Remove(text);
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
        if (!AppendsToTarget)
        {
            File.Move(PartialPath, TargetPath, overwrite: true);
            return;
        }
        // The marker says what the target will be once merged: a replay resumed after a kill reads it to know whether the rename happened.
        var before = new FileInfo(TargetPath).Length;
        var added = new FileInfo(PartialPath).Length;
        await WriteSyncedAsync(MarkerPath, Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{before} {added}")), cancellationToken).ConfigureAwait(false);
        var merged = PartialPath + ".merged";
        await using (var output = new FileStream(merged, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
        {
            foreach (var part in new[] { TargetPath, PartialPath })
            {
                await using var input = new FileStream(part, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16, FileOptions.Asynchronous);
                await input.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
            }
            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            output.Flush(flushToDisk: true);
        }
        File.Move(merged, TargetPath, overwrite: true);
        await FinishMergeAsync(cancellationToken).ConfigureAwait(false);
    }

    private string MarkerPath => PartialPath + ".merging";

    /// <summary>
    /// After a replay's merge (or a kill during it): when the target has the length the marker
    /// foretold, the merge happened, and the checkpoint forgets the partial file before it goes, so
    /// the resumed replay writes nothing again; otherwise the merge is redone at completion.
    /// </summary>
    private async Task FinishMergeAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(MarkerPath)) return;
        var parts = (await File.ReadAllTextAsync(MarkerPath, cancellationToken).ConfigureAwait(false)).Split(' ');
        var done = parts.Length == 2 && long.TryParse(parts[0], CultureInfo.InvariantCulture, out var before) && long.TryParse(parts[1], CultureInfo.InvariantCulture, out var added)
            && File.Exists(TargetPath) && new FileInfo(TargetPath).Length == before + added;
        if (done)
        {
            if (await _checkpoints.GetAsync(_context!.Pipeline, _context.Step, _context.RunId, cancellationToken).ConfigureAwait(false) is { } saved)
                await _checkpoints.SaveAsync(_context.Pipeline, _context.Step, _context.RunId, saved.Checkpoint, null, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            File.Delete(PartialPath);
        }
        File.Delete(PartialPath + ".merged");
        File.Delete(MarkerPath);
    }

    private static async Task WriteSyncedAsync(string path, byte[] bytes, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
        await file.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        file.Flush(flushToDisk: true);
    }

    public bool IsTransient(Exception exception) => false;

    public async ValueTask DisposeAsync()
    {
        if (_stream is not null) await _stream.DisposeAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    /// <summary>Called once the partial file is open with <paramref name="length"/> bytes kept from earlier attempts (a CSV sink reads its header back).</summary>
    protected virtual Task OnOpenedAsync(string partialPath, long length, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Records written in this sink's format, for a replay to find the keys the target and its
    /// partial file hold; <paramref name="headerless"/> for a partial file appended to a target
    /// (its rows go under the target's header).
    /// </summary>
    protected abstract IRecordSource ReadRecords(Func<Stream> open, string display, bool headerless);

    /// <summary>Appends <paramref name="records"/>, adding the ones it cannot write to <paramref name="refused"/>.</summary>
    protected abstract Task WriteRecordsAsync(Stream stream, IReadOnlyList<DataRecord> records, List<RefusedRecord> refused, CancellationToken cancellationToken);
}
