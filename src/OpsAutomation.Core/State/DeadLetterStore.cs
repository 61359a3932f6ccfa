using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using OpsAutomation.Models.Pipelines;

namespace OpsAutomation.Core.State;

/// <summary>A record to keep in the dead-letter queue (the store assigns its id).</summary>
public sealed record NewDeadLetter(string Pipeline, string Step, string RunId, PipelineStage Stage, long Position, string Location, string Error, int Attempts, string Record);

/// <summary>Which dead letters a list, replay or purge means; null fields match everything.</summary>
public sealed record DeadLetterFilter
{
    public string? Pipeline { get; init; }

    public string? RunId { get; init; }

    public string? Step { get; init; }

    public PipelineStage? Stage { get; init; }

    /// <summary>A substring of the error, matched case-insensitively.</summary>
    public string? ErrorContains { get; init; }

    public IReadOnlyCollection<long>? Ids { get; init; }

    /// <summary>Also letters a replay has loaded already.</summary>
    public bool IncludeReplayed { get; init; }
}

/// <summary>Where a run puts the records it could not load.</summary>
public interface IDeadLetterSink
{
    /// <summary>Keeps <paramref name="letters"/> (all or none); returns how many were new.</summary>
    Task<int> AddAsync(IReadOnlyCollection<NewDeadLetter> letters, DateTimeOffset now, CancellationToken cancellationToken);
}

/// <summary>
/// The whole dead-letter queue: what a run adds, and what listing, replay and purge need. The
/// state store keeps it by default; a spec's DeadLetters.Path keeps it in a JSON Lines file.
/// Disposing releases what the queue holds open (the file's lock).
/// </summary>
public interface IDeadLetterStore : IDeadLetterSink, IAsyncDisposable
{
    /// <summary>The letters <paramref name="filter"/> selects, oldest first.</summary>
    IAsyncEnumerable<DeadLetter> ListAsync(DeadLetterFilter filter, CancellationToken cancellationToken);

    /// <summary>Marks the letters not replayed yet among <paramref name="ids"/> as replayed by <paramref name="replayRunId"/>; returns the ids marked.</summary>
    Task<IReadOnlyList<long>> MarkReplayedAsync(IReadOnlyCollection<long> ids, string replayRunId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Deletes the letters <paramref name="filter"/> selects; returns how many.</summary>
    Task<int> PurgeAsync(DeadLetterFilter filter, CancellationToken cancellationToken);
}

/// <summary>
/// The dead-letter queue in the state store. A letter is unique per pipeline, step, run and
/// source position, so a resumed run that meets the same bad record again does not add it twice.
/// </summary>
public sealed class DeadLetterStore(StateStore store) : IDeadLetterStore
{
    private static readonly string[] InsertParameters = ["$pipeline", "$step", "$run", "$stage", "$position", "$location", "$error", "$attempts", "$record"];

    /// <summary>Keeps <paramref name="letters"/> in one transaction; returns how many were new.</summary>
    public async Task<int> AddAsync(IReadOnlyCollection<NewDeadLetter> letters, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (letters.Count == 0) return 0;
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT OR IGNORE INTO dead_letters (pipeline, step, run_id, stage, position, location, error, attempts, record, created_at_utc)
            VALUES ($pipeline, $step, $run, $stage, $position, $location, $error, $attempts, $record, $now);
            """;
        var p = InsertParameters.ToDictionary(n => n, n => command.Parameters.Add(n, SqliteType.Text));
        command.Parameters.AddWithValue("$now", Format(now));
        var added = 0;
        foreach (var letter in letters)
        {
            p["$pipeline"].Value = letter.Pipeline;
            p["$step"].Value = letter.Step;
            p["$run"].Value = letter.RunId;
            p["$stage"].Value = letter.Stage.ToString();
            p["$position"].Value = letter.Position;
            p["$location"].Value = letter.Location;
            p["$error"].Value = letter.Error;
            p["$attempts"].Value = letter.Attempts;
            p["$record"].Value = letter.Record;
            added += await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return added;
    }

    /// <summary>The letters <paramref name="filter"/> selects, oldest first.</summary>
    public async IAsyncEnumerable<DeadLetter> ListAsync(DeadLetterFilter filter,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT id, pipeline, step, run_id, stage, position, location, error, attempts, record, created_at_utc, replayed_at_utc, replay_run_id
            FROM dead_letters
            """ + Where(command, filter) + " ORDER BY id;";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return new DeadLetter
            {
                Id = reader.GetInt64(0),
                Pipeline = reader.GetString(1),
                Step = reader.GetString(2),
                RunId = reader.GetString(3),
                Stage = Enum.Parse<PipelineStage>(reader.GetString(4)),
                Position = reader.GetInt64(5),
                Location = reader.GetString(6),
                Error = reader.GetString(7),
                Attempts = reader.GetInt32(8),
                Record = reader.GetString(9),
                CreatedAt = Parse(reader.GetString(10)),
                ReplayedAt = reader.IsDBNull(11) ? null : Parse(reader.GetString(11)),
                ReplayRunId = reader.IsDBNull(12) ? null : reader.GetString(12),
            };
        }
    }

    /// <summary>
    /// Marks letters as replayed by <paramref name="replayRunId"/>. Only letters not replayed yet
    /// are marked (a conditional update), so two replays never both count one letter; returns the ids marked.
    /// </summary>
    public async Task<IReadOnlyList<long>> MarkReplayedAsync(IReadOnlyCollection<long> ids, string replayRunId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var marked = new List<long>();
        if (ids.Count == 0) return marked;
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "UPDATE dead_letters SET replayed_at_utc = $now, replay_run_id = $run WHERE id = $id AND replayed_at_utc IS NULL;";
        command.Parameters.AddWithValue("$now", Format(now));
        command.Parameters.AddWithValue("$run", replayRunId);
        var id = command.Parameters.Add("$id", SqliteType.Integer);
        foreach (var letter in ids)
        {
            id.Value = letter;
            if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1) marked.Add(letter);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return marked;
    }

    /// <summary>Deletes the letters <paramref name="filter"/> selects; returns how many.</summary>
    public async Task<int> PurgeAsync(DeadLetterFilter filter, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM dead_letters" + Where(command, filter) + ";";
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Nothing to release: every call opens and closes its own connection.</summary>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static string Where(SqliteCommand command, DeadLetterFilter filter)
    {
        var where = new StringBuilder();
        void Add(string clause, string name, object value)
        {
            where.Append(where.Length == 0 ? " WHERE " : " AND ").Append(clause);
            command.Parameters.AddWithValue(name, value);
        }
        if (filter.Pipeline is { } pipeline) Add("pipeline = $pipeline", "$pipeline", pipeline);
        if (filter.RunId is { } run) Add("run_id = $run", "$run", run);
        if (filter.Step is { } step) Add("step = $step", "$step", step);
        if (filter.Stage is { } stage) Add("stage = $stage", "$stage", stage.ToString());
        if (filter.ErrorContains is { } error) Add("instr(lower(error), lower($error)) > 0", "$error", error);
        if (filter.Ids is { Count: > 0 } ids)
        {
            where.Append(where.Length == 0 ? " WHERE " : " AND ").Append("id IN (").Append(string.Join(",", ids.Select(i => i.ToString(CultureInfo.InvariantCulture)))).Append(')');
        }
        if (!filter.IncludeReplayed) where.Append(where.Length == 0 ? " WHERE " : " AND ").Append("replayed_at_utc IS NULL");
        return where.ToString();
    }

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    private static DateTimeOffset Parse(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
}
