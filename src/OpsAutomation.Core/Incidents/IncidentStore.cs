using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Data.Sqlite;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.State;
using OpsAutomation.Models.Incidents;

namespace OpsAutomation.Core.Incidents;

/// <summary>
/// Incidents in the state store. Each incident is one row: the columns people filter on (id,
/// service, state, times) beside the whole incident as JSON; a second table indexes which
/// fingerprints belong to which incident, so a signal finds its incident without reading others.
/// Every change is a read-modify-write inside one write transaction (BEGIN IMMEDIATE), so two
/// scheduled runs at once serialize on the lock and never lose a signal or a timeline line.
/// Ids are allocated in the same transaction: INC-yyyyMMdd-NNNN, counting per UTC day.
/// An incident keeps at most <see cref="MaxSignals"/> signals (always the opening one and the
/// latest of each fingerprint, then the newest); <see cref="Incident.SignalCount"/> counts them all.
/// Titles, summaries, messages and details pass through the redactor before they are written.
/// </summary>
public sealed class IncidentStore(StateStore store, TimeProvider? time = null, SecretRedactor? redactor = null)
{
    /// <summary>Signals kept per incident by default.</summary>
    public const int DefaultMaxSignals = 500;

    private const string IdPrefix = "INC-";

    internal static readonly JsonSerializerOptions Json = new()
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly int _maxSignals = DefaultMaxSignals;

    /// <summary>The state store under it.</summary>
    public StateStore State => store;

    /// <summary>The time the store stamps writes with.</summary>
    public TimeProvider Time => _time;

    /// <summary>Signals kept per incident (at least 10); default <see cref="DefaultMaxSignals"/>.</summary>
    public int MaxSignals
    {
        get => _maxSignals;
        init => _maxSignals = value >= 10 ? value : throw new ArgumentOutOfRangeException(nameof(MaxSignals), value, "An incident keeps at least 10 signals.");
    }

    /// <summary>Who runs this process, as timelines name people: user@host.</summary>
    public static string CurrentUser() => $"{Environment.UserName}@{Environment.MachineName}";

