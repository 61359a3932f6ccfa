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

    private static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(30);
    private readonly string _connectionString;

    private StateStore(string directory)
    {
        Directory = directory;
        FilePath = Path.Combine(directory, FileName);
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

    /// <summary>The schema version this build of the module reads and writes.</summary>
    public static int CurrentSchemaVersion => StateSchema.Migrations.Count;

    /// <summary>Opens (creating when needed) the store in <paramref name="directory"/> and migrates its schema.</summary>
    public static async Task<StateStore> OpenAsync(string directory, CancellationToken cancellationToken)
    {
        try
        {
            System.IO.Directory.CreateDirectory(directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StateStoreException($"The state directory '{directory}' cannot be created: {ex.Message}", ex);
        }

        var store = new StateStore(directory);
        await store.MigrateAsync(cancellationToken).ConfigureAwait(false);
        return store;
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
            throw new StateStoreException($"The state store '{FilePath}' cannot be opened: {ex.Message}", ex);
        }
    }

    internal static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken, SqliteTransaction? transaction = null)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<int> GetSchemaVersionAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await ReadUserVersionAsync(connection, null, cancellationToken).ConfigureAwait(false);
    }

    private async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
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
