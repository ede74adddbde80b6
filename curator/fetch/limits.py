"""Per-host politeness keys and the choice of client (trusted or SSRF-guarded) per request."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from curator.fetch._types import _Get
from curator.fetch._types import _Slot


def _client_for(clients: _Slot | httpx.AsyncClient, url: str, get: _Get) -> httpx.AsyncClient:
    """The client for one request (or redirect hop) of ``get``: see the module docstring."""
    if isinstance(clients, httpx.AsyncClient):
        return clients
    if not get.guarded:
        return clients.trusted
    if get.trusted_origin is not None and _origin(url) == get.trusted_origin:
        return clients.trusted
    return clients.guarded


def _origin(url: str) -> str | None:
    """``'HTTP://Example.org/feed'`` → ``'http://example.org:80'``; None if not a URL."""
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    return f"{scheme}://{_url_host_key(url)}"


def _host_key(hostname: str, port: int | None, scheme: str) -> str:
    """Politeness limits apply per ``host:port``."""
    if port is None:
        port = 443 if scheme == "https" else 80
    return f"{hostname.lower()}:{port}"


def _url_host_key(url: str) -> str:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    return _host_key(parts.hostname or "", port, parts.scheme.lower())
