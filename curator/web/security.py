"""The web desk's guards: sessions, login, CSRF, login throttling and response headers.

- A session is a signed cookie (itsdangerous, the key in ``<data dir>/web-secret``):
  the user name, when their password last changed (a new password ends every
  session), a random session id (logout revokes it) and the CSRF token. HttpOnly,
  SameSite=Lax, Secure behind https, 12 hours at most.
- Every page but ``/static``, ``/healthz`` and ``/login`` needs a logged-in user: a GET
  is sent to the login page, anything else gets 403 and is never acted on.
- Every POST carries the session's CSRF token (form field ``csrf_token`` or header
  ``X-CSRF-Token``); without it: 403. The login form has one too (an anonymous session).
- Failed logins are throttled per user name and client address, in this process's
  memory: one ``curator web`` process serves the desk, and a restart forgets them.
"""

from __future__ import annotations

import hmac
import os
import secrets
import time
from collections.abc import Awaitable
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from threading import Lock
from typing import Final

from itsdangerous import BadSignature
from itsdangerous import URLSafeTimedSerializer
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.responses import RedirectResponse
from starlette.responses import Response
from starlette.types import ASGIApp
from starlette.types import Message
from starlette.types import Receive
from starlette.types import Scope
from starlette.types import Send

from curator import Curator

SESSION_COOKIE: Final = "curator_session"
SESSION_MAX_AGE: Final = 12 * 3600  # seconds; then log in again
CSRF_FIELD: Final = "csrf_token"
CSRF_HEADER: Final = "x-csrf-token"
#: Paths served without a session.
PUBLIC_PREFIXES: Final = ("/static/",)
PUBLIC_PATHS: Final = frozenset({"/healthz", "/login"})

# No inline script or style anywhere: the desk's own CSS and JS files only.
CONTENT_SECURITY_POLICY: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS: Final = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
}

#: Failed logins allowed (per user name and address) before they are throttled.
FREE_LOGIN_FAILURES: Final = 5
#: The wait after the first failure over the free ones; doubled with each further one.
FIRST_LOCKOUT: Final = 30.0
MAX_LOCKOUT: Final = 15 * 60.0
#: A record of failures is forgotten this long after the last one.
FORGET_FAILURES_AFTER: Final = 3600.0


def load_secret_key(data_dir: Path) -> str:
    """The key that signs sessions: ``<data dir>/web-secret``, made (0600) at first use."""
    path = data_dir / "web-secret"
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key + "\n")
    return key


@dataclass(frozen=True, slots=True)
class Session:
    """What the session cookie says. ``user`` is None before login (the login form's
    CSRF token needs a session too)."""

    csrf: str
    sid: str
    user: str | None = None
    password_changed_at: str | None = None  # ISO 8601, as the store had it at login

    @classmethod
    def anonymous(cls) -> Session:
        return cls(csrf=secrets.token_urlsafe(32), sid=secrets.token_urlsafe(16))


class SessionCodec:
    """Signs and reads session cookies; remembers the ids ended by logout."""

    def __init__(self, secret_key: str, *, https: bool) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt="curator-web-session")
        self._https = https
        self._revoked: dict[str, float] = {}  # sid → when it expires anyway
        self._lock = Lock()

    def read(self, cookie: str | None) -> Session | None:
        if not cookie:
            return None
        try:
            data = self._serializer.loads(cookie, max_age=SESSION_MAX_AGE)
        except BadSignature:
            return None
        if not isinstance(data, dict):
            return None
        try:
            session = Session(
                csrf=str(data["c"]),
                sid=str(data["i"]),
                user=None if data.get("u") is None else str(data["u"]),
                password_changed_at=data.get("p"),
            )
        except KeyError:
            return None
        with self._lock:
            if session.sid in self._revoked:
                return None
        return session

    def write(self, response: Response, request: HTTPConnection, session: Session) -> None:
        value = self._serializer.dumps(
            {
                "c": session.csrf,
                "i": session.sid,
                "u": session.user,
                "p": session.password_changed_at,
            }
        )
        response.set_cookie(
            SESSION_COOKIE,
            value,
            max_age=SESSION_MAX_AGE,
            path="/",
            httponly=True,
            samesite="lax",
            secure=self.secure(request),
        )

    def revoke(self, session: Session) -> None:
        """This session id is refused from now on (by this process)."""
        now = time.monotonic()
        with self._lock:
            self._revoked = {sid: t for sid, t in self._revoked.items() if t > now}
            self._revoked[session.sid] = now + SESSION_MAX_AGE

    def end(self, response: Response, request: HTTPConnection, session: Session) -> None:
        """Logout: the session is revoked and its cookie dropped."""
        self.revoke(session)
        response.delete_cookie(
            SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=self.secure(request)
        )

    def secure(self, request: HTTPConnection) -> bool:
        return self._https or request.url.scheme == "https"


