-- Catalog: titles, official dates per territory and window, episodes; and release -> title matches.
-- Re-import upserts on the natural keys below, so a corrected date replaces the old one.

CREATE TABLE catalog_titles (
    title_id VARCHAR PRIMARY KEY,
    kind VARCHAR NOT NULL CHECK (kind IN ('movie', 'series')),
    title VARCHAR NOT NULL,
    year INTEGER,
    original_title VARCHAR,
    aliases VARCHAR[] NOT NULL,
    studio VARCHAR,
    updated_at TIMESTAMPTZ NOT NULL
);

-- release_window: theatrical / digital / physical / tv ("window" is an SQL keyword).
CREATE TABLE catalog_release_dates (
    title_id VARCHAR NOT NULL,
    territory VARCHAR NOT NULL,
    release_window VARCHAR NOT NULL
        CHECK (release_window IN ('theatrical', 'digital', 'physical', 'tv')),
    date DATE NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (title_id, territory, release_window)
);

-- territory is '' when the source does not say where the episode aired.
CREATE TABLE catalog_episodes (
    title_id VARCHAR NOT NULL,
    season INTEGER NOT NULL,
    episode INTEGER NOT NULL,
    territory VARCHAR NOT NULL,
    air_date DATE,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (title_id, season, episode, territory)
);

-- At most one 'matched' row per release; 'possible' rows are candidates kept for review.
-- season / episode / air_date: the episode the release was matched to (series only).
CREATE TABLE release_matches (
    release_id BIGINT NOT NULL,
    title_id VARCHAR NOT NULL,
    status VARCHAR NOT NULL CHECK (status IN ('matched', 'possible')),
    score DOUBLE NOT NULL,
    reason VARCHAR NOT NULL,
    season INTEGER,
    episode INTEGER,
    air_date DATE,
    matched_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (release_id, title_id)
);

CREATE INDEX release_matches_title_idx ON release_matches (title_id);
