"""robots.txt rules (RFC 9309) for article pages, parsed by protego: pure, no I/O.

The Fetcher fetches ``/robots.txt`` once per origin (scheme, host, port) per lifetime
and turns the answer into `RobotsRules` with `rules_from_response`:

- 2xx: the file's rules, for our product token `ROBOTS_TOKEN` (only the first
  `ROBOTS_MAX_BYTES` are read, the minimum RFC 9309 asks parsers to handle);
- 4xx ("unavailable"): everything is allowed;
- 5xx, 429 and network errors ("unreachable"): everything is disallowed, for this
  run (the Fetcher's lifetime): the next run asks again.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

from protego import Protego

#: The product token robots.txt groups are matched against (``User-agent: curator``).
ROBOTS_TOKEN = "curator"
#: How much of a robots.txt is read; the rest is ignored (RFC 9309 §2.5: at least 500 KiB).
ROBOTS_MAX_BYTES = 500 * 1024
DISALLOWED = "disallowed by robots.txt"


@dataclass(frozen=True, slots=True)
class RobotsRules:
    """What one origin's robots.txt allows. ``refusal`` set: every path is refused with it."""

    parser: Protego | None = None
    refusal: str | None = None

    def check(self, url: str) -> str | None:
        """Why ``url`` may not be fetched (one line), or None when it may."""
        if self.refusal is not None:
            return self.refusal
        if self.parser is None or self.parser.can_fetch(url, ROBOTS_TOKEN):
            return None
        return DISALLOWED


ALLOW_ALL = RobotsRules()


def unreachable(why: str) -> RobotsRules:
    """robots.txt could not be fetched (5xx, network error): disallow everything."""
    return RobotsRules(refusal=f"{DISALLOWED} (it could not be fetched: {why})")


def rules_from_response(status: int, reason: str, body: bytes | None) -> RobotsRules:
    """The rules an HTTP answer to ``GET /robots.txt`` (after redirects) means."""
    if 200 <= status < 300:
        text = (body or b"").removeprefix(codecs.BOM_UTF8).decode("utf-8", errors="replace")
        return RobotsRules(parser=Protego.parse(text))
    if status == 429 or status >= 500:
        return unreachable(f"HTTP {status} {reason}".rstrip())
    return ALLOW_ALL


def robots_url(url: str) -> str:
    """``https://example.org:8443/a/b?c`` → ``https://example.org:8443/robots.txt``."""
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if ":" in netloc:
        netloc = f"[{netloc}]"
    if parts.port is not None:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme.lower(), netloc, "/robots.txt", "", ""))
