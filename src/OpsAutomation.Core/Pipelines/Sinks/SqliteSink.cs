using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace OpsAutomation.Core.Pipelines.Sinks;

/// <summary>
/// Loads a SQLite table. Each batch and the step's checkpoint commit in one transaction of the
/// target database, so a run killed at any point and resumed loads every record exactly once.
/// A batch the database refuses for one record's sake is redone record by record under
/// savepoints: the refused records come back, the others are committed.
/// </summary>
public sealed class SqliteSink : IRecordSink
{
    private const string CheckpointTable = "_opsautomation_checkpoints";
    // Rows per INSERT statement (16 to 64 measured alike, 1 at half the speed), and SQLite's limit on parameters in one statement (since 3.32).
    private const int RowsPerStatement = 32, MaxParameters = 32_766;
    private static readonly object BoxedOne = 1L, BoxedZero = 0L;
    private const int SqliteBusy = 5, SqliteLocked = 6, SqliteConstraint = 19, SqliteMismatch = 20, SqliteTooBig = 18;

    private readonly SqliteSinkOptions _options;
    private readonly ConditionalWeakTable<RecordShape, int[]> _columnIndexes = [];
    private SqliteConnection? _connection;
    private SinkContext? _context;
    private List<SinkColumn>? _columns;
    private Dictionary<string, int>? _columnOrdinals;
    private bool[]? _numericColumns;
    private (List<SinkColumn> Columns, PreparedInsert MultiRow, PreparedInsert OneRow)? _prepared;

