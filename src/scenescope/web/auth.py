"""Who is asking: bearer tokens or a signed session cookie, roles, CSRF, rate limits.

`require(role)` is the FastAPI dependency every route declares. An API call carries
`Authorization: Bearer ss_…`; a browser signs in once with a token and then carries a
session cookie (HttpOnly, SameSite=Strict, signed) naming the token, so revoking the token
ends its sessions too. A state-changing request on a session must echo the session's CSRF
token. Each token has its own rate limit.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from fastapi import Request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from scenescope.web.tokens import Role, TokenBook, TokenInfo

SESSION_COOKIE = "scenescope_session"
LOGIN_CSRF_COOKIE = "scenescope_login_csrf"
SESSION_MAX_AGE_SECONDS = 12 * 3600
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class AuthError(Exception):
    """401 (no or bad credentials), 403 (wrong role, bad CSRF) or 429 (rate limit)."""

    def __init__(self, status: int, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class Principal:
    token: TokenInfo
    via: Literal["bearer", "session"]
    csrf: str | None = None  # the session's CSRF token (None for bearer calls)

    @property
    def role(self) -> Role:
        return self.token.role


class RateLimiter:
    """A token bucket per API token: `rate` requests a second, bursts up to `burst`."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self._buckets: dict[str, tuple[float, float]] = {}  # token id -> (level, at)
        self._lock = threading.Lock()

    def take(self, key: str) -> float | None:
        """Take one request's worth; None if allowed, else seconds until the next fits."""
        if self.rate <= 0:
            return None
        now = time.monotonic()
        with self._lock:
            level, at = self._buckets.get(key, (float(self.burst), now))
            level = min(float(self.burst), level + (now - at) * self.rate)
            if level < 1.0:
                self._buckets[key] = (level, now)
                return (1.0 - level) / self.rate
            self._buckets[key] = (level - 1.0, now)
            return None


class Sessions:
    """Signed session cookies: {token id, CSRF token}."""

    def __init__(self, secret: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="scenescope-session")
        self._login = URLSafeTimedSerializer(secret, salt="scenescope-login")

    def issue(self, token_id: str) -> str:
        return self._serializer.dumps({"t": token_id, "c": secrets.token_urlsafe(24)})

    def read(self, cookie: str | None) -> tuple[str, str] | None:
        if not cookie:
            return None
        try:
            data = self._serializer.loads(cookie, max_age=SESSION_MAX_AGE_SECONDS)
        except BadSignature:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("t"), str):
            return None
        return data["t"], str(data.get("c") or "")

    def login_csrf(self) -> str:
        """A CSRF token for the sign-in form (double-submitted: cookie and field)."""
        return self._login.dumps(secrets.token_urlsafe(16))

    def login_csrf_ok(self, cookie: str | None, field: str | None) -> bool:
        if not cookie or not field or not secrets.compare_digest(cookie, field):
            return False
        try:
            self._login.loads(cookie, max_age=3600)
        except BadSignature:
            return False
        return True


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def identify(request: Request, tokens: TokenBook, sessions: Sessions) -> Principal | None:
    """The caller, from a bearer token (preferred) or the session cookie; None if neither is
    valid. Raises 401 for a bearer token that is present but wrong (say so, do not fall back)."""
    token = bearer(request)
    if token is not None:
        info = tokens.verify(token)
        if info is None:
            raise AuthError(401, "the API token is not valid (unknown, malformed or revoked)")
        return Principal(info, "bearer")
    session = sessions.read(request.cookies.get(SESSION_COOKIE))
    if session is None:
        return None
    info = tokens.by_id(session[0])
    if info is None:
        return None  # the token was revoked: the session ends with it
    return Principal(info, "session", session[1])


async def check_csrf(request: Request, principal: Principal) -> None:
    """A state-changing request on a session must carry the session's CSRF token."""
    if principal.via != "session" or request.method not in UNSAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if "form" in content_type:
            form = await request.form()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    if not sent or not principal.csrf or not secrets.compare_digest(sent, principal.csrf):
        raise AuthError(403, "the form's CSRF token is missing or stale; reload the page")


def require(role: Role) -> Callable[[Request], object]:
    """The dependency that admits callers of at least `role` (401 / 403 / 429 otherwise)."""

    async def dependency(request: Request) -> Principal:
        state = request.app.state.web
        principal = identify(request, state.tokens, state.sessions)
        if principal is None:
            raise AuthError(401, "sign in with an API token to see this")
        wait = state.limiter.take(principal.token.token_id)
        if wait is not None:
            raise AuthError(429, "too many requests for this token; slow down", retry_after=wait)
        if principal.role < role:
            raise AuthError(
                403,
                f"this needs the {role.name} role; your token ({principal.token.name}) is "
                f"{principal.role.name}",
            )
        await check_csrf(request, principal)
        request.state.principal = principal
        return principal

    return dependency
