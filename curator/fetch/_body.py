"""Reading responses: file: URLs, discarded bodies, redirects, Retry-After and page results."""

from __future__ import annotations

import asyncio
import email.utils
import mimetypes
import os
from datetime import UTC
from datetime import timedelta
from urllib.parse import urlsplit
from urllib.request import url2pathname

import httpx

from curator.errors import FetchError
from curator.errors import ResponseTooLargeError
from curator.fetch import pages
from curator.fetch._errors import _elapsed
from curator.fetch._errors import _seconds
from curator.fetch._errors import _size
from curator.fetch._errors import _utcnow
from curator.fetch._types import _Download
from curator.fetch._types import _Progress
from curator.model import PageFetch
from curator.model import PageRequest

#: Unwanted bodies (redirects, errors) up to this size are read so the connection is reused.
_DISCARD_LIMIT = 64 * 1024


def _page_result(request: PageRequest, progress: _Progress, download: _Download) -> PageFetch:
    status = download.status
    content_type = download.content_type
    if content_type is None and download.final_url.startswith("file:"):
        content_type = mimetypes.guess_type(download.final_url, strict=False)[0]
    body: bytes | None = None
    if 200 <= status < 300:
        error = pages.refusal(content_type, download.body)
        body = download.body if error is None else None
    else:
        error = f"HTTP {status} {download.reason}".rstrip()
        if download.retry_after is not None:
            error += f" (retry after {_seconds(download.retry_after.total_seconds())})"
    return PageFetch(
        url=request.url,
        entry_id=request.entry_id,
        source_id=request.source_id,
        final_url=download.final_url,
        http_status=status,
        content_type=pages.media_type(content_type),
        charset=pages.charset(content_type),
        body=body,
        error=error,
        retry_after=download.retry_after if error is not None else None,
        started_at=progress.started_at,
        duration=_elapsed(progress),
    )


def _page_failed(
    request: PageRequest,
    progress: _Progress,
    error: str,
    *,
    retry_after: timedelta | None = None,
) -> PageFetch:
    return PageFetch(
        url=request.url,
        entry_id=request.entry_id,
        source_id=request.source_id,
        final_url=progress.final_url,
        http_status=progress.status,
        error=error,
        retry_after=retry_after,
        started_at=progress.started_at,
        duration=_elapsed(progress),
    )


async def _read_file(url: str, cap: int, if_modified_since: str | None = None) -> _Download:
    """A file:// URL: 200 with the file's mtime as Last-Modified, or 304 when unchanged."""
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise FetchError(f"file URL on another host: {url}", url=url)
    path = url2pathname(parts.path)

    def read() -> _Download:
        stat = os.stat(path)
        last_modified = email.utils.formatdate(stat.st_mtime, usegmt=True)
        if if_modified_since == last_modified:
            return _Download(
                status=304,
                reason="Not Modified",
                final_url=url,
                last_modified=last_modified,
            )
        if stat.st_size > cap:
            raise ResponseTooLargeError(f"file over {_size(cap)} cap", url=url)
        with open(path, "rb") as f:
            body = f.read(cap + 1)
        if len(body) > cap:
            raise ResponseTooLargeError(f"file over {_size(cap)} cap", url=url)
        return _Download(
            status=200, reason="OK", final_url=url, last_modified=last_modified, body=body
        )

    return await asyncio.to_thread(read)


async def _discard_body(response: httpx.Response) -> None:
    """Read a small unwanted body, so the connection goes back to the pool (a 304 too)."""
    size = 0
    async for chunk in response.aiter_raw():
        size += len(chunk)
        if size > _DISCARD_LIMIT:
            break  # closing the response closes the connection: cheaper than reading on


def _redirect_target(base: httpx.URL, location: str, current: str) -> str:
    try:
        target = base.join(location.strip()).copy_with(fragment=None)
    except httpx.InvalidURL as e:
        raise FetchError(f"invalid redirect location {location!r}", url=current) from e
    if target.scheme not in ("http", "https"):
        raise FetchError(f"redirect to unsupported URL {target}", url=current)
    return str(target)


def _retry_after(response: httpx.Response) -> timedelta | None:
    """Retry-After as delay-seconds or an HTTP date; None when absent or unreadable."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(when - _utcnow(), timedelta(0))