    public SqliteSink(SqliteSinkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Mode == SinkWriteMode.Upsert && options.Key.Count == 0)
            throw new ArgumentException($"An upsert into table '{options.Table}' needs a key: name the key columns, or load with Mode Append.", nameof(options));
        _options = options;
        DatasetName = System.IO.Path.GetFullPath(options.Path) + "#" + options.Table;
    }

    public string DatasetNamespace => "sqlite";

    public string DatasetName { get; }

    public async Task<StepCheckpoint> OpenAsync(SinkContext context, CancellationToken cancellationToken)
    {
        _context = context;
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(_options.Path));
        if (directory is { Length: > 0 }) Directory.CreateDirectory(directory);
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = _options.Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = (int)Math.Ceiling(_options.BusyTimeout.TotalSeconds),
        }.ToString());
        await _connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync($"PRAGMA busy_timeout = {(int)_options.BusyTimeout.TotalMilliseconds}; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;", cancellationToken).ConfigureAwait(false);
        await ExecuteAsync($"""
            CREATE TABLE IF NOT EXISTS {CheckpointTable} (
                pipeline TEXT NOT NULL, step TEXT NOT NULL, run_id TEXT NOT NULL, position INTEGER NOT NULL,
                records_in INTEGER NOT NULL, loaded INTEGER NOT NULL, rejected INTEGER NOT NULL, filtered INTEGER NOT NULL, updated_at_utc TEXT NOT NULL,
                PRIMARY KEY (pipeline, step, run_id));
            """, cancellationToken).ConfigureAwait(false);
        _columns = await ReadColumnsAsync(cancellationToken).ConfigureAwait(false);
        if (_columns is null && _options.Columns is { } declared) await CreateTableAsync(declared, cancellationToken).ConfigureAwait(false);

        await using var command = _connection.CreateCommand();
        command.CommandText = $"SELECT position, records_in, loaded, rejected, filtered FROM {CheckpointTable} WHERE pipeline = $pipeline AND step = $step AND run_id = $run;";
        command.Parameters.AddWithValue("$pipeline", context.Pipeline);
        command.Parameters.AddWithValue("$step", context.Step);
        command.Parameters.AddWithValue("$run", context.RunId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new StepCheckpoint(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4))
            : StepCheckpoint.None;
    }

    public async Task WriteAsync(IReadOnlyList<DataRecord> records, BeforeCommit beforeCommit, CancellationToken cancellationToken)
    {
        var connection = _connection ?? throw new InvalidOperationException("The sink is not open.");
        if (_columns is null && SinkColumn.FromRecords(records, _options.ColumnTypes) is { Count: > 0 } columns) await CreateTableAsync(columns, cancellationToken).ConfigureAwait(false);
        if (_context!.Replay is not null)
        {
            // A replay asks the table about each record's keys before it inserts it: record by record.
            await WriteBatchAsync(connection, records, beforeCommit, isolate: true, cancellationToken).ConfigureAwait(false);
            return;
        }
        try
        {
            await WriteBatchAsync(connection, records, beforeCommit, isolate: false, cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException ex) when (IsRecordError(ex))
        {
            // One record spoils the batch: redo it record by record so only that one is refused.
            await WriteBatchAsync(connection, records, beforeCommit, isolate: true, cancellationToken).ConfigureAwait(false);
        }
    }

    public Task CompleteAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public bool IsTransient(Exception exception) => exception is SqliteException { SqliteErrorCode: SqliteBusy or SqliteLocked };

    public async ValueTask DisposeAsync()
    {
        _prepared?.MultiRow.Dispose();
        _prepared?.OneRow.Dispose();
        if (_connection is not null) await _connection.DisposeAsync().ConfigureAwait(false);
    }

    // The two INSERTs, prepared once for the table's columns and kept for every batch: preparing a
    // statement of hundreds of parameters per batch cost a few percent of a load.
    private (PreparedInsert MultiRow, PreparedInsert OneRow) Prepared(SqliteConnection connection, List<SinkColumn> columns, int rowsPerStatement)
    {
        if (_prepared is { } kept && ReferenceEquals(kept.Columns, columns)) return (kept.MultiRow, kept.OneRow);
        _prepared?.MultiRow.Dispose();
        _prepared?.OneRow.Dispose();
        _prepared = null;
        var multiRow = new PreparedInsert(connection, InsertSql(rowsPerStatement));
        _prepared = (columns, multiRow, new PreparedInsert(connection, InsertSql(1)));
        return (_prepared.Value.MultiRow, _prepared.Value.OneRow);
    }

    private async Task WriteBatchAsync(SqliteConnection connection, IReadOnlyList<DataRecord> records, BeforeCommit beforeCommit, bool isolate, CancellationToken cancellationToken)
    {
        var refused = new List<RefusedRecord>();
        // Microsoft.Data.Sqlite is synchronous underneath: the sync calls below save a state machine per statement.
        // IMMEDIATE: take the write lock first, so a busy database fails the batch before any work (and the retry redoes all of it).
        await using var transaction = connection.BeginTransaction(deferred: false);
        // No table yet means no record so far had a field: the batch holds only rejections, and its checkpoint still commits.
        var columns = _columns ?? [];
        using var insert = InsertCommand(connection, transaction, columns.Count);
        // Many rows per statement, prepared once and bound by position, save most of the per-row work
        // of the ADO.NET command (which binds every parameter by name). A refused record fails its
        // whole statement, and the batch is then redone record by record (isolate).
        var rowsPerStatement = isolate || columns.Count == 0 ? 1 : Math.Max(1, Math.Min(RowsPerStatement, MaxParameters / columns.Count));
        var (multiRow, oneRow) = isolate || columns.Count == 0 ? (null, null) : Prepared(connection, columns, rowsPerStatement);
        // The rows of the next statement, as they bind: column by column, a row after another.
        var waiting = new object?[rowsPerStatement * columns.Count];
        var waitingCount = 0;
        using var savepoint = connection.CreateCommand();
        savepoint.Transaction = transaction;
        foreach (var record in records)
        {
            if (columns.Count == 0)
            {
                refused.Add(new RefusedRecord(record, "The record has no fields to load."));
                continue;
            }
            var indexes = ColumnIndexes(record.Shape);
            if (Array.IndexOf(indexes, -1) is var unknown and >= 0)
            {
                refused.Add(new RefusedRecord(record, $"Field '{record.Shape.Names[unknown]}' is not a column of table '{_options.Table}'."));
                continue;
            }
            if (multiRow is not null)
            {
                if (TryStage(record, indexes, waiting, waitingCount * columns.Count))
                {
                    if (++waitingCount < rowsPerStatement) continue;
                    cancellationToken.ThrowIfCancellationRequested();
                    multiRow.Execute(waiting, 0, waiting.Length);
                    waitingCount = 0;
                    continue;
                }
                // A value the command converts (to text, as it always has): the rows before it go first, to keep the order.
                for (var row = 0; row < waitingCount; row++) oneRow!.Execute(waiting, row * columns.Count, columns.Count);
                waitingCount = 0;
            }
            Bind(insert, record, indexes);
            if (!isolate)
            {
                insert.ExecuteNonQuery();
                continue;
            }
            if (_context!.Replay is not null && TakenKey(connection, transaction, record, indexes) is { } taken)
            {
                refused.Add(new RefusedRecord(record, taken));
                continue;
            }
            savepoint.CommandText = "SAVEPOINT record;";
            savepoint.ExecuteNonQuery();
            try
            {
                insert.ExecuteNonQuery();
            }
            catch (SqliteException ex) when (IsRecordError(ex))
            {
                savepoint.CommandText = "ROLLBACK TO record;";
                savepoint.ExecuteNonQuery();
                refused.Add(new RefusedRecord(record, $"Table '{_options.Table}' refused the record: {ex.Message}"));
            }
            savepoint.CommandText = "RELEASE record;";
            savepoint.ExecuteNonQuery();
        }
        // The rest of the batch, fewer than a statement holds, one by one and in order.
        for (var row = 0; row < waitingCount; row++) oneRow!.Execute(waiting, row * columns.Count, columns.Count);
        var checkpoint = await beforeCommit(refused, cancellationToken).ConfigureAwait(false);
        await using (var mark = connection.CreateCommand())
        {
            mark.Transaction = transaction;
            mark.CommandText = $"""
                INSERT INTO {CheckpointTable} (pipeline, step, run_id, position, records_in, loaded, rejected, filtered, updated_at_utc)
                VALUES ($pipeline, $step, $run, $position, $in, $loaded, $rejected, $filtered, $now)
                ON CONFLICT (pipeline, step, run_id) DO UPDATE SET position = excluded.position, records_in = excluded.records_in, loaded = excluded.loaded,
                    rejected = excluded.rejected, filtered = excluded.filtered, updated_at_utc = excluded.updated_at_utc;
                """;
            mark.Parameters.AddWithValue("$pipeline", _context!.Pipeline);
            mark.Parameters.AddWithValue("$step", _context.Step);
            mark.Parameters.AddWithValue("$run", _context.RunId);
            mark.Parameters.AddWithValue("$position", checkpoint.Position);
            mark.Parameters.AddWithValue("$in", checkpoint.RecordsIn);
            mark.Parameters.AddWithValue("$loaded", checkpoint.Loaded);
            mark.Parameters.AddWithValue("$rejected", checkpoint.Rejected);
            mark.Parameters.AddWithValue("$filtered", checkpoint.Filtered);
            mark.Parameters.AddWithValue("$now", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
            await mark.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    // The key (or unique value) of the record the table holds already, described; null when all are free.
    private string? TakenKey(SqliteConnection connection, SqliteTransaction transaction, DataRecord record, int[] indexes)
    {
        foreach (var key in SinkKeys.ForReplay(_options.Key, _context!.Replay!, _columnOrdinals!.Keys))
        {
            var values = SinkKeys.Values(record, key, indexes, _columnOrdinals!);
            if (values is null) continue;
            using var query = connection.CreateCommand();
            query.Transaction = transaction;
            query.CommandText = $"SELECT 1 FROM {Quote(_options.Table)} WHERE {string.Join(" AND ", key.Select((c, i) => $"{Quote(c)} = $k{i.ToString(CultureInfo.InvariantCulture)}"))} LIMIT 1;";
            for (var i = 0; i < key.Count; i++) query.Parameters.AddWithValue("$k" + i.ToString(CultureInfo.InvariantCulture), Storable(values[i]));
            if (query.ExecuteScalar() is not null) return SinkKeys.Taken(key, values, $"table '{_options.Table}'");
        }
        return null;
    }

    // Sets the row's parameters; fields the record lacks are NULL.
    private static void Bind(SqliteCommand command, DataRecord record, int[] indexes)
    {
        var parameters = command.Parameters;
        for (var i = 0; i < parameters.Count; i++) parameters[i].Value = DBNull.Value;
        for (var field = 0; field < indexes.Length; field++)
            parameters[indexes[field]].Value = Storable(record.Values[field]) ?? DBNull.Value;
    }

    // Puts the record's storable values in their columns' places from first on, and says whether each
    // binds as itself with the same result as the command's text: text, nulls, and numbers into
    // columns of numeric affinity (which turn numeric text into numbers anyway).
    private bool TryStage(DataRecord record, int[] indexes, object?[] row, int first)
    {
        Array.Clear(row, first, _columns!.Count);
        for (var field = 0; field < indexes.Length; field++)
        {
            var value = record.Values[field];
            if (value is bool flag) value = flag ? BoxedOne : BoxedZero;
            // Text binds anywhere; the values PreparedInsert writes as text are left for it to format.
            if (value is not (null or string or decimal or DateTimeOffset or DateTime) && !(value is long or int or double && _numericColumns![indexes[field]])) return false;
            row[first + indexes[field]] = value;
        }
        return true;
    }

    // SQLite's affinity rules (datatype3.html, 3.1): INTEGER, REAL and NUMERIC affinities store numeric text as numbers.
    private static bool HasNumericAffinity(string declared)
    {
        var type = declared.ToUpperInvariant();
        if (type.Contains("INT", StringComparison.Ordinal)) return true;
        if (type.Contains("CHAR", StringComparison.Ordinal) || type.Contains("CLOB", StringComparison.Ordinal) || type.Contains("TEXT", StringComparison.Ordinal)) return false;
        return type.Length > 0 && !type.Contains("BLOB", StringComparison.Ordinal);
    }

    /// <summary>An INSERT prepared on the connection's own handle, bound by position, in the connection's transaction.</summary>
    private sealed class PreparedInsert : IDisposable
    {
        private readonly SqliteConnection _connection;
        private readonly sqlite3_stmt _statement;
        private byte[] _buffer = new byte[256];

        public PreparedInsert(SqliteConnection connection, string sql)
        {
            _connection = connection;
            var rc = raw.sqlite3_prepare_v2(connection.Handle, sql, out _statement);
            SqliteException.ThrowExceptionForRC(rc, connection.Handle);
        }

        // Binds values[first..first+count) to the statement's parameters in order, and runs it. Text
        // goes through one reused UTF-8 buffer (SQLite copies what is bound), so binding allocates nothing.
        public void Execute(object?[] values, int first, int count)
        {
            // A batch that failed part-way left the statement as it was: start clean.
            raw.sqlite3_reset(_statement);
            for (var i = 0; i < count; i++)
            {
                var rc = values[first + i] switch
                {
                    null => raw.sqlite3_bind_null(_statement, i + 1),
                    string text => raw.sqlite3_bind_text(_statement, i + 1, Utf8(text)),
                    long number => raw.sqlite3_bind_int64(_statement, i + 1, number),
                    int number => raw.sqlite3_bind_int64(_statement, i + 1, number),
                    double number => raw.sqlite3_bind_double(_statement, i + 1, number),
                    // The same text as SinkColumn.ToStorable, formatted in place.
                    decimal number => raw.sqlite3_bind_text(_statement, i + 1, Utf8(number, default)),
                    DateTimeOffset time => raw.sqlite3_bind_text(_statement, i + 1, Utf8(time, "O")),
                    DateTime time => raw.sqlite3_bind_text(_statement, i + 1, Utf8(time, "O")),
                    var other => throw new InvalidOperationException($"A {other.GetType().Name} does not bind by position."),
                };
                SqliteException.ThrowExceptionForRC(rc, _connection.Handle);
            }
            var step = raw.sqlite3_step(_statement);
            raw.sqlite3_reset(_statement);
            if (step != raw.SQLITE_DONE) SqliteException.ThrowExceptionForRC(step, _connection.Handle);
        }

        private ReadOnlySpan<byte> Utf8(string text)
        {
            var most = Encoding.UTF8.GetMaxByteCount(text.Length);
            if (_buffer.Length < most) _buffer = new byte[Math.Max(most, _buffer.Length * 2)];
            return _buffer.AsSpan(0, Encoding.UTF8.GetBytes(text, _buffer));
        }

        private ReadOnlySpan<byte> Utf8<T>(T value, ReadOnlySpan<char> format) where T : IUtf8SpanFormattable
        {
            int written;
            while (!value.TryFormat(_buffer, out written, format, CultureInfo.InvariantCulture)) _buffer = new byte[_buffer.Length * 2];
            return _buffer.AsSpan(0, written);
        }

        public void Dispose() => _statement.Dispose();
    }

    // One row's INSERT through the command, every value given as text: for the savepoint-per-record
    // redo and for values that do not bind by position.
    private SqliteCommand InsertCommand(SqliteConnection connection, SqliteTransaction transaction, int columnCount)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        if (columnCount == 0) return command;
        command.CommandText = InsertSql(1);
        for (var i = 0; i < columnCount; i++) command.Parameters.Add("$p" + i.ToString(CultureInfo.InvariantCulture), SqliteType.Text);
        return command;
    }

    private string InsertSql(int rows)
    {
        var names = string.Join(", ", _columns!.Select(c => Quote(c.Name)));
        var values = string.Join(", ", Enumerable.Range(0, rows).Select(row =>
            "(" + string.Join(", ", _columns!.Select((_, i) => "$p" + (row * _columns!.Count + i).ToString(CultureInfo.InvariantCulture))) + ")"));
        var sql = $"INSERT INTO {Quote(_options.Table)} ({names}) VALUES {values}";
        // A replay never overwrites: a row it would update is one its key check refused already.
        if (_options.Mode == SinkWriteMode.Upsert && _context?.Replay is null)
        {
            var updates = _columns!.Where(c => !_options.Key.Contains(c.Name, StringComparer.Ordinal)).Select(c => $"{Quote(c.Name)} = excluded.{Quote(c.Name)}").ToList();
            sql += $" ON CONFLICT ({string.Join(", ", _options.Key.Select(Quote))}) DO " + (updates.Count == 0 ? "NOTHING" : "UPDATE SET " + string.Join(", ", updates));
        }
        return sql + ";";
    }

    // Where each field of a shape goes among the table's columns (-1: no such column).
    // The cache hit is the common case: TryGetValue first, as GetValue with a lambda over this made a delegate per record.
    private int[] ColumnIndexes(RecordShape shape) =>
        _columnIndexes.TryGetValue(shape, out var known) ? known : _columnIndexes.GetValue(shape, s =>
        {
            var indexes = new int[s.Count];
            for (var i = 0; i < s.Count; i++) indexes[i] = _columnOrdinals!.TryGetValue(s.Names[i], out var ordinal) ? ordinal : -1;
            return indexes;
        });

    private static object? Storable(object? value) => value switch
    {
        bool flag => flag ? 1L : 0L,
        _ => SinkColumn.ToStorable(value),
    };

    private static bool IsRecordError(SqliteException ex) => ex.SqliteErrorCode is SqliteConstraint or SqliteMismatch or SqliteTooBig;

    private async Task CreateTableAsync(IReadOnlyList<SinkColumn> columns, CancellationToken cancellationToken)
    {
        foreach (var key in _options.Key)
        {
            if (!columns.Any(c => c.Name == key))
                throw new InvalidOperationException($"The key column '{key}' of table '{_options.Table}' is not among its columns ({string.Join(", ", columns.Select(c => c.Name))}).");
        }
        var sql = new StringBuilder($"CREATE TABLE IF NOT EXISTS {Quote(_options.Table)} (");
        sql.AppendJoin(", ", columns.Select(c => $"{Quote(c.Name)} {SqlType(c.Type)}".TrimEnd()));
        if (_options.Key.Count > 0) sql.Append(", PRIMARY KEY (").AppendJoin(", ", _options.Key.Select(Quote)).Append(')');
        sql.Append(");");
        await ExecuteAsync(sql.ToString(), cancellationToken).ConfigureAwait(false);
        _columns = await ReadColumnsAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string SqlType(SinkColumnType type) => type switch
    {
        SinkColumnType.Integer or SinkColumnType.Boolean => "INTEGER",
        SinkColumnType.Real => "REAL",
        SinkColumnType.Text or SinkColumnType.Decimal or SinkColumnType.DateTime or SinkColumnType.Json => "TEXT",
        _ => "",
    };

    private async Task<List<SinkColumn>?> ReadColumnsAsync(CancellationToken cancellationToken)
    {
        await using var command = _connection!.CreateCommand();
        command.CommandText = "SELECT name, type FROM pragma_table_info($table) ORDER BY cid;";
        command.Parameters.AddWithValue("$table", _options.Table);
        var columns = new List<SinkColumn>();
        var numeric = new List<bool>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                columns.Add(new SinkColumn(reader.GetString(0), SinkColumnType.Any));
                numeric.Add(HasNumericAffinity(reader.IsDBNull(1) ? "" : reader.GetString(1)));
            }
        }
        if (columns.Count == 0) return null;
        _numericColumns = [.. numeric];
        _columnOrdinals = columns.Select((c, i) => (c.Name, i)).ToDictionary(c => c.Name, c => c.i, StringComparer.Ordinal);
        return columns;
    }

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        await using var command = _connection!.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
