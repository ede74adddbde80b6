"""The desk's pages (GET): parse the query, ask the facade, render one template."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.responses import Response

from curator import Draft
from curator import DraftError
from curator import DraftFlag
from curator import DraftState
from curator import LedgerRow
from curator import shapes
from curator.readmodels import DraftPage
from curator.readmodels import DraftQuery
from curator.readmodels import QueuePage
from curator.web.app import render
from curator.web.app import web
from curator.web.highlight import article_runs
from curator.web.security import safe_next

STATES = tuple(str(s) for s in DraftState)
FLAGS = tuple(str(f) for f in DraftFlag)


QUEUE_PAGE_SIZE = 50


class BadQuery(ValueError):
    """A query parameter the page cannot use; the message names it."""


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueFilters:
    """The queue page's query parameters, parsed."""

    states: tuple[str, ...] = ()
    source_ids: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    speaker: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    search: str | None = None
    after: int | None = None

    def query(self) -> DraftQuery:
        return DraftQuery(
            states=tuple(DraftState(s) for s in self.states),
            source_ids=self.source_ids,
            flags=tuple(DraftFlag(f) for f in self.flags),
            tags=self.tags,
            speaker=self.speaker,
            since=self.since,
            until=self.until,
            search=self.search,
        )


async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok")


async def login_page(request: Request) -> Response:
    if request.state.user is not None:
        return Response(status_code=303, headers={"location": "/"})
    return render(
        request,
        "login.html",
        {"next": safe_next(request.query_params.get("next")), "error": None, "name": ""},
    )


# --- queue ---------------------------------------------------------------------------


def _date(name: str, value: str | None, *, end: bool = False) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise BadQuery(f"{name}: not a date (YYYY-MM-DD): {value!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if end and len(value) == 10:  # a day: up to its end
        parsed += timedelta(days=1)
    return parsed


def queue_filters(request: Request) -> QueueFilters:
    params = request.query_params
    states = tuple(s for s in params.getlist("state") if s)
    for state in states:
        if state not in STATES:
            raise BadQuery(f"state: unknown state {state!r} (one of {', '.join(STATES)})")
    flags = tuple(f for f in params.getlist("flag") if f)
    for flag in flags:
        if flag not in FLAGS:
            raise BadQuery(f"flag: unknown flag {flag!r} (one of {', '.join(FLAGS)})")
    after = params.get("after") or None
    if after is not None and not after.isdigit():
        raise BadQuery(f"after: not a draft id: {after!r}")
    return QueueFilters(
        states=states,
        source_ids=tuple(s for s in params.getlist("source") if s),
        flags=flags,
        tags=tuple(t for t in params.getlist("tag") if t),
        speaker=params.get("speaker") or None,
        since=_date("since", params.get("since")),
        until=_date("until", params.get("until"), end=True),
        search=(params.get("q") or "").strip() or None,
        after=int(after) if after else None,
    )


def _bad_query(request: Request, error: BadQuery) -> Response:
    return render(request, "error.html", {"status": 400, "message": str(error)}, status_code=400)


def queue_page(request: Request, filters: QueueFilters) -> QueuePage:
    return web(request).curator.draft_queue(
        filters.query(), starting_after=filters.after, limit=QUEUE_PAGE_SIZE
    )


async def queue(request: Request) -> Response:
    try:
        filters = queue_filters(request)
    except BadQuery as e:
        return _bad_query(request, e)
    ctx = web(request)
    page = await run_in_threadpool(queue_page, request, filters)
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "after"]
    next_url = None
    if page.next_after is not None:
        next_url = "/?" + urlencode([*kept, ("after", str(page.next_after))])
    return render(
        request,
        "queue.html",
        {
            "page": page,
            "filters": filters,
            "states": STATES,
            "flags": FLAGS,
            "sources": ctx.curator.sources,
            "next_url": next_url,
            "first_url": "/?" + urlencode(kept) if filters.after else None,
            "here": str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""),
            "state_url": lambda state: (
                "/?"
                + urlencode(
                    [(k, v) for k, v in kept if k != "state"]
                    + ([("state", state)] if state else [])
                )
            ),
        },
    )


