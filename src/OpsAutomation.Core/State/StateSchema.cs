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
        """
        CREATE INDEX ix_health_history_time ON health_history (timestamp_utc);
        ALTER TABLE health_history ADD COLUMN severity TEXT;
        ALTER TABLE health_history ADD COLUMN owner TEXT;
        ALTER TABLE health_history ADD COLUMN tags TEXT;
        ALTER TABLE health_history ADD COLUMN next_probe_at_utc TEXT;
        CREATE TABLE circuit_state (
            key                  TEXT    PRIMARY KEY,
            state                TEXT    NOT NULL,
            consecutive_failures INTEGER NOT NULL,
            opened_at_utc        TEXT,
            next_probe_at_utc    TEXT,
            trial_run_id         TEXT,
            trial_until_utc      TEXT,
            updated_at_utc       TEXT    NOT NULL
        );
        CREATE TABLE health_alert_state (
            name            TEXT    PRIMARY KEY,
            dedup_key       TEXT    NOT NULL,
            state           TEXT    NOT NULL,
            severity        TEXT    NOT NULL,
            reason          TEXT,
            started_at_utc  TEXT,
            last_sent_utc   TEXT,
            updated_at_utc  TEXT    NOT NULL
        );
        """,
        """
        CREATE TABLE rule_alert_state (
            file                   TEXT    NOT NULL,
            rule_group             TEXT    NOT NULL,
            rule                   TEXT    NOT NULL,
            labels_json            TEXT    NOT NULL,
            state                  TEXT    NOT NULL,
            value                  REAL    NOT NULL,
            annotations_json       TEXT    NOT NULL,
            active_at_utc          TEXT    NOT NULL,
            fired_at_utc           TEXT,
            resolved_at_utc        TEXT,
            keep_firing_since_utc  TEXT,
            last_sent_utc          TEXT,
            updated_at_utc         TEXT    NOT NULL,
            PRIMARY KEY (file, rule_group, rule, labels_json)
        );
        """,
        """
        CREATE TABLE metric_series (
            id           INTEGER PRIMARY KEY,
            labels_json  TEXT    NOT NULL UNIQUE
        );
        CREATE TABLE metric_samples (
            series_id     INTEGER NOT NULL REFERENCES metric_series (id) ON DELETE CASCADE,
            timestamp_ms  INTEGER NOT NULL,
            value         REAL    NOT NULL,
            PRIMARY KEY (series_id, timestamp_ms)
        ) WITHOUT ROWID;
        CREATE INDEX ix_metric_samples_time ON metric_samples (timestamp_ms);
        """,
        """
        CREATE TABLE pipeline_runs (
            run_id          TEXT    PRIMARY KEY,
            pipeline        TEXT    NOT NULL,
            status          TEXT    NOT NULL,
            started_at_utc  TEXT    NOT NULL,
            ended_at_utc    TEXT,
            duration_ms     REAL    NOT NULL,
            resumes         INTEGER NOT NULL,
            host            TEXT    NOT NULL,
            process_id      INTEGER NOT NULL,
            run_json        TEXT    NOT NULL,
            updated_at_utc  TEXT    NOT NULL
        );
        CREATE INDEX ix_pipeline_runs_pipeline ON pipeline_runs (pipeline, started_at_utc);
        CREATE TABLE dead_letters (
            id              INTEGER PRIMARY KEY,
            pipeline        TEXT    NOT NULL,
            step            TEXT    NOT NULL,
            run_id          TEXT    NOT NULL,
            stage           TEXT    NOT NULL,
            position        INTEGER NOT NULL,
            location        TEXT    NOT NULL,
            error           TEXT    NOT NULL,
            attempts        INTEGER NOT NULL,
            record          TEXT    NOT NULL,
            created_at_utc  TEXT    NOT NULL,
            replayed_at_utc TEXT,
            replay_run_id   TEXT,
            UNIQUE (pipeline, step, run_id, position)
        );
        CREATE INDEX ix_dead_letters_pipeline ON dead_letters (pipeline, created_at_utc);
        CREATE TABLE pipeline_checkpoints (
            pipeline        TEXT    NOT NULL,
            step            TEXT    NOT NULL,
            run_id          TEXT    NOT NULL,
            position        INTEGER NOT NULL,
            records_in      INTEGER NOT NULL,
            loaded          INTEGER NOT NULL,
            rejected        INTEGER NOT NULL,
            filtered        INTEGER NOT NULL,
            sink_offset     INTEGER,
            updated_at_utc  TEXT    NOT NULL,
            PRIMARY KEY (pipeline, step, run_id)
        );
        """,
        // No secret at rest: circuit keys and history targets written by older modules may hold a
        // URI's user:password@ or a secret query value. Such a circuit is dropped (it starts closed,
        // keyed by the redacted target from now on); such a target keeps its scheme, host and path.
        """
        DELETE FROM circuit_state
        WHERE key GLOB '*://*:*@*' OR lower(key) GLOB '*[?&]*token=*' OR lower(key) GLOB '*[?&]*key=*'
           OR lower(key) GLOB '*[?&]*password=*' OR lower(key) GLOB '*[?&]*secret=*' OR lower(key) GLOB '*[?&]*sig=*';
        UPDATE health_history
        SET target = substr(target, 1, instr(target, '://') + 2) || '[REDACTED]@' || substr(target, instr(target, '@') + 1)
        WHERE target GLOB '*://*@*' AND target NOT GLOB '*[[]REDACTED]@*'
          AND instr(target, '@') < instr(substr(target, instr(target, '://') + 3) || '/', '/') + instr(target, '://') + 2;
        UPDATE health_history
        SET target = substr(target, 1, instr(target, '?')) || '[REDACTED]'
        WHERE instr(target, '?') > 0 AND target NOT GLOB '*=[[]REDACTED]*' AND (lower(substr(target, instr(target, '?'))) GLOB '*token=*' OR lower(substr(target, instr(target, '?'))) GLOB '*key=*'
           OR lower(substr(target, instr(target, '?'))) GLOB '*password=*' OR lower(substr(target, instr(target, '?'))) GLOB '*secret=*'
           OR lower(substr(target, instr(target, '?'))) GLOB '*sig=*');
        """,
        // What each channel took of each alert, so a channel that failed is retried on the next run.
        """
        CREATE TABLE alert_deliveries (
            dedup_key          TEXT    NOT NULL,
            channel            TEXT    NOT NULL,
            state              TEXT    NOT NULL,
            notification_json  TEXT    NOT NULL,
            delivered_at_utc   TEXT,
            attempts           INTEGER NOT NULL,
            last_error         TEXT,
            updated_at_utc     TEXT    NOT NULL,
            PRIMARY KEY (dedup_key, channel)
        );
        """,
        // Replay claims: the replay run that took a letter, its position in that run's input, and
        // who holds the claim (host, process, lease) so a killed replay's letters are finished by the next.
        """
        ALTER TABLE dead_letters ADD COLUMN claim_run_id TEXT;
        ALTER TABLE dead_letters ADD COLUMN claim_position INTEGER;
        ALTER TABLE dead_letters ADD COLUMN claim_host TEXT;
        ALTER TABLE dead_letters ADD COLUMN claim_pid INTEGER;
        ALTER TABLE dead_letters ADD COLUMN claim_until_utc TEXT;
        CREATE INDEX ix_dead_letters_claim ON dead_letters (claim_run_id, claim_position);
        """,
        // Deployment runs: what was deployed where, by whom, between which revisions, and how it
        // ended; an InProgress row with a dead process is a run to resume. Names only, no credentials.
        """
        CREATE TABLE deployment_records (
            id               TEXT    PRIMARY KEY,
            name             TEXT    NOT NULL,
            namespace        TEXT    NOT NULL,
            context          TEXT    NOT NULL,
            strategy         TEXT    NOT NULL,
            image            TEXT,
            image_digest     TEXT,
            user_name        TEXT    NOT NULL,
            started_at_utc   TEXT    NOT NULL,
            ended_at_utc     TEXT,
            revision_before  INTEGER,
            revision_after   INTEGER,
            outcome          TEXT    NOT NULL,
            reason           TEXT,
            details_json     TEXT,
            host             TEXT    NOT NULL,
            process_id       INTEGER NOT NULL,
            updated_at_utc   TEXT    NOT NULL
        );
        CREATE INDEX ix_deployment_records_deployment ON deployment_records (namespace, name, context, started_at_utc);
        """,
        // Incidents: the columns people filter on beside the whole incident as JSON (signals capped per
        // incident by the store), and which fingerprints belong to which incident, so a signal finds
        // its incident (open, or resolved recently enough to reopen) with one indexed read.
        """
        CREATE TABLE incidents (
            id               TEXT    PRIMARY KEY,
            title            TEXT    NOT NULL,
            service          TEXT    NOT NULL,
            severity         TEXT    NOT NULL,
            state            TEXT    NOT NULL,
            owner            TEXT,
            fingerprint      TEXT    NOT NULL,
            opened_at_utc    TEXT    NOT NULL,
            resolved_at_utc  TEXT,
            updated_at_utc   TEXT    NOT NULL,
            incident_json    TEXT    NOT NULL
        );
        CREATE INDEX ix_incidents_opened ON incidents (opened_at_utc);
        CREATE INDEX ix_incidents_state ON incidents (state, opened_at_utc);
        CREATE INDEX ix_incidents_service ON incidents (service COLLATE NOCASE, opened_at_utc);
        CREATE TABLE incident_fingerprints (
            fingerprint    TEXT    NOT NULL,
            incident_id    TEXT    NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
            firing         INTEGER NOT NULL,
            last_seen_utc  TEXT    NOT NULL,
            PRIMARY KEY (fingerprint, incident_id)
        );
        CREATE INDEX ix_incident_fingerprints_incident ON incident_fingerprints (incident_id);
        """,
    ];
}
