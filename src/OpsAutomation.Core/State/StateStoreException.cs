using Microsoft.Data.Sqlite;

namespace OpsAutomation.Core.State;

/// <summary>What went wrong with the state store, so callers (and scripts, through the ErrorId) can tell a lock from a full disk.</summary>
public enum StateStoreErrorKind
{
    /// <summary>The store cannot be opened or created, or has a newer schema.</summary>
    Unavailable,

    /// <summary>Another process held the lock past the busy timeout (SQLITE_BUSY, SQLITE_LOCKED).</summary>
    Busy,

    /// <summary>The disk or the file's size limit is full (SQLITE_FULL).</summary>
    DiskFull,

    /// <summary>The file or its directory cannot be written (SQLITE_READONLY, SQLITE_PERM).</summary>
    ReadOnly,

    /// <summary>The file is damaged or not a database (SQLITE_CORRUPT, SQLITE_NOTADB).</summary>
    Corrupt,

    /// <summary>Any other failure of the database or the disk under it.</summary>
    Failed,
}

/// <summary>The state store cannot be used: unreadable, locked past the timeout, full, read-only, or of a newer schema.</summary>
public sealed class StateStoreException : Exception
{
    public StateStoreException(string message, Exception? inner = null) : base(message, inner)
    {
    }

    private StateStoreException(StateStoreErrorKind kind, string path, string? operation, string message, Exception inner) : base(message, inner)
    {
        Kind = kind;
        Path = path;
        Operation = operation;
    }

    public StateStoreErrorKind Kind { get; } = StateStoreErrorKind.Unavailable;

    /// <summary>The database file, when known.</summary>
    public string? Path { get; }

    /// <summary>What the store was doing, such as "save health history"; null for an open.</summary>
    public string? Operation { get; }

    /// <summary>A SQLite failure of <paramref name="operation"/> on the store at <paramref name="path"/>, typed by its result code.</summary>
    internal static StateStoreException From(SqliteException exception, string path, string operation, TimeSpan busyTimeout)
    {
        // The primary result code: the low byte of an extended one.
        var (kind, reason) = (exception.SqliteErrorCode & 0xFF) switch
        {
            5 or 6 => (StateStoreErrorKind.Busy, $"it stayed locked by another connection or process for the busy timeout of {busyTimeout.TotalSeconds:0.###} s"),
            13 => (StateStoreErrorKind.DiskFull, "the disk is full"),
            8 or 3 => (StateStoreErrorKind.ReadOnly, "the file or its directory is read-only"),
            11 or 26 => (StateStoreErrorKind.Corrupt, "the file is damaged or not a database"),
            _ => (StateStoreErrorKind.Failed, "the database failed"),
        };
        return new StateStoreException(kind, path, operation,
            $"The state store '{path}' could not {operation}: {reason} ({exception.Message.TrimEnd('.')}).", exception);
    }
}