def logged_in(user_name: str, password_changed_at: datetime) -> Session:
    """A fresh session for the user (new id and token: a session fixed before login is
    worth nothing after it)."""
    fresh = Session.anonymous()
    return replace(fresh, user=user_name, password_changed_at=password_changed_at.isoformat())


@dataclass
class _Failures:
    count: int = 0
    last: float = 0.0
    locked_until: float = 0.0


@dataclass
class LoginThrottle:
    """Failed logins per (user name, client address): after `FREE_LOGIN_FAILURES`, each
    further failure locks that pair out for twice as long (30 s, 1 min, … 15 min). A
    success clears the record. In memory: one process serves the desk."""

    clock: Callable[[], float] = time.monotonic
    _failures: dict[tuple[str, str], _Failures] = field(default_factory=dict)
    _lock: Lock = field(default_factory=Lock)

    def wait(self, name: str, address: str) -> float:
        """Seconds until ``name`` may try again from ``address`` (0: now)."""
        with self._lock:
            record = self._failures.get((name.casefold(), address))
            return 0.0 if record is None else max(0.0, record.locked_until - self.clock())

    def failed(self, name: str, address: str) -> None:
        now = self.clock()
        with self._lock:
            if len(self._failures) > 10_000:  # many names tried: forget the stale ones
                self._failures = {
                    k: v for k, v in self._failures.items() if now - v.last < FORGET_FAILURES_AFTER
                }
            record = self._failures.setdefault((name.casefold(), address), _Failures())
            if now - record.last > FORGET_FAILURES_AFTER:
                record.count = 0
            record.count += 1
            record.last = now
            over = record.count - FREE_LOGIN_FAILURES
            if over > 0:
                record.locked_until = now + min(MAX_LOCKOUT, FIRST_LOCKOUT * 2 ** (over - 1))

    def succeeded(self, name: str, address: str) -> None:
        with self._lock:
            self._failures.pop((name.casefold(), address), None)


def client_address(request: HTTPConnection) -> str:
    return request.client.host if request.client else "unknown"


class SecurityHeaders:
    """Adds the CSP and friends to every response, and ``Cache-Control: no-store`` to
    every one but the static files (pages show unpublished drafts)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope["path"]).startswith(PUBLIC_PREFIXES)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
                headers["cache-control"] = "no-cache" if static else "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


class RequireLogin:
    """Reads the session; without a logged-in user, a GET goes to /login and any other
    method is refused (403) before a handler sees it. A user removed, or whose password
    changed since the login, is logged out."""

    def __init__(self, app: ASGIApp, *, codec: SessionCodec, curator: Curator) -> None:
        self.app = app
        self.codec = codec
        self.curator = curator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope["path"])
        if path.startswith(PUBLIC_PREFIXES) or path == "/healthz":
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        session = self.codec.read(connection.cookies.get(SESSION_COOKIE))
        user = None
        if session is not None and session.user is not None:
            user = await run_in_threadpool(self.curator.get_user, session.user)
            if user is None or user.password_changed_at.isoformat() != session.password_changed_at:
                session, user = None, None
        scope.setdefault("state", {})
        scope["state"]["session"] = session
        scope["state"]["user"] = user
        if user is None and path not in PUBLIC_PATHS:
            response: Response
            if scope["method"] in ("GET", "HEAD"):
                target = path + (
                    f"?{scope['query_string'].decode('latin-1')}" if scope["query_string"] else ""
                )
                response = RedirectResponse(f"/login?next={_quote(target)}", status_code=303)
            else:
                response = PlainTextResponse("login required", status_code=403)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="/")


def safe_next(value: str | None) -> str:
    """Where to go after login: a path on this site only (never ``//host`` or a URL)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def session_of(request: Request) -> Session | None:
    session: Session | None = request.state.session
    return session


FormHandler = Callable[[Request, FormData], Awaitable[Response]]


def csrf_protected(handler: FormHandler) -> Callable[[Request], Awaitable[Response]]:
    """A POST handler that runs only with the session's CSRF token (else 403)."""

    async def endpoint(request: Request) -> Response:
        form = await request.form(max_files=0, max_fields=10_000)
        session = session_of(request)
        sent = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER)
        if (
            session is None
            or not isinstance(sent, str)
            or not hmac.compare_digest(sent.encode(), session.csrf.encode())
        ):
            return PlainTextResponse(
                "missing or wrong CSRF token; reload the page", status_code=403
            )
        return await handler(request, form)

    endpoint.__name__ = getattr(handler, "__name__", "endpoint")
    endpoint.__doc__ = handler.__doc__
    return endpoint
