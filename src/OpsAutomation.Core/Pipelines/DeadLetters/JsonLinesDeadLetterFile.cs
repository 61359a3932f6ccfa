using System.Buffers;
using System.Runtime.CompilerServices;
using OpsAutomation.Core.State;
using OpsAutomation.Models.Pipelines;

namespace OpsAutomation.Core.Pipelines.DeadLetters;

/// <summary>
/// The dead-letter queue as a JSON Lines file, for letters that go on to another system (a log
/// shipper, a topic): one letter per line with every field, camelCase, times in ISO 8601 UTC.
/// <para>
/// A writer holds an exclusive lock on the sibling <c>&lt;file&gt;.lock</c> while it is open, so two
/// processes never interleave (the lock is on a sibling because a rewrite renames a new file over
/// the letters). AddAsync appends and syncs to disk before it returns, that is before the batch's
/// checkpoint commits, and skips letters whose pipeline, step, run and position the file holds
/// already, so a resumed run adds none twice. A kill can leave half a line at the end: a writer
/// cuts it on open, as its batch never committed and is redone. Marking replayed and purging write
/// the whole file to a temporary file beside it, sync it and rename it over.
/// </para>
/// Readers take no lock and see the letters up to the last complete line.
/// </summary>
public sealed class JsonLinesDeadLetterFile : IDeadLetterStore
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly FileStream? _lock;
    private readonly Dictionary<string, string> _names = new(StringComparer.Ordinal);
    private HashSet<LetterKey> _keys = [];
    private FileStream? _append;
    // The bytes that hold whole letters: the file ends in a newline here.
    private long _length;
    private long _lastId;

    private JsonLinesDeadLetterFile(string path, FileStream? lockStream)
    {
        Path = path;
        _lock = lockStream;
    }

    /// <summary>The file, a full path.</summary>
    public string Path { get; }

    /// <summary>Bytes of an unfinished last line a writer cut off when it opened the file; 0 when the file ended well.</summary>
    public long CutBytes { get; private set; }

    /// <summary>
    /// Opens <paramref name="path"/> to add, mark and purge letters, holding its lock until disposed;
    /// with <paramref name="create"/> a missing file (and its folder) is created.
    /// </summary>
    /// <exception cref="DeadLetterFileException">Missing, locked by another writer, or holding a line that is not a letter.</exception>
    public static async Task<JsonLinesDeadLetterFile> OpenAsync(string path, bool create, CancellationToken cancellationToken)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (!create && !File.Exists(full)) throw NotFound(full);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        FileStream lockStream;
        try
        {
            lockStream = new FileStream(full + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex) when (ex is not (FileNotFoundException or DirectoryNotFoundException or PathTooLongException))
        {
            throw new DeadLetterFileException(
                $"The dead-letter file '{full}' is in use by another process (a running pipeline, replay or purge?): its lock '{full}.lock' is held. Try again when that process has ended.",
                full, DeadLetterFileProblem.InUse, inner: ex);
        }
        var file = new JsonLinesDeadLetterFile(full, lockStream);
        try
        {
            await file.LoadAsync(cancellationToken).ConfigureAwait(false);
            return file;
        }
        catch
        {
            await file.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Opens <paramref name="path"/> to list letters only: no lock, so a running pipeline may go on adding.</summary>
    /// <exception cref="DeadLetterFileException">The file does not exist.</exception>
    public static JsonLinesDeadLetterFile OpenReadOnly(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        return File.Exists(full) ? new JsonLinesDeadLetterFile(full, null) : throw NotFound(full);
    }

    /// <summary>Appends the letters the file does not hold yet and syncs them to disk; returns how many were new.</summary>
    public async Task<int> AddAsync(IReadOnlyCollection<NewDeadLetter> letters, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (letters.Count == 0) return 0;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var append = Writable();
            var added = new HashSet<LetterKey>();
            var id = _lastId;
            var buffer = new ArrayBufferWriter<byte>();
            using (var writer = DeadLetterJson.CreateWriter(buffer))
            {
                foreach (var letter in letters)
                {
                    var key = new LetterKey(Intern(letter.Pipeline), Intern(letter.Step), Intern(letter.RunId), letter.Position);
                    if (_keys.Contains(key) || !added.Add(key)) continue;
                    DeadLetterJson.Write(writer, buffer, new DeadLetter
                    {
                        Id = ++id,
                        Pipeline = letter.Pipeline,
                        Step = letter.Step,
                        RunId = letter.RunId,
                        Stage = letter.Stage,
                        Position = letter.Position,
                        Location = letter.Location,
                        Error = letter.Error,
                        Attempts = letter.Attempts,
                        Record = letter.Record,
                        CreatedAt = now,
                    });
                }
            }
            if (added.Count == 0) return 0;
            cancellationToken.ThrowIfCancellationRequested();
            // Bytes past the last whole letter are an append that failed (its batch never committed): cut them first.
            if (append.Length != _length) append.SetLength(_length);
            append.Position = _length;
            // Not cancellable once begun: the letters are on disk whole before the checkpoint, or the add fails.
            await append.WriteAsync(buffer.WrittenMemory, CancellationToken.None).ConfigureAwait(false);
            await append.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            append.Flush(flushToDisk: true);
            _length += buffer.WrittenCount;
            _lastId = id;
            _keys.UnionWith(added);
            return added.Count;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The letters <paramref name="filter"/> selects, oldest first.</summary>
    /// <exception cref="DeadLetterFileException">A line is not a dead letter.</exception>
    public async IAsyncEnumerable<DeadLetter> ListAsync(DeadLetterFilter filter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var ids = filter.Ids is { Count: > 0 } selected ? selected.ToHashSet() : null;
        FileStream input;
        long limit;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Opened under the gate, so never between a rewrite's rename and its reopening.
            input = OpenRead(Path);
            limit = _lock is null ? await JsonLines.CompleteLengthAsync(input, cancellationToken).ConfigureAwait(false) : _length;
        }
        finally
        {
            _gate.Release();
        }
        await using (input.ConfigureAwait(false))
        {
            var seen = new Dictionary<long, long>();
            await foreach (var (line, number) in JsonLines.ReadLinesAsync(input, limit, cancellationToken).ConfigureAwait(false))
            {
                if (JsonLines.IsBlank(line.Span)) continue;
                var letter = DeadLetterJson.Parse(line, Path, number);
                CheckUnique(letter, number, seen, Path);
                if (Matches(letter, filter, ids)) yield return letter;
            }
        }
    }

    /// <summary>
    /// Every replay whose claims the file holds: the lock is the lease, so a claim found by the
    /// holder of the lock belongs to a replay that ended without finishing. The claims stay as they are.
    /// </summary>
    public async Task<IReadOnlyList<string>> TakeOverStaleClaimsAsync(string pipeline, string stepName, ReplayClaimant claimant, DateTimeOffset now, CancellationToken cancellationToken)
    {
        Writable();
        var runs = new List<string>();
        await foreach (var letter in ListAsync(new DeadLetterFilter { Pipeline = pipeline, Step = stepName }, cancellationToken).ConfigureAwait(false))
        {
            if (letter.ClaimRunId is { } run && !runs.Contains(run)) runs.Add(run);
        }
        return runs;
    }

    /// <summary>Claims the letters among <paramref name="ids"/> neither replayed nor claimed, rewriting the file atomically.</summary>
    public async Task<IReadOnlyList<DeadLetter>> ClaimAsync(IReadOnlyCollection<long> ids, string replayRunId, ReplayClaimant claimant, CancellationToken cancellationToken)
    {
        if (ids.Count == 0) return [];
        var free = new List<long>();
        await foreach (var letter in ListAsync(new DeadLetterFilter { Ids = ids }, cancellationToken).ConfigureAwait(false))
        {
            if (letter.ClaimRunId is null) free.Add(letter.Id);
        }
        free.Sort();
        var positions = free.Select((id, i) => (id, i)).ToDictionary(p => p.id, p => p.i + 1L);
        await RewriteAsync(letter => positions.TryGetValue(letter.Id, out var position) ? letter with { ClaimRunId = replayRunId, ClaimPosition = position } : letter, cancellationToken)
            .ConfigureAwait(false);
        return await ListClaimedAsync(replayRunId, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<DeadLetter>> ListClaimedAsync(string replayRunId, CancellationToken cancellationToken)
    {
        var claimed = new List<DeadLetter>();
        await foreach (var letter in ListAsync(new DeadLetterFilter(), cancellationToken).ConfigureAwait(false))
        {
            if (letter.ClaimRunId == replayRunId) claimed.Add(letter);
        }
        return [.. claimed.OrderBy(l => l.ClaimPosition)];
    }

    /// <summary>Nothing to renew: the claims are this writer's for as long as it holds the lock.</summary>
    public Task RenewClaimsAsync(string replayRunId, ReplayClaimant claimant, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Gives the letters that failed again their new stage and reason and releases them, rewriting the file atomically.</summary>
    public async Task FailReplayedAsync(string replayRunId, IReadOnlyCollection<NewDeadLetter> failures, CancellationToken cancellationToken)
    {
        if (failures.Count == 0) return;
        var byPosition = failures.GroupBy(f => f.Position).ToDictionary(g => g.Key, g => g.Last());
        await RewriteAsync(letter => letter.ClaimRunId == replayRunId && letter.ClaimPosition is { } position && byPosition.TryGetValue(position, out var failure)
            ? letter with { Stage = failure.Stage, Error = failure.Error, Attempts = failure.Attempts, ClaimRunId = null, ClaimPosition = null }
            : letter, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Marks the letters <paramref name="replayRunId"/> still holds as replayed, rewriting the file atomically; returns their ids.</summary>
    public async Task<IReadOnlyList<long>> CompleteReplayAsync(string replayRunId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var marked = new List<long>();
        await RewriteAsync(letter =>
        {
            if (letter.ClaimRunId != replayRunId) return letter;
            marked.Add(letter.Id);
            return letter with { ReplayedAt = now, ReplayRunId = replayRunId, ClaimRunId = null, ClaimPosition = null };
        }, cancellationToken).ConfigureAwait(false);
        marked.Sort();
        return marked;
    }

    /// <summary>Deletes the letters <paramref name="filter"/> selects, rewriting the file atomically; returns how many.</summary>
    public Task<int> PurgeAsync(DeadLetterFilter filter, CancellationToken cancellationToken)
    {
        var ids = filter.Ids is { Count: > 0 } selected ? selected.ToHashSet() : null;
        return RewriteAsync(letter => Matches(letter, filter, ids) ? null : letter, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_append is not null) await _append.DisposeAsync().ConfigureAwait(false);
        _append = null;
        // The lock file stays: deleting it would let a later writer lock a new file while one waits on the old.
        if (_lock is not null) await _lock.DisposeAsync().ConfigureAwait(false);
        _gate.Dispose();
    }

    /// <summary>Reads every letter for the ids and keys, and cuts an unfinished last line.</summary>
    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        _append = new FileStream(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.Asynchronous);
        var length = _append.Length;
        var complete = await JsonLines.CompleteLengthAsync(_append, cancellationToken).ConfigureAwait(false);
        var seen = new Dictionary<long, long>();
        long lines = 0;
        await foreach (var (line, number) in JsonLines.ReadLinesAsync(_append, complete, cancellationToken).ConfigureAwait(false))
        {
            lines = number;
            if (!JsonLines.IsBlank(line.Span)) Remember(DeadLetterJson.Parse(line, Path, number), number, seen);
        }
        if (complete < length)
        {
            // Half a line is what a kill leaves mid-append: its batch never committed, and the resumed run adds it again.
            // A whole letter without its newline (an edited file) is kept: dropping it would lose it.
            var tail = new byte[length - complete];
            await RandomAccess.ReadAsync(_append.SafeFileHandle, tail, complete, cancellationToken).ConfigureAwait(false);
            if (DeadLetterJson.TryParse(tail, out var letter))
            {
                Remember(letter!, lines + 1, seen);
                await RandomAccess.WriteAsync(_append.SafeFileHandle, "\n"u8.ToArray(), length, cancellationToken).ConfigureAwait(false);
                _append.Flush(flushToDisk: true);
                complete = length + 1;
            }
            else
            {
                _append.SetLength(complete);
                _append.Flush(flushToDisk: true);
                CutBytes = length - complete;
            }
        }
        _length = complete;
        _append.Position = complete;
    }

    private void Remember(DeadLetter letter, long line, Dictionary<long, long> seen)
    {
        CheckUnique(letter, line, seen, Path);
        _keys.Add(new LetterKey(Intern(letter.Pipeline), Intern(letter.Step), Intern(letter.RunId), letter.Position));
        _lastId = Math.Max(_lastId, letter.Id);
    }

    /// <summary>
    /// Writes the letters <paramref name="change"/> keeps to a temporary file beside this one, the
    /// same instance as it was, a new one rewritten, null dropped; syncs it and renames it over the
    /// file when anything changed. Returns how many letters changed or were dropped.
    /// </summary>
    private async Task<int> RewriteAsync(Func<DeadLetter, DeadLetter?> change, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        var temporary = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(Path)!, $".{System.IO.Path.GetFileName(Path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            var append = Writable();
            var changed = 0;
            var keys = new HashSet<LetterKey>();
            long lastId = 0;
            long length;
            var output = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
            await using (output.ConfigureAwait(false))
            {
                var input = OpenRead(Path);
                await using (input.ConfigureAwait(false))
                {
                    var buffer = new ArrayBufferWriter<byte>();
                    using var writer = DeadLetterJson.CreateWriter(buffer);
                    await foreach (var (line, number) in JsonLines.ReadLinesAsync(input, _length, cancellationToken).ConfigureAwait(false))
                    {
                        if (JsonLines.IsBlank(line.Span)) continue;
                        var letter = DeadLetterJson.Parse(line, Path, number);
                        var next = change(letter);
                        if (next is null)
                        {
                            changed++;
                            continue;
                        }
                        if (ReferenceEquals(next, letter))
                        {
                            await output.WriteAsync(line, cancellationToken).ConfigureAwait(false);
                            output.WriteByte((byte)'\n');
                        }
                        else
                        {
                            changed++;
                            buffer.Clear();
                            DeadLetterJson.Write(writer, buffer, next);
                            await output.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
                        }
                        keys.Add(new LetterKey(Intern(next.Pipeline), Intern(next.Step), Intern(next.RunId), next.Position));
                        lastId = Math.Max(lastId, next.Id);
                    }
                }
                if (changed == 0) return 0;
                await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                output.Flush(flushToDisk: true);
                length = output.Length;
            }
            await append.DisposeAsync().ConfigureAwait(false);
            _append = null;
            File.Move(temporary, Path, overwrite: true);
            _append = new FileStream(Path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.Asynchronous) { Position = length };
            _length = length;
            _keys = keys;
            _lastId = lastId;
            return changed;
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
            _gate.Release();
        }
    }

    /// <summary>Two letters of one id would both be replayed or purged by it.</summary>
    private static void CheckUnique(DeadLetter letter, long line, Dictionary<long, long> seen, string path)
    {
        if (!seen.TryAdd(letter.Id, line))
            throw new DeadLetterFileException($"not a dead letter: id {letter.Id} is also the id of line {seen[letter.Id]}; ids must be unique. Fix or remove the line.", path, DeadLetterFileProblem.Invalid, line);
    }

    private FileStream Writable() =>
        _append ?? throw new InvalidOperationException(_lock is null
            ? $"The dead-letter file '{Path}' is open to read only."
            : $"The dead-letter file '{Path}' is closed.");

    private string Intern(string name)
    {
        if (_names.TryGetValue(name, out var known)) return known;
        _names[name] = name;
        return name;
    }

    private static DeadLetterFileException NotFound(string path) =>
        new($"The dead-letter file '{path}' does not exist.", path, DeadLetterFileProblem.NotFound);

    private static FileStream OpenRead(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.Asynchronous);

    private static bool Matches(DeadLetter letter, DeadLetterFilter filter, HashSet<long>? ids) =>
        (filter.Pipeline is null || letter.Pipeline == filter.Pipeline)
        && (filter.RunId is null || letter.RunId == filter.RunId)
        && (filter.Step is null || letter.Step == filter.Step)
        && (filter.Stage is null || letter.Stage == filter.Stage)
        && (filter.ErrorContains is null || letter.Error.Contains(filter.ErrorContains, StringComparison.OrdinalIgnoreCase))
        && (ids is null || ids.Contains(letter.Id))
        && (filter.IncludeReplayed || letter.ReplayedAt is null);

    private readonly record struct LetterKey(string Pipeline, string Step, string RunId, long Position);
}
