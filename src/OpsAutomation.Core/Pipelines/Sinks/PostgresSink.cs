using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Npgsql;
using NpgsqlTypes;
using OpsAutomation.Core.Logging;

namespace OpsAutomation.Core.Pipelines.Sinks;

/// <summary>A PostgreSQL table to load.</summary>
public sealed record PostgresSinkOptions
{
    /// <summary>An Npgsql connection string; its password never appears in a message.</summary>
    public required string ConnectionString { get; init; }

    /// <summary>The table, as <c>name</c> or <c>schema.name</c>; created from the first batch when missing.</summary>
    public required string Table { get; init; }

    /// <summary>The key columns: the primary key of a table the sink creates, and the conflict target of an upsert.</summary>
    public IReadOnlyList<string> Key { get; init; } = [];

    public SinkWriteMode Mode { get; init; } = SinkWriteMode.Upsert;

    /// <summary>Column types by name for a table made from the first batch (where a null value cannot tell).</summary>
    public IReadOnlyDictionary<string, SinkColumnType> ColumnTypes { get; init; } = new Dictionary<string, SinkColumnType>();
}

/// <summary>
/// Loads a PostgreSQL table: each batch is bulk-copied (COPY ... FROM STDIN, binary) into a
/// temporary table, then merged into the target with INSERT ... ON CONFLICT, and the step's
/// checkpoint is written in the same transaction, so a killed run resumed later loads every
/// record exactly once. A batch the server refuses for one record's sake is redone record by
/// record under savepoints: the refused records come back, the others are committed.
/// </summary>
public sealed class PostgresSink : IRecordSink
{
    private const string CheckpointTable = "_opsautomation_checkpoints";

    private readonly PostgresSinkOptions _options;
    private readonly SecretRedactor _redactor = new();
    private readonly ConditionalWeakTable<RecordShape, int[]> _columnIndexes = [];
    private readonly string _schema;
    private readonly string _table;
    private NpgsqlConnection? _connection;
    private SinkContext? _context;
    private List<SinkColumn>? _columns;

