-- Alerts: every rule firing (sent or suppressed as a dupe), the per-sink delivery queue,
-- and every delivery attempt. Idempotent (IF NOT EXISTS) so it can be applied twice.
CREATE SEQUENCE IF NOT EXISTS alert_id_seq START 1;
CREATE SEQUENCE IF NOT EXISTS alert_delivery_id_seq START 1;

CREATE TABLE IF NOT EXISTS alerts (
    alert_id      BIGINT PRIMARY KEY DEFAULT nextval('alert_id_seq'),
    rule          VARCHAR NOT NULL,
    reason        VARCHAR NOT NULL,      -- first / proper / dupe
    suppressed    BOOLEAN NOT NULL,      -- true: recorded but not sent (rule does not re-alert)
    dedupe_key    VARCHAR NOT NULL,      -- title_id, source class, group
    release_name  VARCHAR NOT NULL,
    title_id      VARCHAR NOT NULL,
    title         VARCHAR,
    source_class  VARCHAR NOT NULL,
    group_name    VARCHAR,
    severity      VARCHAR,
    lead_days     DOUBLE,
    pre_at        TIMESTAMPTZ,
    leak_json     VARCHAR NOT NULL,      -- Leak.to_dict(), what the sinks render
    created_at    TIMESTAMPTZ NOT NULL,
    UNIQUE (rule, release_name)
);

CREATE TABLE IF NOT EXISTS alert_deliveries (
    delivery_id      BIGINT PRIMARY KEY DEFAULT nextval('alert_delivery_id_seq'),
    alert_id         BIGINT NOT NULL,
    sink             VARCHAR NOT NULL,
    status           VARCHAR NOT NULL,   -- pending / delivered / dead
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMPTZ,        -- when pending: not before this time
    last_error       VARCHAR,
    created_at       TIMESTAMPTZ NOT NULL,
    finished_at      TIMESTAMPTZ         -- delivered or dead-lettered
);

CREATE TABLE IF NOT EXISTS alert_delivery_attempts (
    delivery_id   BIGINT NOT NULL,
    attempt       INTEGER NOT NULL,
    started_at    TIMESTAMPTZ NOT NULL,
    duration_ms   DOUBLE NOT NULL,
    ok            BOOLEAN NOT NULL,
    status_code   INTEGER,
    error         VARCHAR
);

CREATE INDEX IF NOT EXISTS alerts_dedupe_idx ON alerts (rule, dedupe_key);
CREATE INDEX IF NOT EXISTS alert_deliveries_status_idx ON alert_deliveries (status);
