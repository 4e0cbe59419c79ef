-- API tokens of the web workbench (scenescope serve): only a hash of each secret is kept.
-- A token is `ss_<token_id>_<secret>`; role admin / analyst / viewer; revoked tokens stay listed.
CREATE TABLE IF NOT EXISTS api_tokens (
    token_id     VARCHAR PRIMARY KEY,
    name         VARCHAR NOT NULL,
    role         VARCHAR NOT NULL CHECK (role IN ('admin', 'analyst', 'viewer')),
    secret_hash  VARCHAR NOT NULL,       -- sha256 hex of the secret part
    created_at   TIMESTAMPTZ NOT NULL,
    revoked_at   TIMESTAMPTZ
);
