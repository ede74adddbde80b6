"""The Curator facade: the only place that wires the stages to the store.

Each public method is one use case; the work lives in one module per stage, and read
top to bottom they are the whole pipeline:

1. ``refresh``: feeds (I/O) → decide (pure policy) → store, one transaction per
   source; then entry filters (pure) → pages (I/O, SSRF-guarded) → extract + quotes
   (pure, in the worker pool) → store, one transaction per page;
2. ``drafting``: article filters, tombstones, same-story dedup, build_draft and
   check_draft (all pure) → store;
3. ``reviewing``: the pure rules of curator.review applied with a version check;
4. ``publishing``: render (pure) → targets (I/O) → the ledger, one row per delivery;
5. ``extraction`` (`curator extract`, re-extraction) and ``status`` (read-only views).

Every module works on a ``Context`` (settings, store, clock) and imports no face.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from collections.abc import Callable
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from datetime import timedelta
from typing import TYPE_CHECKING
from typing import Self

from curator.config import Settings
from curator.config import load_settings
from curator.core import nodes
from curator.core import sources
from curator.core import status
from curator.core._context import ArticleCallback
from curator.core._context import Clock
from curator.core._context import Context
from curator.core._context import ReportCallback
from curator.core._context import get_source
from curator.core._context import make_fetcher
from curator.core._context import utc_now
from curator.core._lazy import lazy_module
from curator.model import ArticleReport
from curator.model import BulkResult
from curator.model import Draft
from curator.model import DraftEvent
from curator.model import DraftState
from curator.model import DroppedEntry
from curator.model import Entry
from curator.model import ExtractResult
from curator.model import LedgerRow
from curator.model import Node
from curator.model import PublishResult
from curator.model import Source
from curator.model import SourceChanges
from curator.model import SourceReport
from curator.model import SourceStatus
from curator.model import StoredQuote
from curator.model import User
from curator.readmodels import DraftPage
from curator.readmodels import DraftQuery
from curator.readmodels import QueuePage
from curator.readmodels import SourceHealth
from curator.readmodels import SpeakerQuote
from curator.readmodels import VoicesReport
from curator.store import Store

if TYPE_CHECKING:
    from curator.core import drafting
    from curator.core import extraction
    from curator.core import publishing
    from curator.core import reading
    from curator.core import refresh
    from curator.core import reviewing
    from curator.core import units as _units
    from curator.core import users
    from curator.core.units import Units
else:  # loaded at first use: `status` needs none of the stages (httpx, trafilatura, …)
    drafting = lazy_module("curator.core.drafting")
    extraction = lazy_module("curator.core.extraction")
    publishing = lazy_module("curator.core.publishing")
    refresh = lazy_module("curator.core.refresh")
    reading = lazy_module("curator.core.reading")
    reviewing = lazy_module("curator.core.reviewing")
    _units = lazy_module("curator.core.units")
    users = lazy_module("curator.core.users")

    def __getattr__(name: str) -> object:
        if name == "Units":
            return _units.Units
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Clock", "Curator", "Units", "make_curator", "utc_now"]


class Curator:
    """The public API: every entry point (CLI, daemon, web) goes through it.

    Each method is one use case; the work lives in the modules of this package, one
    per stage (refresh, extraction, drafting, reviewing, publishing, status).
    """

    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        clock: Clock = utc_now,
        parse_workers: int | None = None,
    ) -> None:
        self.settings = settings
        self._store = store
        self._clock = clock
        self._parse_workers = parse_workers
        self._ctx = Context(
            settings=settings, store=store, clock=clock, parse_workers=parse_workers
        )

    def close(self) -> None:
        self._store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def database_url(self) -> str:
        """The database URL with any password masked, for messages."""
        return self._store.url

    def upgrade(self) -> SourceChanges:
        """Create or migrate the database schema to the newest revision; on PostgreSQL
        also the task queue's tables (procrastinate), so one command makes them all.
        Then apply sources.yaml to it (`sync_sources`) and say what changed.

        Settings with no sources and no sources file (`default_settings`) sync nothing:
        they would mark every stored source removed.
        """
        self._store.upgrade()
        if self._store.path is None:
            # Imported here: procrastinate is needed on PostgreSQL only.
            from curator.core import tasks

            tasks.apply_schema(self.settings.database_url)
        if not self.settings.sources and not self.settings.sources_path.is_file():
            return SourceChanges()
        return self.sync_sources()

    def check_database(self) -> None:
        """Raise `NoDatabaseError` unless the database exists with the newest schema.

        Only `upgrade` creates a database: a mistyped URL must not make an empty one.
        """
        self._store.check_schema()

    def single_node_lock(
        self,
        kind: str,
        *,
        wait: bool = False,
        on_wait: Callable[[int | None], None] | None = None,
    ) -> AbstractContextManager[None]:
        """Hold the lock ``kind`` ("fetch", "daemon") of this database, on SQLite.

        Another holder: `BusyError` ("another fetch is running (pid N)"), or with
        ``wait`` call ``on_wait(pid)`` and wait for it. The kernel drops the lock when
        its holder dies. A no-op on PostgreSQL, where the database coordinates work.
        """
        return self._store.single_node_lock(kind, wait=wait, on_wait=on_wait)

    @property
    def sources(self) -> tuple[Source, ...]:
        return self.settings.sources

    def get_source(self, source_id: str) -> Source:
        return get_source(self._ctx, source_id)

    def sync_sources(self) -> SourceChanges:
        """Apply sources.yaml to the database and say what changed.

        `curator sources sync`, `curator db upgrade` and the daemon (at start and on
        SIGHUP) call it; fetch and status do not, so the database holds the sources.
        A source no longer in the file is kept with its entries, marked removed and
        disabled.
        """
        return sources.sync_sources(self._ctx)

    @contextlib.asynccontextmanager
    async def units(self) -> AsyncIterator[Units]:
        """The pipeline one item at a time (refresh one source, fetch one page, curate
        one entry), sharing one fetcher: what the daemon and task workers run."""
        async with make_fetcher(self._ctx) as fetcher:
            yield _units.Units(self._ctx, fetcher)

    async def run_worker(
        self,
        *,
        concurrency: int,
        stop: asyncio.Event | None = None,
        node: str | None = None,
        tick: timedelta | None = None,
        heartbeat: timedelta | None = None,
        stalled_after: timedelta | None = None,
    ) -> None:
        """Run the pipeline as a task worker on PostgreSQL until ``stop`` is set (or the
        coroutine is cancelled); then the running jobs finish. Several workers (on
        several machines) share the work: each source, page and entry is one job, never
        run twice at once; a dead worker's jobs are retried once its heartbeat lapses.

        ``concurrency`` jobs run at once; ``tick`` is how often the due sources are
        queued (dividing a minute or an hour, default 1 min); a worker sends its
        heartbeat every ``heartbeat`` (10 s) and is dead after ``stalled_after`` (30 s).
        `StoreError` on SQLite, where one daemon runs the ticks itself.
        """
        from curator.core import tasks

        options = tasks.WorkerOptions(
            concurrency=concurrency,
            node=node,
            tick=tick or tasks.DEFAULT_TICK,
            heartbeat=heartbeat or tasks.DEFAULT_HEARTBEAT,
            stalled_after=stalled_after or tasks.DEFAULT_STALLED_AFTER,
        )
        await tasks.run_worker(self._ctx, options, stop)

    # --- refresh ---------------------------------------------------------------

    def fetch(
        self,
        source_ids: Sequence[str] = (),
        *,
        only_due: bool = False,
        force: bool = False,
        on_report: ReportCallback | None = None,
        on_article: ArticleCallback | None = None,
        on_done: ReportCallback | None = None,
    ) -> list[SourceReport]:
        """Fetch the given sources (default: every enabled one) and store their entries,
        then fetch, extract and store the article pages of new entries (with their quotes).

        Like the daemon, a source paused after a failure (Retry-After, backoff) or gone
        (410) is not fetched but reported as PAUSED or GONE, unless ``force``.

        ``on_report`` is called with each source's report once its feed is stored;
        ``on_done`` with its final report (articles and quotes counted) as soon as its
        article pages are stored too, so a run that is killed has reported what it did.
        """
        return asyncio.run(
            self.fetch_async(
                source_ids,
                only_due=only_due,
                force=force,
                on_report=on_report,
                on_article=on_article,
                on_done=on_done,
            )
        )

    async def fetch_async(
        self,
        source_ids: Sequence[str] = (),
        *,
        only_due: bool = False,
        force: bool = False,
        on_report: ReportCallback | None = None,
        on_article: ArticleCallback | None = None,
        on_done: ReportCallback | None = None,
    ) -> list[SourceReport]:
        return await refresh.fetch_async(
            self._ctx,
            source_ids,
            only_due=only_due,
            force=force,
            on_report=on_report,
            on_article=on_article,
            on_done=on_done,
        )

    def retry_articles(
        self,
        source_ids: Sequence[str] = (),
        entry_ids: Sequence[int] = (),
        *,
        all_failed: bool = False,
    ) -> int:
        """Make the article pages that failed permanently (``all_failed``: every failed
        one) due again now, with a fresh series of tries; returns how many."""
        return refresh.retry_articles(self._ctx, source_ids, entry_ids, all_failed=all_failed)

    # --- extraction ------------------------------------------------------------

    def extract(self, inputs: Sequence[str]) -> list[ExtractResult]:
        """Extract article + quotes from local files (.html/.htm/.txt, or .gz of those)
        and http(s) URLs, in input order. A failing input gets its error; the rest go on."""
        return asyncio.run(self.extract_async(inputs))

    async def extract_async(self, inputs: Sequence[str]) -> list[ExtractResult]:
        return await extraction.extract_async(self._ctx, inputs)

    def reextract(
        self,
        source_ids: Sequence[str] = (),
        *,
        since: datetime | None = None,
        on_article: ArticleCallback | None = None,
    ) -> list[ArticleReport]:
        """Extract stored pages again (no re-fetch) and replace their quotes."""
        return extraction.reextract(self._ctx, source_ids, since=since, on_article=on_article)

    def list_quotes(
        self, *, source_ids: Sequence[str] = (), speaker: str | None = None, limit: int = 100
    ) -> list[StoredQuote]:
        return extraction.list_quotes(
            self._ctx, source_ids=source_ids, speaker=speaker, limit=limit
        )

    def count_articles(self, source_id: str | None = None) -> int:
        return extraction.count_articles(self._ctx, source_id)

    # --- drafting --------------------------------------------------------------

    def curate(self, source_ids: Sequence[str] = ()) -> list[Draft]:
        """Make a draft of every extracted article that has none (one per story):
        filters drop what they must (with the reason), the same story from another
        source is credited as "also reported by" instead of drafted again."""
        return drafting.curate(self._ctx, source_ids)

    def list_dropped(self, source_ids: Sequence[str] = (), limit: int = 100) -> list[DroppedEntry]:
        return drafting.list_dropped(self._ctx, source_ids, limit)

    # --- reviewing -------------------------------------------------------------

    def list_drafts(
        self,
        *,
        states: Sequence[DraftState] = (),
        source_ids: Sequence[str] = (),
        since: datetime | None = None,
        limit: int = 100,
    ) -> list[Draft]:
        return reviewing.list_drafts(
            self._ctx, states=states, source_ids=source_ids, since=since, limit=limit
        )

    def get_draft(self, draft_id: int) -> Draft:
        return reviewing.get_draft(self._ctx, draft_id)

    def draft_markdown(self, draft_id: int) -> str:
        return reviewing.draft_markdown(self._ctx, draft_id)

    def draft_history(self, draft_id: int) -> list[DraftEvent]:
        return reviewing.draft_history(self._ctx, draft_id)

    def edit_markdown(self, draft: Draft) -> str:
        """What `draft_markdown` gives, made from the draft in hand (no read: the web's
        draft page has it already); `InvalidTransitionError` when it may not be edited
        now, as `check_editable`."""
        from curator.curate import render_markdown
        from curator.review import check_editable

        check_editable(draft)
        return render_markdown(draft)

    def check_editable(self, draft_id: int) -> Draft:
        """The draft, if it may be edited now; InvalidTransitionError otherwise (a
        rejected draft: reopen it first). Faces ask before they open an editor."""
        return reviewing.check_editable(self._ctx, draft_id)

    def approve(
        self,
        draft_id: int,
        *,
        by: str,
        note: str | None = None,
        force: bool = False,
        version: int | None = None,
    ) -> Draft:
        """Approve a draft. ``version`` (default: the current one) guards against
        approving something another reviewer changed meanwhile. A flagged draft needs
        ``force`` and a ``note``: the override is kept, and it is published under it."""
        return reviewing.approve(
            self._ctx, draft_id, by=by, note=note, force=force, version=version
        )

    def approve_many(
        self, draft_ids: Sequence[int], *, by: str, note: str | None = None
    ) -> list[BulkResult]:
        """Approve each draft (no force): one result per id, a refusal stops nothing."""
        return reviewing.approve_many(self._ctx, draft_ids, by=by, note=note)

    def reject_many(
        self, draft_ids: Sequence[int], *, by: str, note: str | None = None
    ) -> list[BulkResult]:
        """Reject each draft: one result per id, a refusal stops nothing."""
        return reviewing.reject_many(self._ctx, draft_ids, by=by, note=note)

    def reject(
        self, draft_id: int, *, by: str, note: str | None = None, version: int | None = None
    ) -> Draft:
        """Reject a draft; its story stays gone when the feed shows it again."""
        return reviewing.reject(self._ctx, draft_id, by=by, note=note, version=version)

    def reopen(self, draft_id: int, *, by: str, note: str | None = None) -> Draft:
        return reviewing.reopen(self._ctx, draft_id, by=by, note=note)

    def edit_draft(
        self,
        draft_id: int,
        markdown: str,
        *,
        by: str,
        note: str | None = None,
        version: int | None = None,
    ) -> Draft:
        """Replace a draft's content with an edited Markdown version.

        ``version`` (else the front matter's) is the one the edit was based on: an edit
        of a draft that changed meanwhile is refused (StaleVersionError; its
        ``current`` is the draft as it is now). Flags (verbatim check, budget) are
        computed again on the new content. A published draft becomes a correction:
        back to new, its post online as it was until it is approved and published."""
        return reviewing.edit_draft(
            self._ctx, draft_id, markdown, by=by, note=note, version=version
        )

    def accept_proposed(self, draft_id: int, *, by: str) -> Draft:
        """Take the machine's new version of a draft whose source changed."""
        return reviewing.accept_proposed(self._ctx, draft_id, by=by)

    # --- publishing ------------------------------------------------------------

    def publish(self, targets: Sequence[str] = (), *, dry_run: bool = False) -> list[PublishResult]:
        """Publish approved drafts (and changed published ones) to the targets; each
        post goes to each target once, again only when its content changed."""
        return publishing.publish(self._ctx, targets, dry_run=dry_run)

    def unpublish(
        self,
        draft_id: int,
        targets: Sequence[str] = (),
        *,
        by: str,
        note: str | None = None,
    ) -> list[PublishResult]:
        """Take a post down everywhere it is (or from the given targets); online nowhere,
        the draft is withdrawn. The history says who took it down from where."""
        return publishing.unpublish(self._ctx, draft_id, targets, by=by, note=note)

    def republish(
        self,
        draft_id: int,
        *,
        by: str,
        note: str | None = None,
        force: bool = False,
        version: int | None = None,
    ) -> Draft:
        """A withdrawn draft approved again (state approved): the next `publish` puts it
        back on every target. Blocking flags need ``force`` and a note, as approve."""
        return reviewing.republish(
            self._ctx, draft_id, by=by, note=note, force=force, version=version
        )

    def publish_status(self) -> list[LedgerRow]:
        return publishing.publish_status(self._ctx)

    # --- read models (the web desk, `drafts list`) ---------------------------------

    def draft_queue(
        self,
        query: DraftQuery | None = None,
        *,
        starting_after: int | None = None,
        limit: int = 50,
        with_checks: bool = False,
    ) -> QueuePage:
        """Drafts matching ``query``, newest first, ``limit`` at a time: pass a page's
        ``next_after`` as ``starting_after`` for the next one (keyset paging). With
        the counts per state (the query without its states). ``query.search`` is the
        database's full-text search over headline, summary and quotes. Reads only.
        ``with_checks``: also why each flagged draft is flagged (reads its article)."""
        return reading.draft_queue(
            self._ctx,
            query or DraftQuery(),
            starting_after=starting_after,
            limit=limit,
            with_checks=with_checks,
        )

    def draft_page(self, draft_id: int) -> DraftPage:
        """The draft with why it is flagged, its article text, every extracted quote
        (offsets, speaker, confidence) with the checks it failed, its history, where
        it went (ledger) and its copying budget. Reads only."""
        return reading.draft_page(self._ctx, draft_id)

    def source_health(self, source_id: str | None = None) -> list[SourceHealth]:
        """Per source (or one): its status, latest failed article pages and the
        entries its filters dropped, with why. Reads only."""
        return reading.source_health(self._ctx, source_id)

    def voices(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        source_id: str | None = None,
        limit: int = 100,
    ) -> VoicesReport:
        """Who gets quoted in the drafts (not rejected) made in a period: speakers by
        number of quotes, per source, and the quotes with no known speaker."""
        return reading.voices(self._ctx, since=since, until=until, source_id=source_id, limit=limit)

    def speaker_quotes(self, speaker: str, *, limit: int = 200) -> list[SpeakerQuote]:
        """A speaker's quotes with their drafts, newest first."""
        return reading.speaker_quotes(self._ctx, speaker, limit=limit)

    # --- status ----------------------------------------------------------------

    def status(self) -> list[SourceStatus]:
        """Per source: counts, last success/error, failures, next due, gone."""
        return status.status(self._ctx)

    def list_entries(self, *, source_id: str | None = None, limit: int = 100) -> list[Entry]:
        return status.list_entries(self._ctx, source_id=source_id, limit=limit)

    def count_entries(self, source_id: str | None = None) -> int:
        return status.count_entries(self._ctx, source_id)

    # --- nodes (running daemons) ----------------------------------------------------

    def register_node(self, work: str = "starting") -> Node:
        """Add this process's heartbeat row (host, pid, started); `curator status` lists
        it while `heartbeat` keeps it fresh. Rows of long-dead nodes are deleted."""
        return nodes.register_node(self._ctx, work)

    def heartbeat(self, node: Node, work: str) -> None:
        """This node is alive with ``work`` in hand (every `nodes.HEARTBEAT_EVERY`)."""
        nodes.heartbeat(self._ctx, node, work)

    def unregister_node(self, node: Node) -> None:
        nodes.unregister_node(self._ctx, node)

    def running_nodes(self) -> list[Node]:
        """Nodes whose heartbeat is recent (a killed one drops out within a minute)."""
        return nodes.running_nodes(self._ctx)

    # --- users (the web desk) -----------------------------------------------------

    def add_user(self, name: str, password: str) -> User:
        """Add a web desk user (argon2id hash); `UserError` for a bad or taken name or a
        password under 8 characters."""
        return users.add_user(self._ctx, name, password)

    def set_password(self, name: str, password: str) -> None:
        users.set_password(self._ctx, name, password)

    def remove_user(self, name: str) -> None:
        users.remove_user(self._ctx, name)

    def list_users(self) -> list[User]:
        return users.list_users(self._ctx)

    def get_user(self, name: str) -> User | None:
        return users.get_user(self._ctx, name)

    def verify_login(self, name: str, password: str) -> User:
        """The user when the password is theirs; `LoginError` (saying neither which nor
        faster for an unknown name) otherwise."""
        return users.verify_login(self._ctx, name, password)


def make_curator(
    settings: Settings | None = None,
    *,
    sources_path: str | None = None,
    database_url: str | None = None,
    data_dir: str | None = None,
    clock: Clock = utc_now,
    parse_workers: int | None = None,
) -> Curator:
    """Build a Curator from settings (or from sources.yaml and CURATOR_* env vars)."""
    if settings is None:
        settings = load_settings(sources_path, database_url=database_url, data_dir=data_dir)
    store = Store(settings.database_url)
    return Curator(settings, store, clock=clock, parse_workers=parse_workers)
