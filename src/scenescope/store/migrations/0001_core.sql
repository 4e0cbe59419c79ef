-- Core store: releases, the pre reports and nuke events feeds sent about them, quarantine.
-- Times are TIMESTAMPTZ in UTC. Uniqueness of reports and events is what makes ingest idempotent.

CREATE SEQUENCE release_id_seq START 1;

CREATE TABLE releases (
    release_id BIGINT PRIMARY KEY,
    name VARCHAR NOT NULL UNIQUE,
    group_name VARCHAR,            -- as written in the name
    group_key VARCHAR,             -- lower(group_name): what searches and analyses join on
    title VARCHAR,
    year INTEGER,
    kind VARCHAR,
    season INTEGER,
    episodes INTEGER[],
    absolute_episode BOOLEAN,
    season_pack BOOLEAN,
    date DATE,
    episode_title VARCHAR,
    resolution VARCHAR,
    source VARCHAR,
    streaming_service VARCHAR,
    video_codec VARCHAR,
    audio_codec VARCHAR,
    audio_channels VARCHAR,
    hdr VARCHAR[],
    bit_depth INTEGER,
    languages VARCHAR[],
    subtitles VARCHAR[],
    edition VARCHAR[],
    flags VARCHAR[],
    other VARCHAR[],
    container VARCHAR,
    website VARCHAR,
    unparsed VARCHAR[],
    category VARCHAR,              -- section, from the report that first named the release
    size_kb DOUBLE,
    files INTEGER,
    first_seen_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE pre_reports (
    release_id BIGINT NOT NULL,
    feed VARCHAR NOT NULL,
    pre_at TIMESTAMPTZ NOT NULL,
    seen_at TIMESTAMPTZ NOT NULL,
    trusted BOOLEAN NOT NULL,
    flag_reason VARCHAR,           -- why an untrusted report is not used for pre_at
    category VARCHAR,
    size_kb DOUBLE,
    files INTEGER,
    genre VARCHAR,
    UNIQUE (release_id, feed, pre_at)
);

CREATE TABLE nuke_events (
    release_id BIGINT NOT NULL,
    kind VARCHAR NOT NULL CHECK (kind IN ('nuke', 'unnuke', 'modnuke', 'delpre', 'undelpre')),
    reason VARCHAR,
    network VARCHAR,
    event_at TIMESTAMPTZ NOT NULL,     -- when the network did it (`at` is reserved in SQL)
    feed VARCHAR NOT NULL,
    seen_at TIMESTAMPTZ NOT NULL,
    UNIQUE (release_id, kind, event_at, feed)
);

CREATE TABLE quarantine (
    source VARCHAR NOT NULL,
    line BIGINT,
    reason VARCHAR NOT NULL,
    raw VARCHAR,
    seen_at TIMESTAMPTZ NOT NULL
);

-- Current state of each release, derived from its whole history (never "last write wins"):
-- pre_at is the earliest trusted report; status replays nuke/unnuke/modnuke and delpre/undelpre
-- in event-time order (ties: the later kind in the list above wins).
CREATE VIEW release_state AS
WITH reports AS (
    SELECT
        release_id,
        min(pre_at) FILTER (WHERE trusted) AS pre_at,
        count(*) AS report_count,
        count(DISTINCT feed) AS feed_count
    FROM pre_reports
    GROUP BY release_id
),
ranked AS (
    SELECT
        release_id, kind, reason,
        epoch_us(event_at) * 8 + CASE kind
            WHEN 'nuke' THEN 1 WHEN 'modnuke' THEN 2 WHEN 'unnuke' THEN 3
            WHEN 'delpre' THEN 4 WHEN 'undelpre' THEN 5 END AS event_order
    FROM nuke_events
),
history AS (
    SELECT
        release_id,
        arg_max(kind, event_order) FILTER (WHERE kind IN ('nuke', 'unnuke', 'modnuke')) AS nuke_kind,
        arg_max(reason, event_order) FILTER (WHERE kind IN ('nuke', 'modnuke')) AS last_nuke_reason,
        arg_max(kind, event_order) FILTER (WHERE kind IN ('delpre', 'undelpre')) AS delete_kind,
        count(*) AS event_count
    FROM ranked
    GROUP BY release_id
)
SELECT
    r.release_id,
    r.name,
    r.group_key,
    reports.pre_at,
    CASE
        WHEN history.delete_kind = 'delpre' THEN 'deleted'
        WHEN history.nuke_kind IN ('nuke', 'modnuke') THEN 'nuked'
        ELSE 'live'
    END AS status,
    CASE WHEN history.nuke_kind IN ('nuke', 'modnuke') THEN history.last_nuke_reason END
        AS nuke_reason,
    coalesce(reports.report_count, 0) AS report_count,
    coalesce(reports.feed_count, 0) AS feed_count,
    coalesce(history.event_count, 0) AS event_count
FROM releases r
LEFT JOIN reports USING (release_id)
LEFT JOIN history USING (release_id);
