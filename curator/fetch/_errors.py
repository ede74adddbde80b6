"""Error-message mapping and formatting for the fetcher: one readable line per failure."""

from __future__ import annotations

import http
import time
from collections.abc import Iterable
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from urllib.parse import SplitResult
from urllib.parse import urlsplit

import httpx

from curator.errors import BlockedAddressError
from curator.errors import FetchError
from curator.fetch import ssrf
from curator.fetch._types import _Progress


def _feed_refusal(error: BlockedAddressError, progress: _Progress, url: str) -> str:
    """The SSRF guard's refusal of a feed's redirect (or moved URL), with the feed's hint."""
    line = error.message.replace(ssrf.REFUSAL_HINT, ssrf.FEED_REFUSAL_HINT)
    target = progress.final_url
    return f"redirect to {target}: {line}" if target and target != url else line


def _split_url(url: str) -> SplitResult:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (validates the port)
    except ValueError as e:
        raise FetchError(f"invalid URL {url}: {e}", url=url) from e
    if parts.scheme.lower() in ("http", "https"):
        try:
            httpx.URL(url)  # stricter than urlsplit: 0177.0.0.1 (octal or decimal?) is refused
        except httpx.InvalidURL as e:
            raise FetchError(_not_a_url(url, e), url=url) from e
    return parts


def _not_a_url(url: str, error: Exception) -> str:
    return f"not a valid URL: {url} ({error})"


def _reason(response: httpx.Response) -> str:
    try:
        return http.HTTPStatus(response.status_code).phrase
    except ValueError:
        return response.reason_phrase


def _exception_chain(exc: BaseException) -> Iterable[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _last_message(chain: list[BaseException]) -> str:
    """The most specific non-empty message of an exception chain, first line only."""
    for link in reversed(chain):
        text = str(link).strip()
        if text:
            return text.splitlines()[0].strip()
    return type(chain[0]).__name__


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _elapsed(progress: _Progress) -> timedelta:
    return timedelta(seconds=time.perf_counter() - progress.started)


def _seconds(value: float) -> str:
    """1.5 → '1.5s', 30.0 → '30s'."""
    return f"{value:.1f}".removesuffix(".0") + "s"


def _size(value: int) -> str:
    """10_000_000 → '10 MB'."""
    for unit, factor in (("GB", 1000**3), ("MB", 1000**2), ("kB", 1000)):
        if value >= factor:
            return f"{value / factor:.1f}".removesuffix(".0") + f" {unit}"
    return f"{value} bytes"