    public PostgresSink(PostgresSinkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Mode == SinkWriteMode.Upsert && options.Key.Count == 0)
            throw new ArgumentException($"An upsert into table '{options.Table}' needs a key: name the key columns, or load with Mode Append.", nameof(options));
        _options = options;
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(options.ConnectionString);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"The PostgreSQL connection string is not valid: {ex.Message}", nameof(options));
        }
        _redactor.AddSecret(builder.Password);
        var parts = options.Table.Split('.', 2);
        (_schema, _table) = parts.Length == 2 ? (parts[0], parts[1]) : ("public", parts[0]);
        DatasetNamespace = string.Create(CultureInfo.InvariantCulture, $"postgres://{builder.Host ?? "localhost"}:{builder.Port}");
        DatasetName = $"{builder.Database}.{_schema}.{_table}";
    }

    public string DatasetNamespace { get; }

    public string DatasetName { get; }

    public async Task<StepCheckpoint> OpenAsync(SinkContext context, CancellationToken cancellationToken)
    {
        _context = context;
        try
        {
            _connection = new NpgsqlConnection(_options.ConnectionString);
            await _connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException)
        {
            throw new IOException($"{DatasetNamespace}: cannot connect to load {DatasetName}: {_redactor.Redact(ex.Message)}", ex);
        }
        await ExecuteAsync($"""
            CREATE TABLE IF NOT EXISTS {Quote(_schema)}.{CheckpointTable} (
                pipeline text NOT NULL, step text NOT NULL, run_id text NOT NULL, position bigint NOT NULL,
                records_in bigint NOT NULL, loaded bigint NOT NULL, rejected bigint NOT NULL, filtered bigint NOT NULL, updated_at timestamptz NOT NULL,
                PRIMARY KEY (pipeline, step, run_id));
            """, null, cancellationToken).ConfigureAwait(false);
        _columns = await ReadColumnsAsync(cancellationToken).ConfigureAwait(false);

        await using var command = new NpgsqlCommand(
            $"SELECT position, records_in, loaded, rejected, filtered FROM {Quote(_schema)}.{CheckpointTable} WHERE pipeline = $1 AND step = $2 AND run_id = $3;", _connection);
        command.Parameters.Add(new NpgsqlParameter { Value = context.Pipeline });
        command.Parameters.Add(new NpgsqlParameter { Value = context.Step });
        command.Parameters.Add(new NpgsqlParameter { Value = context.RunId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new StepCheckpoint(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4))
            : StepCheckpoint.None;
    }

    public async Task WriteAsync(IReadOnlyList<DataRecord> records, BeforeCommit beforeCommit, CancellationToken cancellationToken)
    {
        var connection = _connection ?? throw new InvalidOperationException("The sink is not open.");
        if (_columns is null && SinkColumn.FromRecords(records, _options.ColumnTypes) is { Count: > 0 } inferred) await CreateTableAsync(inferred, cancellationToken).ConfigureAwait(false);
        var columns = _columns ?? [];
        var refused = new List<RefusedRecord>();
        var rows = new List<(DataRecord Record, object?[] Values)>(records.Count);
        foreach (var record in records)
        {
            if (columns.Count == 0) { refused.Add(new RefusedRecord(record, "The record has no fields to load.")); continue; }
            var indexes = ColumnIndexes(record.Shape);
            if (Array.IndexOf(indexes, -1) is var unknown and >= 0)
            {
                refused.Add(new RefusedRecord(record, $"Field '{record.Shape.Names[unknown]}' is not a column of table '{_options.Table}'."));
                continue;
            }
            var values = new object?[columns.Count];
            for (var field = 0; field < indexes.Length; field++) values[indexes[field]] = Storable(record.Values[field], columns[indexes[field]].Type);
            rows.Add((record, values));
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (rows.Count > 0 && _context!.Replay is not null)
        {
            // A replay asks the table about each record's keys before it inserts it: record by record.
            await InsertEachAsync(connection, transaction, rows, columns, refused, cancellationToken).ConfigureAwait(false);
        }
        else if (rows.Count > 0)
        {
            await ExecuteAsync("SAVEPOINT batch;", transaction, cancellationToken).ConfigureAwait(false);
            try
            {
                await CopyAndMergeAsync(connection, rows, columns, cancellationToken).ConfigureAwait(false);
                await ExecuteAsync("RELEASE SAVEPOINT batch;", transaction, cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException ex) when (IsRecordError(ex))
            {
                // One record spoils the batch: redo it record by record so only that one is refused.
                await ExecuteAsync("ROLLBACK TO SAVEPOINT batch;", transaction, cancellationToken).ConfigureAwait(false);
                await InsertEachAsync(connection, transaction, rows, columns, refused, cancellationToken).ConfigureAwait(false);
            }
        }
        var checkpoint = await beforeCommit(refused, cancellationToken).ConfigureAwait(false);
        await using (var mark = new NpgsqlCommand($"""
            INSERT INTO {Quote(_schema)}.{CheckpointTable} (pipeline, step, run_id, position, records_in, loaded, rejected, filtered, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())
            ON CONFLICT (pipeline, step, run_id) DO UPDATE SET position = excluded.position, records_in = excluded.records_in, loaded = excluded.loaded,
                rejected = excluded.rejected, filtered = excluded.filtered, updated_at = excluded.updated_at;
            """, connection, transaction))
        {
            foreach (var value in new object[] { _context!.Pipeline, _context.Step, _context.RunId, checkpoint.Position, checkpoint.RecordsIn, checkpoint.Loaded, checkpoint.Rejected, checkpoint.Filtered })
                mark.Parameters.Add(new NpgsqlParameter { Value = value });
            await mark.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task CompleteAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public bool IsTransient(Exception exception) => exception switch
    {
        NpgsqlException npgsql when npgsql.IsTransient => true,
        PostgresException { SqlState: "40001" or "40P01" or "55P03" or "57P01" or "57P03" } => true,
        _ => false,
    };

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null) await _connection.DisposeAsync().ConfigureAwait(false);
    }

    private async Task CopyAndMergeAsync(NpgsqlConnection connection, List<(DataRecord Record, object?[] Values)> rows, List<SinkColumn> columns, CancellationToken cancellationToken)
    {
        var names = string.Join(", ", columns.Select(c => Quote(c.Name)));
        await ExecuteAsync($"CREATE TEMP TABLE IF NOT EXISTS _ops_staging (LIKE {Quote(_schema)}.{Quote(_table)} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS; TRUNCATE _ops_staging;", null, cancellationToken).ConfigureAwait(false);
        await using (var import = await connection.BeginBinaryImportAsync($"COPY _ops_staging ({names}) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false))
        {
            foreach (var (_, values) in rows)
            {
                await import.StartRowAsync(cancellationToken).ConfigureAwait(false);
                for (var i = 0; i < values.Length; i++)
                {
                    if (values[i] is null) await import.WriteNullAsync(cancellationToken).ConfigureAwait(false);
                    else await import.WriteAsync(values[i], DbType(columns[i].Type), cancellationToken).ConfigureAwait(false);
                }
            }
            await import.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
        await ExecuteAsync($"INSERT INTO {Quote(_schema)}.{Quote(_table)} ({names}) SELECT {names} FROM _ops_staging{Conflict(columns)};", null, cancellationToken).ConfigureAwait(false);
    }

    // Each row under its own savepoint, so a refused one leaves the others; a replay first asks whether its keys are free.
    private async Task InsertEachAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, List<(DataRecord Record, object?[] Values)> rows, List<SinkColumn> columns,
        List<RefusedRecord> refused, CancellationToken cancellationToken)
    {
        foreach (var row in rows)
        {
            if (_context!.Replay is not null && await TakenKeyAsync(connection, transaction, row.Record, cancellationToken).ConfigureAwait(false) is { } taken)
            {
                refused.Add(new RefusedRecord(row.Record, taken));
                continue;
            }
            await ExecuteAsync("SAVEPOINT record;", transaction, cancellationToken).ConfigureAwait(false);
            try
            {
                await InsertOneAsync(connection, row.Values, columns, cancellationToken).ConfigureAwait(false);
                await ExecuteAsync("RELEASE SAVEPOINT record;", transaction, cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException record) when (IsRecordError(record))
            {
                await ExecuteAsync("ROLLBACK TO SAVEPOINT record;", transaction, cancellationToken).ConfigureAwait(false);
                refused.Add(new RefusedRecord(row.Record, $"Table '{_options.Table}' refused the record: {_redactor.Redact(record.MessageText)} ({record.SqlState})"));
            }
        }
    }

    // The key (or unique value) of the record the table holds already, described; null when all are free.
    private async Task<string?> TakenKeyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DataRecord record, CancellationToken cancellationToken)
    {
        var ordinals = _columns!.Select((c, i) => (c.Name, i)).ToDictionary(c => c.Name, c => c.i, StringComparer.Ordinal);
        var indexes = ColumnIndexes(record.Shape);
        foreach (var key in SinkKeys.ForReplay(_options.Key, _context!.Replay!, ordinals.Keys))
        {
            var values = SinkKeys.Values(record, key, indexes, ordinals);
            if (values is null) continue;
            var where = string.Join(" AND ", key.Select((c, i) => $"{Quote(c)} = ${(i + 1).ToString(CultureInfo.InvariantCulture)}"));
            await using var query = new NpgsqlCommand($"SELECT 1 FROM {Quote(_schema)}.{Quote(_table)} WHERE {where} LIMIT 1;", connection, transaction);
            for (var i = 0; i < key.Count; i++)
            {
                var type = _columns![ordinals[key[i]]].Type;
                query.Parameters.Add(new NpgsqlParameter { Value = Storable(values[i], type) ?? DBNull.Value, NpgsqlDbType = DbType(type) });
            }
            if (await query.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null) return SinkKeys.Taken(key, values, $"table '{_options.Table}'");
        }
        return null;
    }

    private async Task InsertOneAsync(NpgsqlConnection connection, object?[] values, List<SinkColumn> columns, CancellationToken cancellationToken)
    {
        var names = string.Join(", ", columns.Select(c => Quote(c.Name)));
        var placeholders = string.Join(", ", columns.Select((_, i) => "$" + (i + 1).ToString(CultureInfo.InvariantCulture)));
        await using var command = new NpgsqlCommand($"INSERT INTO {Quote(_schema)}.{Quote(_table)} ({names}) VALUES ({placeholders}){Conflict(columns)};", connection);
        for (var i = 0; i < values.Length; i++)
            command.Parameters.Add(new NpgsqlParameter { Value = values[i] ?? DBNull.Value, NpgsqlDbType = DbType(columns[i].Type) });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private string Conflict(List<SinkColumn> columns)
    {
        // A replay never overwrites: a row it would update is one its key check refused already.
        if (_options.Mode != SinkWriteMode.Upsert || _context?.Replay is not null) return "";
        var updates = columns.Where(c => !_options.Key.Contains(c.Name, StringComparer.Ordinal)).Select(c => $"{Quote(c.Name)} = excluded.{Quote(c.Name)}").ToList();
        return $" ON CONFLICT ({string.Join(", ", _options.Key.Select(Quote))}) DO " + (updates.Count == 0 ? "NOTHING" : "UPDATE SET " + string.Join(", ", updates));
    }

    // Values as the column's type takes them; a value that cannot be converted is refused with the row.
    private static object? Storable(object? value, SinkColumnType type) => (value, type) switch
    {
        (null, _) => null,
        (DateTimeOffset time, SinkColumnType.DateTime) => time.UtcDateTime,
        (long number, SinkColumnType.Real) => (double)number,
        (long number, SinkColumnType.Decimal) => (decimal)number,
        (double number, SinkColumnType.Decimal) => (decimal)number,
        (_, SinkColumnType.Text or SinkColumnType.Any) => Convert.ToString(SinkColumn.ToStorable(value), CultureInfo.InvariantCulture),
        (IReadOnlyDictionary<string, object?> or IReadOnlyList<object?>, SinkColumnType.Json) => SinkColumn.ToStorable(value),
        _ => value,
    };

    private static NpgsqlDbType DbType(SinkColumnType type) => type switch
    {
        SinkColumnType.Integer => NpgsqlDbType.Bigint,
        SinkColumnType.Real => NpgsqlDbType.Double,
        SinkColumnType.Decimal => NpgsqlDbType.Numeric,
        SinkColumnType.Boolean => NpgsqlDbType.Boolean,
        SinkColumnType.DateTime => NpgsqlDbType.TimestampTz,
        SinkColumnType.Json => NpgsqlDbType.Jsonb,
        _ => NpgsqlDbType.Text,
    };

    private static string SqlType(SinkColumnType type) => type switch
    {
        SinkColumnType.Integer => "bigint",
        SinkColumnType.Real => "double precision",
        SinkColumnType.Decimal => "numeric",
        SinkColumnType.Boolean => "boolean",
        SinkColumnType.DateTime => "timestamptz",
        SinkColumnType.Json => "jsonb",
        _ => "text",
    };

    private static SinkColumnType FromSqlType(string type) => type switch
    {
        "bigint" or "integer" or "smallint" => SinkColumnType.Integer,
        "double precision" or "real" => SinkColumnType.Real,
        "numeric" => SinkColumnType.Decimal,
        "boolean" => SinkColumnType.Boolean,
        "timestamp with time zone" or "timestamp without time zone" or "date" => SinkColumnType.DateTime,
        "jsonb" or "json" => SinkColumnType.Json,
        _ => SinkColumnType.Text,
    };

    private static bool IsRecordError(PostgresException ex) => ex.SqlState.StartsWith("22", StringComparison.Ordinal) || ex.SqlState.StartsWith("23", StringComparison.Ordinal);

    private async Task CreateTableAsync(IReadOnlyList<SinkColumn> columns, CancellationToken cancellationToken)
    {
        foreach (var key in _options.Key)
        {
            if (!columns.Any(c => c.Name == key))
                throw new InvalidOperationException($"The key column '{key}' of table '{_options.Table}' is not among its columns ({string.Join(", ", columns.Select(c => c.Name))}).");
        }
        var sql = new StringBuilder($"CREATE TABLE IF NOT EXISTS {Quote(_schema)}.{Quote(_table)} (");
        sql.AppendJoin(", ", columns.Select(c => $"{Quote(c.Name)} {SqlType(c.Type)}"));
        if (_options.Key.Count > 0) sql.Append(", PRIMARY KEY (").AppendJoin(", ", _options.Key.Select(Quote)).Append(')');
        sql.Append(");");
        await ExecuteAsync(sql.ToString(), null, cancellationToken).ConfigureAwait(false);
        _columns = await ReadColumnsAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<List<SinkColumn>?> ReadColumnsAsync(CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position;", _connection);
        command.Parameters.Add(new NpgsqlParameter { Value = _schema });
        command.Parameters.Add(new NpgsqlParameter { Value = _table });
        var columns = new List<SinkColumn>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) columns.Add(new SinkColumn(reader.GetString(0), FromSqlType(reader.GetString(1))));
        }
        return columns.Count == 0 ? null : columns;
    }

    // Where each field of a shape goes among the table's columns (-1: no such column).
    private int[] ColumnIndexes(RecordShape shape) => _columnIndexes.GetValue(shape, s =>
    {
        var indexes = new int[s.Count];
        for (var i = 0; i < s.Count; i++) indexes[i] = _columns!.FindIndex(c => c.Name == s.Names[i]);
        return indexes;
    });

    private async Task ExecuteAsync(string sql, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, _connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
