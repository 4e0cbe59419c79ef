-- Faster ingest and word search. The store has a single writer (DuckDB's file lock), so
-- uniqueness is kept by anti-joins inside each write transaction instead of ART indexes, which
-- cost more per inserted row than the rest of the write. Tables are rebuilt without UNIQUE /
-- PRIMARY KEY (DuckDB cannot drop them in place); rows and column order are kept.
-- name_hash (md5 of the name, stable across DuckDB versions) makes name lookups a scan of one
-- 8-byte column; release_tokens is the word index: one row per token per write batch, holding
-- the ids of the releases whose name has that token. It replaces name_key (0002/0003).

DROP VIEW release_state;

CREATE TABLE releases_v4 (
    release_id BIGINT NOT NULL,
    name VARCHAR NOT NULL,
    group_name VARCHAR,
    group_key VARCHAR,
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
    category VARCHAR,
    size_kb DOUBLE,
    files INTEGER,
    first_seen_at TIMESTAMPTZ NOT NULL,
    name_hash UBIGINT
);
INSERT INTO releases_v4
SELECT * EXCLUDE (name_key), md5_number_upper(name) FROM releases ORDER BY release_id;
DROP TABLE releases;
ALTER TABLE releases_v4 RENAME TO releases;

CREATE TABLE pre_reports_v4 (
    release_id BIGINT NOT NULL,
    feed VARCHAR NOT NULL,
    pre_at TIMESTAMPTZ NOT NULL,
    seen_at TIMESTAMPTZ NOT NULL,
    trusted BOOLEAN NOT NULL,
    flag_reason VARCHAR,
    category VARCHAR,
    size_kb DOUBLE,
    files INTEGER,
    genre VARCHAR
);
INSERT INTO pre_reports_v4 SELECT * FROM pre_reports ORDER BY release_id;
DROP TABLE pre_reports;
ALTER TABLE pre_reports_v4 RENAME TO pre_reports;

CREATE TABLE nuke_events_v4 (
    release_id BIGINT NOT NULL,
    kind VARCHAR NOT NULL CHECK (kind IN ('nuke', 'unnuke', 'modnuke', 'delpre', 'undelpre')),
    reason VARCHAR,
    network VARCHAR,
    event_at TIMESTAMPTZ NOT NULL,
    feed VARCHAR NOT NULL,
    seen_at TIMESTAMPTZ NOT NULL
);
INSERT INTO nuke_events_v4 SELECT * FROM nuke_events ORDER BY release_id;
DROP TABLE nuke_events;
ALTER TABLE nuke_events_v4 RENAME TO nuke_events;

CREATE TABLE release_tokens (
    token VARCHAR NOT NULL,
    release_ids BIGINT[] NOT NULL
);
INSERT INTO release_tokens
SELECT token, list(DISTINCT release_id ORDER BY release_id)
FROM (
    SELECT release_id,
           unnest(string_split(trim(regexp_replace(lower(name), '[^\p{L}\p{N}]+', ' ', 'g')), ' '))
               AS token
    FROM releases
)
WHERE token <> ''
GROUP BY token;

-- Same definition as in 0001 (see there): derived state, never "last write wins".
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
