"""Small helpers shared by the HTTP targets (webhook, wordpress)."""

from __future__ import annotations

import httpx

from curator.config import TargetSettings


def one_line_text(text: str) -> str:
    return " ".join(text.split()).rstrip(".")


def one_line(error: BaseException) -> str:
    """An exception as one short line (its type when it has no message)."""
    return one_line_text(str(error)) or type(error).__name__


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a target's address, or None."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as e:
        return one_line(e)
    if parsed.scheme not in ("http", "https"):
        return "not http or https"
    if not parsed.host:
        return "no host"
    return None


def target_url_problem(target: TargetSettings, kind: str) -> str | None:
    """Why the target's ``url`` option cannot be used, or None."""
    url = target.option("url")
    if not url:
        return f"{kind} target {target.name!r} has no url"
    problem = url_problem(url)
    return f"bad {kind} url {url!r}: {problem}" if problem else None


#: Sent by both HTTP targets: an answer is read raw and capped, so a compressed (possibly
#: bomb-sized) answer is never expanded, only refused.
NO_COMPRESSION = {"Accept-Encoding": "identity"}


async def read_answer(response: httpx.Response, max_bytes: int) -> bytes | None:
    """A receiver's answer as sent, or None when it is compressed (we asked for no
    compression: it is never expanded) or larger than ``max_bytes`` (not kept)."""
    if response.headers.get("content-encoding", "identity").strip().lower() != "identity":
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_raw():
        size += len(chunk)
        if size > max_bytes:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
