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

/// <summary>
/// Who holds a replay's claim on letters: the host and process, and the lease it renews while it
/// runs. A claim whose process has ended (on this host) or whose lease has run out is stale: the
/// next replay takes it over and finishes that replay.
/// </summary>
public sealed record ReplayClaimant(string Host, int ProcessId, DateTimeOffset Until)
{
    /// <summary>This process, holding its claims until <paramref name="until"/>.</summary>
    public static ReplayClaimant ThisProcess(DateTimeOffset until) => new(Environment.MachineName, Environment.ProcessId, until);

    /// <summary>Whether this claimant can no longer finish its replay at <paramref name="now"/>.</summary>
    public bool IsStale(DateTimeOffset now) =>
        Until <= now || (Host.Equals(Environment.MachineName, StringComparison.OrdinalIgnoreCase) && !LocalProcess.IsRunning(ProcessId));
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

    /// <summary>
    /// Takes over the claims of replays of <paramref name="pipeline"/>/<paramref name="stepName"/> whose
    /// claimant is stale (see <see cref="ReplayClaimant.IsStale"/>), each with one conditional update,
    /// so that of two callers only one takes a replay; returns the run ids of the replays now the caller's to finish.
    /// </summary>
    Task<IReadOnlyList<string>> TakeOverStaleClaimsAsync(string pipeline, string stepName, ReplayClaimant claimant, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Claims for <paramref name="replayRunId"/> the letters among <paramref name="ids"/> that are
    /// neither replayed nor claimed, with a conditional update each, numbering them from 1 in id
    /// order (their <see cref="DeadLetter.ClaimPosition"/>); returns the letters claimed.
    /// </summary>
    Task<IReadOnlyList<DeadLetter>> ClaimAsync(IReadOnlyCollection<long> ids, string replayRunId, ReplayClaimant claimant, CancellationToken cancellationToken);

    /// <summary>The letters <paramref name="replayRunId"/> holds, by claim position.</summary>
    Task<IReadOnlyList<DeadLetter>> ListClaimedAsync(string replayRunId, CancellationToken cancellationToken);

    /// <summary>Moves the lease of <paramref name="replayRunId"/>'s claims to <paramref name="claimant"/>'s (a lease in the past lets the next replay finish it at once).</summary>
    Task RenewClaimsAsync(string replayRunId, ReplayClaimant claimant, CancellationToken cancellationToken);

    /// <summary>
    /// Keeps the letters of <paramref name="replayRunId"/> that failed again (by claim position) as
    /// letters with their new stage and reason, and releases them: they are not replayed. Repeating it changes nothing more.
    /// </summary>
    Task FailReplayedAsync(string replayRunId, IReadOnlyCollection<NewDeadLetter> failures, CancellationToken cancellationToken);

    /// <summary>Marks every letter <paramref name="replayRunId"/> still holds as replayed by it, and releases it; returns their ids.</summary>
    Task<IReadOnlyList<long>> CompleteReplayAsync(string replayRunId, DateTimeOffset now, CancellationToken cancellationToken);

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
        return await store.RunAsync("save dead letters", async connection =>
        {
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
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The letters <paramref name="filter"/> selects, oldest first.</summary>
    public IAsyncEnumerable<DeadLetter> ListAsync(DeadLetterFilter filter, CancellationToken cancellationToken) =>
        store.StreamAsync("read dead letters", connection => ListAsync(connection, filter, cancellationToken), cancellationToken);

    private static async IAsyncEnumerable<DeadLetter> ListAsync(SqliteConnection connection, DeadLetterFilter filter,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT {Columns}
            FROM dead_letters
            """ + Where(command, filter) + " ORDER BY id;";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) yield return Read(reader);
    }

    private const string Columns = "id, pipeline, step, run_id, stage, position, location, error, attempts, record, created_at_utc, replayed_at_utc, replay_run_id, claim_run_id, claim_position";

    private static DeadLetter Read(SqliteDataReader reader) => new()
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
        ClaimRunId = reader.IsDBNull(13) ? null : reader.GetString(13),
        ClaimPosition = reader.IsDBNull(14) ? null : reader.GetInt64(14),
    };

    public async Task<IReadOnlyList<string>> TakeOverStaleClaimsAsync(string pipeline, string stepName, ReplayClaimant claimant, DateTimeOffset now, CancellationToken cancellationToken)
    {
        return await store.RunAsync("take over stale replay claims", async connection =>
        {
            var claims = new List<(string RunId, string Host, long Pid, string Until)>();
            await using (var find = connection.CreateCommand())
            {
                find.CommandText = """
                    SELECT DISTINCT claim_run_id, claim_host, claim_pid, claim_until_utc FROM dead_letters
                    WHERE pipeline = $pipeline AND step = $step AND claim_run_id IS NOT NULL ORDER BY claim_run_id;
                    """;
                find.Parameters.AddWithValue("$pipeline", pipeline);
                find.Parameters.AddWithValue("$step", stepName);
                await using var reader = await find.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    claims.Add((reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3)));
            }
            var taken = new List<string>();
            await using var take = connection.CreateCommand();
            take.CommandText = """
                UPDATE dead_letters SET claim_host = $host, claim_pid = $pid, claim_until_utc = $until
                WHERE claim_run_id = $run AND claim_host = $oldHost AND claim_pid = $oldPid AND claim_until_utc = $oldUntil;
                """;
            foreach (var claim in claims)
            {
                if (!new ReplayClaimant(claim.Host, (int)claim.Pid, Parse(claim.Until)).IsStale(now)) continue;
                take.Parameters.Clear();
                AddClaimant(take, claimant);
                take.Parameters.AddWithValue("$run", claim.RunId);
                take.Parameters.AddWithValue("$oldHost", claim.Host);
                take.Parameters.AddWithValue("$oldPid", claim.Pid);
                take.Parameters.AddWithValue("$oldUntil", claim.Until);
                // Nothing changed: another replay took it over between our read and our update.
                if (await take.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0) taken.Add(claim.RunId);
            }
            return taken;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<DeadLetter>> ClaimAsync(IReadOnlyCollection<long> ids, string replayRunId, ReplayClaimant claimant, CancellationToken cancellationToken)
    {
        if (ids.Count == 0) return [];
        await store.RunAsync("claim dead letters for a replay", async connection =>
        {
            await using (var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false))
            {
                await using var claim = connection.CreateCommand();
                claim.Transaction = transaction;
                claim.CommandText = """
                    UPDATE dead_letters SET claim_run_id = $run, claim_position = $position, claim_host = $host, claim_pid = $pid, claim_until_utc = $until
                    WHERE id = $id AND replayed_at_utc IS NULL AND claim_run_id IS NULL;
                    """;
                claim.Parameters.AddWithValue("$run", replayRunId);
                AddClaimant(claim, claimant);
                var id = claim.Parameters.Add("$id", SqliteType.Integer);
                var position = claim.Parameters.Add("$position", SqliteType.Integer);
                var next = 1L;
                foreach (var letter in ids.Distinct().Order())
                {
                    id.Value = letter;
                    position.Value = next;
                    if (await claim.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1) next++;
                }
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }, cancellationToken).ConfigureAwait(false);
        return await ListClaimedAsync(replayRunId, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<DeadLetter>> ListClaimedAsync(string replayRunId, CancellationToken cancellationToken)
    {
        return await store.RunAsync("read the claimed dead letters", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {Columns} FROM dead_letters WHERE claim_run_id = $run ORDER BY claim_position;";
            command.Parameters.AddWithValue("$run", replayRunId);
            var letters = new List<DeadLetter>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) letters.Add(Read(reader));
            return letters;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task RenewClaimsAsync(string replayRunId, ReplayClaimant claimant, CancellationToken cancellationToken)
    {
        await store.RunAsync("renew replay claims", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE dead_letters SET claim_host = $host, claim_pid = $pid, claim_until_utc = $until WHERE claim_run_id = $run;";
            AddClaimant(command, claimant);
            command.Parameters.AddWithValue("$run", replayRunId);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task FailReplayedAsync(string replayRunId, IReadOnlyCollection<NewDeadLetter> failures, CancellationToken cancellationToken)
    {
        if (failures.Count == 0) return;
        await store.RunAsync("return failed replays to the dead letters", async connection =>
        {
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                UPDATE dead_letters SET stage = $stage, error = $error, attempts = $attempts,
                    claim_run_id = NULL, claim_position = NULL, claim_host = NULL, claim_pid = NULL, claim_until_utc = NULL
                WHERE claim_run_id = $run AND claim_position = $position;
                """;
            command.Parameters.AddWithValue("$run", replayRunId);
            var stage = command.Parameters.Add("$stage", SqliteType.Text);
            var error = command.Parameters.Add("$error", SqliteType.Text);
            var attempts = command.Parameters.Add("$attempts", SqliteType.Integer);
            var position = command.Parameters.Add("$position", SqliteType.Integer);
            foreach (var failure in failures)
            {
                stage.Value = failure.Stage.ToString();
                error.Value = failure.Error;
                attempts.Value = failure.Attempts;
                position.Value = failure.Position;
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<long>> CompleteReplayAsync(string replayRunId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        return await store.RunAsync("mark dead letters replayed", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = """
                UPDATE dead_letters SET replayed_at_utc = $now, replay_run_id = $run,
                    claim_run_id = NULL, claim_position = NULL, claim_host = NULL, claim_pid = NULL, claim_until_utc = NULL
                WHERE claim_run_id = $run RETURNING id;
                """;
            command.Parameters.AddWithValue("$now", Format(now));
            command.Parameters.AddWithValue("$run", replayRunId);
            var marked = new List<long>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) marked.Add(reader.GetInt64(0));
            marked.Sort();
            return marked;
        }, cancellationToken).ConfigureAwait(false);
    }

    private static void AddClaimant(SqliteCommand command, ReplayClaimant claimant)
    {
        command.Parameters.AddWithValue("$host", claimant.Host);
        command.Parameters.AddWithValue("$pid", claimant.ProcessId);
        command.Parameters.AddWithValue("$until", Format(claimant.Until));
    }

    /// <summary>Deletes the letters <paramref name="filter"/> selects; returns how many.</summary>
    public async Task<int> PurgeAsync(DeadLetterFilter filter, CancellationToken cancellationToken)
    {
        return await store.RunAsync("purge dead letters", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM dead_letters" + Where(command, filter) + ";";
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
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
