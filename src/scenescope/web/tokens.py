"""API tokens with roles (admin / analyst / viewer), kept hashed in the store.

A token reads `ss_<token_id>_<secret>`: the id finds the row, the secret is checked against
its sha256 (the secret is 256 random bits, so a plain hash is enough: nothing to brute-force).
`TokenBook` keeps the live tokens in memory so a request never waits on the store to
authenticate; creating or revoking through it updates both.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass
from typing import Any

import duckdb

TOKEN_PREFIX = "ss"


class Role(enum.IntEnum):
    """What a token may do; a higher role may do everything a lower one may."""

    viewer = 1  # the dashboards (pages)
    analyst = 2  # everything read: the API, downloads
    admin = 3  # tokens, rules, imports

    @classmethod
    def parse(cls, text: str) -> Role:
        try:
            return cls[text.strip().lower()]
        except KeyError:
            raise TokenError(
                f"unknown role {text!r}: expected one of {', '.join(r.name for r in cls)}"
            ) from None


class TokenError(ValueError):
    """A token command the user can fix (unknown role, unknown token id)."""


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """A token as listed: never the secret."""

    token_id: str
    name: str
    role: Role
    created_at: dt.datetime
    revoked_at: dt.datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "token_id": self.token_id,
            "name": self.name,
            "role": self.role.name,
            "created_at": self.created_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "active": self.active,
        }


@dataclass(frozen=True, slots=True)
class NewToken:
    """A token just created: the only time its full text exists."""

    info: TokenInfo
    token: str


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def split_token(token: str) -> tuple[str, str] | None:
    """(token_id, secret) of a well-formed token, else None."""
    parts = token.strip().split("_")
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def create_token(
    conn: duckdb.DuckDBPyConnection, role: Role | str, name: str | None = None
) -> NewToken:
    """Create a token; returns its text once (only the hash is stored)."""
    role = role if isinstance(role, Role) else Role.parse(role)
    token_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32).replace("_", "-")
    now = dt.datetime.now(dt.UTC)
    label = (name or f"{role.name}-{token_id}").strip()[:200]
    conn.execute(
        "INSERT INTO api_tokens (token_id, name, role, secret_hash, created_at) "
        "VALUES (?, ?, ?, ?, ?)",
        [token_id, label, role.name, _hash(secret), now],
    )
    info = TokenInfo(token_id, label, role, now)
    return NewToken(info, f"{TOKEN_PREFIX}_{token_id}_{secret}")


def list_tokens(conn: duckdb.DuckDBPyConnection) -> list[TokenInfo]:
    """Every token, newest first (revoked ones too)."""
    rows = conn.execute(
        "SELECT token_id, name, role, created_at, revoked_at FROM api_tokens "
        "ORDER BY created_at DESC, token_id"
    ).fetchall()
    return [
        TokenInfo(
            row[0],
            row[1],
            Role[row[2]],
            row[3].astimezone(dt.UTC),
            row[4].astimezone(dt.UTC) if row[4] else None,
        )
        for row in rows
    ]


def revoke_token(conn: duckdb.DuckDBPyConnection, token_id: str) -> TokenInfo:
    """Revoke a token by id (or by its full text); revoking twice keeps the first time."""
    wanted = split_token(token_id)
    key = wanted[0] if wanted else token_id.strip()
    found = conn.execute("SELECT count(*) FROM api_tokens WHERE token_id = ?", [key]).fetchall()
    if not found[0][0]:
        raise TokenError(f"no token with id {key!r} (see: scenescope token list)")
    conn.execute(
        "UPDATE api_tokens SET revoked_at = coalesce(revoked_at, ?) WHERE token_id = ?",
        [dt.datetime.now(dt.UTC), key],
    )
    return next(t for t in list_tokens(conn) if t.token_id == key)


class TokenBook:
    """The store's tokens held in memory for authenticating requests."""

    def __init__(self, conn: duckdb.DuckDBPyConnection) -> None:
        self._conn = conn
        self._lock = threading.Lock()
        self._active: dict[str, tuple[str, TokenInfo]] = {}
        self.reload()

    def reload(self) -> None:
        rows = self._conn.execute(
            "SELECT token_id, secret_hash FROM api_tokens WHERE revoked_at IS NULL"
        ).fetchall()
        hashes = dict(rows)
        active = {t.token_id: (hashes[t.token_id], t) for t in list_tokens(self._conn) if t.active}
        with self._lock:
            self._active = active

    def verify(self, token: str | None) -> TokenInfo | None:
        """The token's info if it is well formed, known and not revoked; else None."""
        if not token:
            return None
        parts = split_token(token)
        if parts is None:
            return None
        entry = self._active.get(parts[0])
        if entry is None:
            return None
        if not hmac.compare_digest(entry[0], _hash(parts[1])):
            return None
        return entry[1]

    def by_id(self, token_id: str) -> TokenInfo | None:
        """An active token by id (a session cookie names its token by id)."""
        entry = self._active.get(token_id)
        return entry[1] if entry else None

    def create(self, role: Role | str, name: str | None = None) -> NewToken:
        new = create_token(self._conn, role, name)
        self.reload()
        return new

    def revoke(self, token_id: str) -> TokenInfo:
        info = revoke_token(self._conn, token_id)
        self.reload()
        return info

    def list(self) -> list[TokenInfo]:
        return list_tokens(self._conn)
