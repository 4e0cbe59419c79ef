-- The lower tiers: where and when a copy of a release was seen (P2P, Usenet, DDL, streaming,
-- IPTV). One row per (name, tier, site, seen_at): re-importing a file changes nothing.
-- release_id / title_id are the link (NULL until linked); link_method says how it was made:
-- exact, normalized, parsed (one release), title (several candidate releases, one title).
CREATE TABLE sightings (
    name VARCHAR NOT NULL,
    tier VARCHAR NOT NULL CHECK (tier IN ('p2p', 'usenet', 'ddl', 'streaming', 'iptv')),
    site VARCHAR NOT NULL,
    seen_at TIMESTAMPTZ NOT NULL,
    source VARCHAR NOT NULL,        -- the file it came from (provenance)
    line BIGINT NOT NULL,
    release_id BIGINT,
    title_id VARCHAR,
    link_method VARCHAR,
    lag_ok BOOLEAN,                 -- false: seen before its release's pre (kept out of lags)
    imported_at TIMESTAMPTZ NOT NULL,
    UNIQUE (name, tier, site, seen_at)
);

CREATE INDEX sightings_release_idx ON sightings (release_id);
