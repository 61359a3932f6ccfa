using Microsoft.Data.Sqlite;

namespace OpsAutomation.Core.State;

/// <summary>
/// The embedded state: one SQLite file in the state directory, in WAL mode so readers never
/// block the writer, with a versioned schema migrated on open. Two scheduled runs may use it
/// at once: writers wait on the lock (busy timeout) instead of failing. Deleted content is
/// zeroed (secure_delete), so a row rewritten to drop a secret leaves no copy in free pages.
/// </summary>
public sealed class StateStore
{
    public const string FileName = "opsautomation.db";

    /// <summary>How long a writer waits for another's lock before failing as Busy. Default 30 s.</summary>
    public static readonly TimeSpan DefaultBusyTimeout = TimeSpan.FromSeconds(30);

    private readonly string _connectionString;

    private StateStore(string directory, TimeSpan busyTimeout)
    {
        Directory = directory;
        FilePath = Path.Combine(directory, FileName);
        // Whole seconds: Microsoft.Data.Sqlite retries a busy command for its timeout in seconds as well.
        BusyTimeout = TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(busyTimeout.TotalSeconds)));
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = FilePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = (int)BusyTimeout.TotalSeconds,
        }.ToString();
    }

    public string Directory { get; }

    public string FilePath { get; }

    public TimeSpan BusyTimeout { get; }

    /// <summary>The schema version this build of the module reads and writes.</summary>
    public static int CurrentSchemaVersion => StateSchema.Migrations.Count;

    /// <summary>Opens (creating when needed) the store in <paramref name="directory"/> and migrates its schema.</summary>
    /// <param name="busyTimeout">How long a write waits for another's lock, in whole seconds (at least 1); default <see cref="DefaultBusyTimeout"/>.</param>
    public static async Task<StateStore> OpenAsync(string directory, CancellationToken cancellationToken, TimeSpan? busyTimeout = null)
    {
        try
        {
            System.IO.Directory.CreateDirectory(directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StateStoreException($"The state directory '{directory}' cannot be created: {ex.Message}", ex);
        }

        var store = new StateStore(directory, busyTimeout ?? DefaultBusyTimeout);
        if (!File.Exists(store.FilePath))
        {
            // A pooled connection to a file since deleted (the state directory removed while the
            // module stayed loaded) would go on writing to the deleted file, and every later read
            // and write of this process would miss the new one.
            using var pooled = new SqliteConnection(store._connectionString);
            SqliteConnection.ClearPool(pooled);
        }
        await store.RunAsync("migrate its schema", connection => store.MigrateAsync(connection, cancellationToken), cancellationToken).ConfigureAwait(false);
        return store;
    }

    /// <summary>The same (already migrated) store, with writes waiting <paramref name="busyTimeout"/> for a lock.</summary>
    public StateStore WithBusyTimeout(TimeSpan busyTimeout)
    {
        var store = new StateStore(Directory, busyTimeout);
        return store.BusyTimeout == BusyTimeout ? this : store;
    }

    /// <summary>
    /// Runs <paramref name="work"/> on an open connection; a SQLite failure becomes a
    /// <see cref="StateStoreException"/> typed by its kind, naming the file and <paramref name="operation"/>.
    /// </summary>
    /// <param name="operation">What is done, as it reads after "could not": "save health history".</param>
    internal async Task<T> RunAsync<T>(string operation, Func<SqliteConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            return await work(connection).ConfigureAwait(false);
        }
        catch (SqliteException ex)
        {
            throw StateStoreException.From(ex, FilePath, operation, BusyTimeout);
        }
    }

    internal Task RunAsync(string operation, Func<SqliteConnection, Task> work, CancellationToken cancellationToken) =>
        RunAsync(operation, async connection =>
        {
            await work(connection).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    /// <summary>
    /// The rows <paramref name="query"/> yields on an open connection, as they come; a SQLite failure,
    /// at the first row or any later one, becomes a <see cref="StateStoreException"/> as in <see cref="RunAsync{T}"/>.
    /// </summary>
    internal async IAsyncEnumerable<T> StreamAsync<T>(string operation, Func<SqliteConnection, IAsyncEnumerable<T>> query,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = query(connection).GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                // A yield cannot sit in a try with a catch: only the step to the next row is guarded.
                try
                {
                    if (!await rows.MoveNextAsync().ConfigureAwait(false)) yield break;
                }
                catch (SqliteException ex)
                {
                    throw StateStoreException.From(ex, FilePath, operation, BusyTimeout);
                }
                yield return rows.Current;
            }
        }
        finally
        {
            await rows.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>An open connection with the store's pragmas set; the caller disposes it.</summary>
    internal async Task<SqliteConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, $"PRAGMA busy_timeout = {(int)BusyTimeout.TotalMilliseconds}; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;", cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch (SqliteException ex)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw StateStoreException.From(ex, FilePath, "be opened", BusyTimeout);
        }
    }

    internal static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken, SqliteTransaction? transaction = null)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The first column of every row <paramref name="sql"/> selects, as text: the distinct names a completer offers.</summary>
    internal Task<IReadOnlyList<string>> ReadStringsAsync(string operation, string sql, CancellationToken cancellationToken) =>
        RunAsync<IReadOnlyList<string>>(operation, async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            var values = new List<string>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) values.Add(reader.GetString(0));
            return values;
        }, cancellationToken);

    public async Task<int> GetSchemaVersionAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await ReadUserVersionAsync(connection, null, cancellationToken).ConfigureAwait(false);
    }

    private async Task MigrateAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        // WAL is a property of the file: set once, it stays for every later connection.
        await ExecuteAsync(connection, "PRAGMA journal_mode = WAL;", cancellationToken).ConfigureAwait(false);
        if (await ReadUserVersionAsync(connection, null, cancellationToken).ConfigureAwait(false) == CurrentSchemaVersion)
            return;

        // BEGIN IMMEDIATE takes the write lock first, so two processes opening a new store
        // migrate one after the other and the second sees the first one's work.
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(System.Data.IsolationLevel.Serializable, cancellationToken).ConfigureAwait(false);
        var version = await ReadUserVersionAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        if (version > CurrentSchemaVersion)
        {
            throw new StateStoreException(
                $"The state store '{FilePath}' has schema version {version}, newer than this module knows ({CurrentSchemaVersion}). Update the module, or point -StatePath elsewhere.");
        }
        for (; version < CurrentSchemaVersion; version++)
            await ExecuteAsync(connection, StateSchema.Migrations[version], cancellationToken, transaction).ConfigureAwait(false);
        await ExecuteAsync(connection, $"PRAGMA user_version = {CurrentSchemaVersion};", cancellationToken, transaction).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        // A migration may have removed secrets (secure_delete zeroes their cells): copy the clean
        // pages into the file and empty the WAL, so no old frame keeps them on disk.
        await ExecuteAsync(connection, "PRAGMA wal_checkpoint(TRUNCATE);", cancellationToken).ConfigureAwait(false);
    }

    private static async Task<int> ReadUserVersionAsync(SqliteConnection connection, SqliteTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version;";
        command.Transaction = transaction;
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }
}
