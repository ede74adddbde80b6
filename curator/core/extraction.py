"""Extraction use cases: `curator extract` (nothing stored) and re-extraction of stored pages."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from pathlib import Path

from curator.core import drafting
from curator.core._context import ArticleCallback
from curator.core._context import Context
from curator.core._context import get_source
from curator.core._context import make_fetcher
from curator.errors import ExtractError
from curator.extract.pipeline import extract_page
from curator.extract.pipeline import read_input
from curator.fetch import Fetcher
from curator.model import ArticleReport
from curator.model import Extraction
from curator.model import ExtractResult
from curator.model import PageRequest
from curator.model import StoredQuote

logger = logging.getLogger(__name__)


async def extract_async(ctx: Context, inputs: Sequence[str]) -> list[ExtractResult]:
    """Extract article + quotes from local files (.html/.htm/.txt, or .gz of those)
    and http(s) URLs, in input order. A failing input gets its error; the rest go on."""
    async with make_fetcher(ctx) as fetcher:
        jobs = [_extract_one(ctx, fetcher, item) for item in inputs]
        return list(await asyncio.gather(*jobs))


async def _extract_one(ctx: Context, fetcher: Fetcher, item: str) -> ExtractResult:
    if _is_web_url(item):
        # An explicit request of the user, like a browser's: robots.txt is for crawls.
        page = await fetcher.fetch_page(PageRequest(url=item, respect_robots=False))
        if page.body is None:
            return ExtractResult(input=item, error=page.error or "no content")
        extraction = await run_extraction(
            fetcher, page.body, page.final_url or page.url, page.content_type, page.charset
        )
        return ExtractResult(input=item, extraction=extraction, error=extraction.error)
    try:
        data, uri = await asyncio.to_thread(_read_local_input, item, ctx.settings.fetch.max_bytes)
    except ExtractError as e:
        return ExtractResult(input=item, error=e.message)
    content_type = "text/plain" if _is_text_name(item) else "text/html"
    extraction = await run_extraction(fetcher, data, uri, content_type, None)
    return ExtractResult(input=item, extraction=extraction, error=extraction.error)


def reextract(
    ctx: Context,
    source_ids: Sequence[str] = (),
    *,
    since: datetime | None = None,
    on_article: ArticleCallback | None = None,
) -> list[ArticleReport]:
    """Extract stored pages again (no re-fetch) and replace their quotes."""
    return asyncio.run(_reextract(ctx, source_ids, since=since, on_article=on_article))


async def _reextract(
    ctx: Context,
    source_ids: Sequence[str],
    *,
    since: datetime | None,
    on_article: ArticleCallback | None,
) -> list[ArticleReport]:
    for source_id in source_ids:
        get_source(ctx, source_id)
    ids = ctx.store.raw_page_ids(source_ids=source_ids, since=since)
    reports: list[ArticleReport] = []
    async with make_fetcher(ctx) as fetcher:
        for article_id in ids:
            raw = await asyncio.to_thread(ctx.store.get_raw_page, article_id)
            extraction = await run_extraction(
                fetcher, raw.body, raw.final_url or raw.url, raw.content_type, raw.charset
            )
            await asyncio.to_thread(
                ctx.store.save_extraction, article_id, extraction, now=ctx.clock()
            )
            # One page can be the article of several entries (#11): each draft is told.
            for entry_id in raw.entry_ids or (raw.entry_id,):
                await asyncio.to_thread(drafting._refresh_draft, ctx, entry_id, extraction)
            report = ArticleReport(
                entry_id=raw.entry_id,
                source_id=raw.source_id,
                url=raw.url,
                error=extraction.error,
                quotes=len(extraction.quotes),
            )
            reports.append(report)
            if on_article is not None:
                on_article(report)
    return reports


def list_quotes(
    ctx: Context, *, source_ids: Sequence[str] = (), speaker: str | None = None, limit: int = 100
) -> list[StoredQuote]:
    for source_id in source_ids:
        get_source(ctx, source_id)
    return ctx.store.list_quotes(source_ids=source_ids, speaker=speaker, limit=limit)


def count_articles(ctx: Context, source_id: str | None = None) -> int:
    return ctx.store.count_articles(source_id)


async def run_extraction(
    fetcher: Fetcher, body: bytes, url: str, content_type: str | None, charset: str | None
) -> Extraction:
    """extract_page in the worker pool; a crashed worker fails this page only."""
    try:
        return await fetcher.run_cpu(
            extract_page, body, url=url, content_type=content_type, charset=charset
        )
    except BrokenProcessPool:
        logger.warning("the extraction worker died on %s", url)
        return Extraction(article=None, error="the extraction worker process died")


def _is_web_url(item: str) -> bool:
    return item.lower().startswith(("http://", "https://"))


def _is_text_name(name: str) -> bool:
    return name.lower().removesuffix(".gz").endswith(".txt")


def _read_local_input(name: str, max_bytes: int) -> tuple[bytes, str]:
    """The input's bytes (gunzipped) and its file: URI."""
    path = Path(name)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ExtractError(f"file is {size:,} bytes, over the {max_bytes:,}-byte cap")
        data = path.read_bytes()
    except OSError as e:
        raise ExtractError(f"cannot read {name}: {e.strerror or e}") from e
    return read_input(data, name, max_bytes), path.resolve().as_uri()