# --- one draft -----------------------------------------------------------------------


async def draft(request: Request) -> Response:
    draft_id: int = request.path_params["draft_id"]
    return await render_draft(request, draft_id)


async def render_draft(
    request: Request,
    draft_id: int,
    *,
    edit_text: str | None = None,
    edit_error: str | None = None,
    conflict: Draft | None = None,
    conflict_markdown: str | None = None,
    status_code: int = 200,
) -> Response:
    """The draft page; after a refused edit, with the editor's text kept and why (a
    stale edit also shows the newer version)."""
    ctx = web(request)

    def load() -> tuple[DraftPage, str, str | None]:
        page = ctx.curator.draft_page(draft_id)
        try:
            return page, ctx.curator.edit_markdown(page.draft), None
        except DraftError as e:
            return page, "", str(e)

    page, markdown, not_editable = await run_in_threadpool(load)
    runs = (
        article_runs(page.article_text, page.quotes, page.quote_checks) if page.article_text else []
    )
    unplaced = [
        (i, q)
        for i, q in enumerate(page.quotes)
        if page.article_text is None or not any(r.quote_index == i for r in runs)
    ]
    return render(
        request,
        "draft.html",
        {
            "page": page,
            "draft": page.draft,
            "runs": runs,
            "unplaced": unplaced,
            "markdown": markdown if edit_text is None else edit_text,
            "editing": edit_text is not None,
            "not_editable": not_editable,
            "edit_error": edit_error,
            "conflict": conflict,
            "conflict_markdown": conflict_markdown,
            "back": safe_next(request.query_params.get("back")),
        },
        status_code=status_code,
    )


# --- sources, published, voices ----------------------------------------------------


async def sources(request: Request) -> Response:
    health = await run_in_threadpool(web(request).curator.source_health)
    return render(request, "sources.html", {"health": health})


async def published(request: Request) -> Response:
    ctx = web(request)

    def load() -> dict[str, list[LedgerRow]]:
        per_target: dict[str, list[LedgerRow]] = {}
        for row in ctx.curator.publish_status():
            per_target.setdefault(row.target, []).append(row)
        return per_target

    return render(request, "published.html", {"per_target": await run_in_threadpool(load)})


async def voices(request: Request) -> Response:
    params = request.query_params
    try:
        since = _date("since", params.get("since"))
        until = _date("until", params.get("until"), end=True)
    except BadQuery as e:
        return _bad_query(request, e)
    source_id = params.get("source") or None
    ctx = web(request)
    report = await run_in_threadpool(
        lambda: ctx.curator.voices(since=since, until=until, source_id=source_id)
    )
    return render(
        request,
        "voices.html",
        {
            "report": report,
            "sources": ctx.curator.sources,
            "since": params.get("since", ""),
            "until": params.get("until", ""),
            "source_id": source_id or "",
        },
    )


async def speaker(request: Request) -> Response:
    name: str = request.path_params["speaker"]
    quotes = await run_in_threadpool(web(request).curator.speaker_quotes, name)
    return render(request, "speaker.html", {"speaker": name, "quotes": quotes})


# --- JSON (the same shapes as the CLI's --json) ----------------------------------


def _json(value: object) -> Response:
    return Response(
        json.dumps(value, ensure_ascii=False, default=_default),
        media_type="application/json",
    )


def _default(value: object) -> object:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


async def api_drafts(request: Request) -> Response:
    """A page of the queue as `curator.shapes.queue_json` (the CLI's --json shapes)."""
    try:
        filters = queue_filters(request)
    except BadQuery as e:
        return Response(
            json.dumps({"error": str(e), "status": 400}), 400, media_type="application/json"
        )
    page = await run_in_threadpool(queue_page, request, filters)
    return _json(shapes.queue_json(page))


async def api_draft(request: Request) -> Response:
    """The draft page's model as `curator.shapes.draft_page_json`."""
    draft_id: int = request.path_params["draft_id"]
    page = await run_in_threadpool(web(request).curator.draft_page, draft_id)
    return _json(shapes.draft_page_json(page))