    /// <summary>The incident <paramref name="id"/> (case-insensitive); null when there is none.</summary>
    public Task<Incident?> GetAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        return store.RunAsync("read the incident", connection => ReadOneAsync(connection, null, id, cancellationToken), cancellationToken);
    }

    /// <summary>Adds <paramref name="entry"/> at the end of the timeline of <paramref name="id"/>; <see cref="IncidentNotFoundException"/> when there is no such incident.</summary>
    public Task<Incident> AppendAsync(string id, IncidentTimelineEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return UpdateAsync(id, incident => incident with { Timeline = [.. incident.Timeline, entry] }, cancellationToken);
    }

    /// <summary>
    /// Reads <paramref name="id"/>, applies <paramref name="change"/> and writes the result, all in one
    /// write transaction: a concurrent writer waits and then sees this change. The change may append
    /// signals and timeline entries and set any field but the id; the store stamps the time, counts the
    /// new signals, trims them to <see cref="MaxSignals"/> and redacts what is new.
    /// <see cref="IncidentNotFoundException"/> when there is no such incident.
    /// </summary>
    public Task<Incident> UpdateAsync(string id, Func<Incident, Incident> change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(change);
        return WriteAsync(async session =>
        {
            var current = await session.GetAsync(id).ConfigureAwait(false) ?? throw new IncidentNotFoundException(id, store.FilePath);
            return await session.SaveAsync(current, change(current)).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <summary>Writes a new incident, allocating its id (the draft's is ignored); its timestamps stay as given.</summary>
    public Task<Incident> CreateAsync(Incident draft, CancellationToken cancellationToken) =>
        WriteAsync(session => session.CreateAsync(draft), cancellationToken);

    /// <summary>The incidents <paramref name="query"/> selects, newest opened first, as they are read.</summary>
    public IAsyncEnumerable<Incident> ListAsync(IncidentQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        return store.StreamAsync("read incidents", connection => ListAsync(connection, query, cancellationToken), cancellationToken);
    }

    /// <summary>Ids of incidents, newest first, at most <paramref name="limit"/>: what the -Id completer offers.</summary>
    public Task<IReadOnlyList<string>> ListIdsAsync(int limit, CancellationToken cancellationToken) =>
        store.ReadStringsAsync("read incident ids",
            $"SELECT id FROM incidents ORDER BY opened_at_utc DESC, id DESC LIMIT {Math.Max(1, limit).ToString(CultureInfo.InvariantCulture)};",
            cancellationToken);

    /// <summary>
    /// Runs <paramref name="work"/> in one write transaction (BEGIN IMMEDIATE): everything it reads
    /// and writes through the session is one atomic step, committed when it returns and rolled back
    /// when it throws. The correlator handles a whole run's signals in one such step.
    /// </summary>
    public Task<T> WriteAsync<T>(Func<IncidentSession, Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        return store.RunAsync("save the incident", async connection =>
        {
            // Not deferred: BEGIN IMMEDIATE takes the write lock before the first read, so a second
            // writer waits here (busy timeout) instead of reading what this one is about to change.
            await using var transaction = connection.BeginTransaction(deferred: false);
            var result = await work(new IncidentSession(this, connection, transaction, cancellationToken)).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return result;
        }, cancellationToken);
    }

    private static async IAsyncEnumerable<Incident> ListAsync(SqliteConnection connection, IncidentQuery query,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT incident_json FROM incidents
            WHERE ($id IS NULL OR upper(id) GLOB upper($id))
              AND ($state IS NULL OR state = $state)
              AND ($service IS NULL OR service = $service COLLATE NOCASE)
              AND ($since IS NULL OR opened_at_utc >= $since)
              AND ($open IS NULL OR ($open = 1 AND state <> 'Resolved') OR ($open = 0 AND state = 'Resolved'))
            ORDER BY opened_at_utc DESC, id DESC
            LIMIT $limit;
            """;
        command.Parameters.AddWithValue("$id", query.Id is null ? DBNull.Value : ToGlob(query.Id));
        command.Parameters.AddWithValue("$state", query.State is { } state ? state.ToString() : DBNull.Value);
        command.Parameters.AddWithValue("$service", (object?)query.Service ?? DBNull.Value);
        command.Parameters.AddWithValue("$since", query.Since is { } since ? Format(since) : DBNull.Value);
        command.Parameters.AddWithValue("$open", query.Open is { } open ? (open ? 1 : 0) : DBNull.Value);
        command.Parameters.AddWithValue("$limit", query.Limit is { } limit ? Math.Max(0, limit) : -1);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) yield return Deserialize(reader.GetString(0));
    }

    /// <summary>A PowerShell wildcard as a SQLite GLOB: the same <c>*</c>, <c>?</c> and <c>[...]</c>; a backtick escapes the next character.</summary>
    internal static string ToGlob(string wildcard)
    {
        var glob = new System.Text.StringBuilder(wildcard.Length);
        for (var i = 0; i < wildcard.Length; i++)
        {
            var c = wildcard[i];
            if (c == '`' && i + 1 < wildcard.Length)
            {
                var next = wildcard[++i];
                glob.Append(next is '*' or '?' or '[' or ']' ? $"[{next}]" : next.ToString());
            }
            else
            {
                glob.Append(c);
            }
        }
        return glob.ToString();
    }

    internal static async Task<Incident?> ReadOneAsync(SqliteConnection connection, SqliteTransaction? transaction, string id, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT incident_json FROM incidents WHERE id = $id COLLATE NOCASE;";
        command.Parameters.AddWithValue("$id", id);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string json ? Deserialize(json) : null;
    }

    internal static Incident Deserialize(string json) => JsonSerializer.Deserialize<Incident>(json, Json)!;

    /// <summary>What is written: the time now, the signal count, at most <see cref="MaxSignals"/> signals, and what is new redacted.</summary>
    internal Incident Prepare(Incident? before, Incident after)
    {
        var known = new HashSet<object>(ReferenceEqualityComparer.Instance);
        if (before is not null)
        {
            foreach (var signal in before.Signals) known.Add(signal);
            foreach (var entry in before.Timeline) known.Add(entry);
        }
        var added = Math.Max(0, after.Signals.Count - (before?.Signals.Count ?? 0));
        var count = Math.Max(after.SignalCount, (before?.SignalCount ?? 0) + added);
        var signals = after.Signals.Select(s => known.Contains(s) ? s : Redact(s)).ToList();
        return after with
        {
            Title = Redact(after.Title),
            Signals = Trim(signals, MaxSignals),
            SignalCount = Math.Max(count, after.Signals.Count),
            Timeline = after.Timeline.Select(e => known.Contains(e) ? e : Redact(e)).ToList(),
            Timestamp = _time.GetUtcNow(),
        };
    }

    /// <summary>
    /// At most <paramref name="max"/> signals, oldest first: the opening one, the latest of each
    /// fingerprint (so each fingerprint's current state is known), then the newest.
    /// </summary>
    internal static IReadOnlyList<IncidentSignal> Trim(IReadOnlyList<IncidentSignal> signals, int max)
    {
        if (signals.Count <= max) return signals;
        var keep = new bool[signals.Count];
        keep[0] = true;
        var kept = 1;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = signals.Count - 1; i > 0; i--)
        {
            if (seen.Add(signals[i].Fingerprint) && !keep[i])
            {
                keep[i] = true;
                kept++;
            }
        }
        for (var i = signals.Count - 1; i > 0 && kept < max; i--)
        {
            if (!keep[i])
            {
                keep[i] = true;
                kept++;
            }
        }
        var trimmed = new List<IncidentSignal>(kept);
        for (var i = 0; i < signals.Count; i++)
            if (keep[i]) trimmed.Add(signals[i]);
        return trimmed;
    }

    private IncidentSignal Redact(IncidentSignal signal) => signal with { Summary = Redact(signal.Summary), Details = Redact(signal.Details) };

    private IncidentTimelineEntry Redact(IncidentTimelineEntry entry) => entry with { Message = Redact(entry.Message), Details = Redact(entry.Details) };

    private Dictionary<string, string> Redact(IReadOnlyDictionary<string, string> details) =>
        details.ToDictionary(pair => pair.Key, pair => SecretRedactor.IsSensitiveName(pair.Key) ? SecretRedactor.Mask : Redact(pair.Value), StringComparer.Ordinal);

    private string Redact(string? text) => redactor?.Redact(text) ?? SecretRedactor.RedactPatterns(text);

    internal static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    internal static string Prefix(DateTimeOffset day) => IdPrefix + day.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture) + "-";
}

/// <summary>
/// Reads and writes of incidents inside one write transaction of <see cref="IncidentStore.WriteAsync{T}"/>.
/// Not thread-safe; valid only until the work it was given returns.
/// </summary>
public sealed class IncidentSession
{
    private readonly IncidentStore _owner;
    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _transaction;
    private readonly CancellationToken _cancellationToken;

    internal IncidentSession(IncidentStore owner, SqliteConnection connection, SqliteTransaction transaction, CancellationToken cancellationToken)
    {
        _owner = owner;
        _connection = connection;
        _transaction = transaction;
        _cancellationToken = cancellationToken;
    }

    /// <summary>The time the store stamps writes with.</summary>
    public DateTimeOffset Now => _owner.Time.GetUtcNow();

    /// <summary>The incident <paramref name="id"/>; null when there is none.</summary>
    public Task<Incident?> GetAsync(string id) => IncidentStore.ReadOneAsync(_connection, _transaction, id, _cancellationToken);

    /// <summary>
    /// The incident that holds <paramref name="fingerprint"/>: the open one when there is one, else the
    /// most recently resolved; null when no incident ever held it.
    /// </summary>
    public async Task<Incident?> FindByFingerprintAsync(string fingerprint)
    {
        await using var command = Command("""
            SELECT i.incident_json FROM incident_fingerprints f JOIN incidents i ON i.id = f.incident_id
            WHERE f.fingerprint = $fingerprint
            ORDER BY (i.state <> 'Resolved') DESC, coalesce(i.resolved_at_utc, i.opened_at_utc) DESC, i.id DESC
            LIMIT 1;
            """);
        command.Parameters.AddWithValue("$fingerprint", fingerprint);
        return await command.ExecuteScalarAsync(_cancellationToken).ConfigureAwait(false) is string json ? IncidentStore.Deserialize(json) : null;
    }

    /// <summary>Every open incident, oldest first.</summary>
    public async Task<IReadOnlyList<Incident>> ListOpenAsync()
    {
        await using var command = Command("SELECT incident_json FROM incidents WHERE state <> 'Resolved' ORDER BY opened_at_utc, id;");
        var open = new List<Incident>();
        await using var reader = await command.ExecuteReaderAsync(_cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(_cancellationToken).ConfigureAwait(false)) open.Add(IncidentStore.Deserialize(reader.GetString(0)));
        return open;
    }

    /// <summary>Writes <paramref name="draft"/> as a new incident with the next id of today (UTC), and returns it as stored.</summary>
    public async Task<Incident> CreateAsync(Incident draft)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var prefix = IncidentStore.Prefix(Now);
        await using var command = Command("SELECT coalesce(max(CAST(substr(id, length($prefix) + 1) AS INTEGER)), 0) FROM incidents WHERE id GLOB $pattern;");
        command.Parameters.AddWithValue("$prefix", prefix);
        command.Parameters.AddWithValue("$pattern", prefix + "[0-9]*");
        var last = Convert.ToInt64(await command.ExecuteScalarAsync(_cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        var stored = _owner.Prepare(null, draft with { Id = prefix + (last + 1).ToString("D4", CultureInfo.InvariantCulture) });
        await WriteAsync(stored, insert: true).ConfigureAwait(false);
        return stored;
    }

    /// <summary>
    /// Writes <paramref name="after"/> over <paramref name="before"/> (as read in this session) and returns
    /// it as stored: the time now, signals counted and trimmed, what is new redacted.
    /// </summary>
    public async Task<Incident> SaveAsync(Incident before, Incident after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        if (!string.Equals(before.Id, after.Id, StringComparison.Ordinal))
            throw new InvalidOperationException($"An incident's id never changes: '{before.Id}' was changed to '{after.Id}'.");
        var stored = _owner.Prepare(before, after);
        await WriteAsync(stored, insert: false).ConfigureAwait(false);
        return stored;
    }

    private async Task WriteAsync(Incident incident, bool insert)
    {
        await using (var command = Command(insert
            ? """
              INSERT INTO incidents (id, title, service, severity, state, owner, fingerprint, opened_at_utc, resolved_at_utc, updated_at_utc, incident_json)
              VALUES ($id, $title, $service, $severity, $state, $owner, $fingerprint, $opened, $resolved, $now, $json);
              """
            : """
              UPDATE incidents SET title = $title, service = $service, severity = $severity, state = $state, owner = $owner,
                  fingerprint = $fingerprint, opened_at_utc = $opened, resolved_at_utc = $resolved, updated_at_utc = $now, incident_json = $json
              WHERE id = $id;
              """))
        {
            command.Parameters.AddWithValue("$id", incident.Id);
            command.Parameters.AddWithValue("$title", incident.Title);
            command.Parameters.AddWithValue("$service", incident.Service);
            command.Parameters.AddWithValue("$severity", incident.Severity.ToString());
            command.Parameters.AddWithValue("$state", incident.State.ToString());
            command.Parameters.AddWithValue("$owner", (object?)incident.Owner ?? DBNull.Value);
            command.Parameters.AddWithValue("$fingerprint", incident.Fingerprint);
            command.Parameters.AddWithValue("$opened", IncidentStore.Format(incident.OpenedAt));
            command.Parameters.AddWithValue("$resolved", incident.ResolvedAt is { } resolved ? IncidentStore.Format(resolved) : DBNull.Value);
            command.Parameters.AddWithValue("$now", IncidentStore.Format(incident.Timestamp));
            command.Parameters.AddWithValue("$json", JsonSerializer.Serialize(incident, IncidentStore.Json));
            if (await command.ExecuteNonQueryAsync(_cancellationToken).ConfigureAwait(false) != 1)
                throw new IncidentNotFoundException(incident.Id);
        }

        // The fingerprint index: the opening one, and the latest state of each signal's fingerprint.
        var latest = new Dictionary<string, IncidentSignal?>(StringComparer.Ordinal) { [incident.Fingerprint] = null };
        foreach (var signal in incident.Signals) latest[signal.Fingerprint] = signal;
        foreach (var (fingerprint, signal) in latest)
        {
            await using var command = Command("""
                INSERT INTO incident_fingerprints (fingerprint, incident_id, firing, last_seen_utc) VALUES ($fingerprint, $id, $firing, $seen)
                ON CONFLICT (fingerprint, incident_id) DO UPDATE SET firing = excluded.firing, last_seen_utc = excluded.last_seen_utc
                WHERE excluded.last_seen_utc >= incident_fingerprints.last_seen_utc;
                """);
            command.Parameters.AddWithValue("$fingerprint", fingerprint);
            command.Parameters.AddWithValue("$id", incident.Id);
            command.Parameters.AddWithValue("$firing", signal?.Firing ?? true);
            command.Parameters.AddWithValue("$seen", IncidentStore.Format(signal?.Timestamp ?? incident.OpenedAt));
            await command.ExecuteNonQueryAsync(_cancellationToken).ConfigureAwait(false);
        }
    }

    private SqliteCommand Command(string sql)
    {
        var command = _connection.CreateCommand();
        command.Transaction = _transaction;
        command.CommandText = sql;
        return command;
    }
}
