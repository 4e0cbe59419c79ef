-- Seized media (issue 12): cases, the media of each case with their provenance, every listed
-- entry and the listing problems. Re-adding a medium (same case and label) replaces its rows.

CREATE SEQUENCE evidence_medium_id_seq START 1;

CREATE TABLE evidence_cases (
    case_id VARCHAR PRIMARY KEY,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE evidence_media (
    medium_id BIGINT PRIMARY KEY,
    case_id VARCHAR NOT NULL,
    label VARCHAR NOT NULL,
    source_path VARCHAR NOT NULL,
    source_kind VARCHAR NOT NULL CHECK (source_kind IN ('bodyfile', 'csv', 'image')),
    tool VARCHAR NOT NULL,          -- what listed it (TSK version for images)
    source_hash VARCHAR,            -- as the examiner gave it (--hash), never computed from content
    source_bytes BIGINT,
    seized_at TIMESTAMPTZ,
    timezone VARCHAR,               -- the medium's clock zone (FAT and naive CSV times are local)
    entries BIGINT NOT NULL,
    skipped_lines BIGINT NOT NULL,
    repaired_lines BIGINT NOT NULL,
    added_at TIMESTAMPTZ NOT NULL,
    UNIQUE (case_id, label)
);

CREATE TABLE evidence_entries (
    medium_id BIGINT NOT NULL,
    path VARCHAR NOT NULL,
    size_bytes BIGINT NOT NULL,
    mtime TIMESTAMPTZ,
    atime TIMESTAMPTZ,
    ctime TIMESTAMPTZ,
    crtime TIMESTAMPTZ,
    is_dir BOOLEAN NOT NULL,
    deleted BOOLEAN NOT NULL,
    inode VARCHAR,
    mode VARCHAR,
    md5 VARCHAR,
    line BIGINT NOT NULL
);

CREATE TABLE evidence_problems (
    medium_id BIGINT NOT NULL,
    source VARCHAR NOT NULL,
    line BIGINT NOT NULL,
    reason VARCHAR NOT NULL,
    kept BOOLEAN NOT NULL,
    raw VARCHAR
);
