namespace OpsAutomation.Core.State;

/// <summary>
/// The schema as a list of migrations: entry N takes version N to N+1. Append only; a shipped
/// migration never changes, so every older store reaches the current shape.
/// </summary>
internal static class StateSchema
{
    public static readonly IReadOnlyList<string> Migrations =
    [
        """
        CREATE TABLE health_history (
            id                   INTEGER PRIMARY KEY,
            run_id               TEXT    NOT NULL,
            name                 TEXT    NOT NULL,
            kind                 TEXT    NOT NULL,
            target               TEXT    NOT NULL,
            status               TEXT    NOT NULL,
            status_code          INTEGER,
            response_time_ms     REAL    NOT NULL,
            attempts             INTEGER NOT NULL,
            first_attempt_status TEXT    NOT NULL,
            error_kind           TEXT    NOT NULL,
            error                TEXT,
            details_json         TEXT,
            timestamp_utc        TEXT    NOT NULL
        );
        CREATE INDEX ix_health_history_name_time ON health_history (name, timestamp_utc);
        CREATE INDEX ix_health_history_run ON health_history (run_id);
        """,
    ];
}
