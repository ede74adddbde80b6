"""The fetch pipeline end to end (issue #3), through the facade, against real local servers.

Every test writes a sources.yaml, builds settings with `load_settings(..., env={})` and
runs `make_curator(settings)`. Servers come from tests/fetch/servers.py: no mocks of
httpx and no internet (the one DNS failure uses the reserved `.invalid` TLD).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from contextlib import contextmanager
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import pytest
from fetch.servers import FeedServer
from fetch.servers import RawServer
from fetch.servers import Reply
from fetch.servers import Seen
from fetch.servers import drip
from fetch.servers import reset
from fetch.servers import rss

import curator
from curator import Curator
from curator import FetchOutcome
from curator import SourceReport
from curator import SourceStatus
from curator.config import load_settings
from curator.core import utc_now
from curator.fetch.policy import jitter
from curator.model import EntryCounts
from curator.model import FeedEntry
from curator.model import FetchAttempt
from curator.model import SourceState
from curator.store import Store

FEEDS = Path(__file__).resolve().parent / "data" / "feeds"
CURATOR_BIN = Path(sys.executable).parent / "curator"
T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


# --- helpers ------------------------------------------------------------------------------


def feed(items: Iterable[tuple[str, str, str]], title: str = "Feed") -> bytes:
    """RSS 2.0 from (guid, title, description) triples."""
    body = "".join(
        f"<item><guid isPermaLink='false'>{guid}</guid><title>{t}</title>"
        f"<link>https://news.example/{guid}</link><description>{d}</description></item>"
        for guid, t, d in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>{title}</title><link>https://news.example/</link>{body}</channel></rss>"
    ).encode()


def write_sources(
    directory: Path,
    sources: dict[str, str],
    *,
    fetch: dict[str, str] | None = None,
    interval: str = "30m",
) -> Path:
    """A sources.yaml with one source per (id, url) and the given `fetch:` settings."""
    lines = ["fetch:"]
    for key, value in {"timeout": "5s", "connect_timeout": "2s", **(fetch or {})}.items():
        lines.append(f"  {key}: {value}")
    lines += ["defaults:", f"  interval: {interval}", "  fetch_articles: false", "sources:"]
    for source_id, url in sources.items():
        lines += [f"  - id: {source_id}", f"    url: {url}"]
    path = directory / "sources.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@contextmanager
def open_curator(
    tmp_path: Path,
    database_url: str,
    sources: dict[str, str],
    *,
    fetch: dict[str, str] | None = None,
    interval: str = "30m",
    clock: Callable[[], datetime] | None = None,
    parse_workers: int = 0,
) -> Iterator[Curator]:
    path = write_sources(tmp_path, sources, fetch=fetch, interval=interval)
    settings = load_settings(path, database_url=database_url, data_dir=tmp_path / "data", env={})
    with curator.make_curator(
        settings, parse_workers=parse_workers, clock=clock or utc_now
    ) as facade:
        facade.upgrade()
        yield facade


def by_source(reports: list[SourceReport]) -> dict[str, SourceReport]:
    ids = [r.source_id for r in reports]
    assert len(ids) == len(set(ids)), f"a source was reported twice: {ids}"
    return {r.source_id: r for r in reports}


def statuses(facade: Curator) -> dict[str, SourceStatus]:
    return {row.source_id: row for row in facade.status()}


def entry_counts(facade: Curator) -> dict[str, int]:
    return {row.source_id: row.entries for row in facade.status()}


def assert_no_duplicates(facade: Curator) -> None:
    """Every stored entry is there once: (source, key) unique, and so are guids and links."""
    entries = facade.list_entries(limit=10_000)
    assert len(entries) == facade.count_entries()
    keys = [(e.source_id, e.key) for e in entries]
    assert len(keys) == len(set(keys))


class FakeClock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now
        self.fail = False

    def __call__(self) -> datetime:
        if self.fail:
            raise RuntimeError("the clock broke")
        return self.now


class Toggle:
    """A route whose reply can be swapped between runs."""

    def __init__(self, reply: Reply) -> None:
        self.reply = reply

    def __call__(self, seen: Seen) -> Reply:
        return self.reply


# --- one run, many sources, some bad -----------------------------------------------------

GOOD = {
    "good-rss": (FEEDS / "rss20.xml", 2),
    "good-atom": (FEEDS / "atom10.xml", 2),
    "good-json": (FEEDS / "jsonfeed11.json", 2),
}

# (route, reply) for sources that must fail, and the error line each must give.
BAD_ROUTES = {
    "malformed": Reply(body=b'<?xml version="1.0"?>\n<rss><channel><title>x</titl'),
    "html": Reply(
        body=(FEEDS / "html_page.html").read_bytes(),
        headers={"Content-Type": "text/html; charset=utf-8"},
    ),
    "empty": Reply(body=b""),
    "bomb": Reply(body=(FEEDS / "billion_laughs.xml").read_bytes()),
    "too-big": Reply(body=rss("big", entries=200)),
    "error-500": Reply(500, b"oops"),
    "loop": Reply(302, headers={"Location": "/loop-back"}),
}


def test_bad_sources_each_fail_alone_and_nothing_is_lost_or_duplicated(
    tmp_path: Path, database_url: str
) -> None:
    flaky = Toggle(Reply(body=feed([("f1", "F1", "a"), ("f2", "F2", "b"), ("f3", "F3", "c")])))
    routes: dict[str, Reply | Callable[[Seen], Reply]] = {
        f"/{sid}.xml": Reply(body=path.read_bytes()) for sid, (path, _) in GOOD.items()
    }
    routes.update({f"/{sid}.xml": reply for sid, reply in BAD_ROUTES.items()})
    routes["/loop-back"] = Reply(302, headers={"Location": "/loop.xml"})
    routes["/flaky.xml"] = flaky
    routes["/cp1252.xml"] = Reply(
        body=(FEEDS / "cp1252_declared_utf8.xml").read_bytes(),
        headers={"Content-Type": "application/rss+xml; charset=utf-8"},
    )
    routes["/bomb-in-feed.xml"] = Reply(body=(FEEDS / "billion_laughs_rss.xml").read_bytes())
    with (
        FeedServer(routes) as server,
        RawServer(drip) as dripping,
        RawServer(reset) as resetting,
    ):
        sources = {sid: server.url(f"/{sid}.xml") for sid in [*GOOD, "flaky", *BAD_ROUTES]}
        sources["cp1252"] = server.url("/cp1252.xml")
        sources["bomb-in-feed"] = server.url("/bomb-in-feed.xml")
        sources["drip"] = dripping.url("/feed.xml")
        sources["reset"] = resetting.url("/feed.xml")
        sources["dns"] = "http://nonexistent.invalid/feed.xml"
        expected_errors = {
            "malformed": "malformed XML: unclosed token at line 2",
            "html": "not a feed: looks like HTML",
            "empty": "empty response body",
            "bomb": "unsafe entity declarations",
            "too-big": "response body over 8 kB cap",
            "error-500": "HTTP 500 Internal Server Error",
            "loop": f"redirect loop (back to {server.url('/loop.xml')})",
            "drip": "timed out after 1.5s",
            "reset": "connection reset by 127.0.0.1",
            "dns": "DNS lookup failed for host nonexistent.invalid",
            "flaky": "HTTP 503 Service Unavailable",
        }
        with open_curator(
            tmp_path,
            database_url,
            sources,
            fetch={"max_bytes": "8KB", "timeout": "1.5s", "connect_timeout": "1s"},
        ) as facade:
            # Run 1: the good sources and `flaky`, which works this time.
            first = by_source(facade.fetch([*GOOD, "flaky"]))
            assert {sid: (r.outcome, r.counts.new) for sid, r in first.items()} == {
                "good-rss": (FetchOutcome.OK, 2),
                "good-atom": (FetchOutcome.OK, 2),
                "good-json": (FetchOutcome.OK, 2),
                "flaky": (FetchOutcome.OK, 3),
            }
            run_one = [*GOOD, "flaky"]
            before = {sid: n for sid, n in entry_counts(facade).items() if sid in run_one}
            assert before == {"good-rss": 2, "good-atom": 2, "good-json": 2, "flaky": 3}
            stored_before = {(e.source_id, e.key, e.id) for e in facade.list_entries(limit=1000)}

            # Run 2: everything; flaky now fails.
            flaky.reply = Reply(503, b"down")
            reports = facade.fetch()
            second = by_source(reports)

            assert [r.source_id for r in reports] == list(sources)  # config order, once each
            errors = {sid: r.error for sid, r in second.items() if r.outcome is FetchOutcome.ERROR}
            assert set(errors) == set(expected_errors)
            for sid, expected in expected_errors.items():
                error = errors[sid]
                assert error is not None and "\n" not in error, (sid, error)
                if sid == "bomb":
                    assert expected in error, (sid, error)
                else:
                    assert error == expected, (sid, error)
                assert second[sid].counts.new == second[sid].counts.updated == 0

            # The good sources: stored entries unchanged, no new rows.
            for sid in GOOD:
                assert second[sid].outcome is FetchOutcome.OK
                assert (second[sid].counts.new, second[sid].counts.unchanged) == (0, 2)
            # First fetched now: the windows-1252 feed and the feed carrying a bomb.
            assert (second["cp1252"].outcome, second["cp1252"].counts.new) == (FetchOutcome.OK, 1)
            assert second["bomb-in-feed"].counts.new == 1

            after = entry_counts(facade)
            assert after == {
                **dict.fromkeys(sources, 0),
                "good-rss": 2,
                "good-atom": 2,
                "good-json": 2,
                "flaky": 3,
                "cp1252": 1,
                "bomb-in-feed": 1,
            }
            assert {sid: after[sid] for sid in before} == before
            stored_after = {(e.source_id, e.key, e.id) for e in facade.list_entries(limit=1000)}
            assert stored_before <= stored_after  # same rows, same ids: nothing re-inserted
            assert_no_duplicates(facade)

            (cp_entry,) = facade.list_entries(source_id="cp1252")
            assert cp_entry.title == "\u201cQuoted\u201d text \u2013 dash"
            (bomb_entry,) = facade.list_entries(source_id="bomb-in-feed")
            assert bomb_entry.link == "https://bomb.example/1"
            assert len(bomb_entry.title or "") < 100

            rows = statuses(facade)
            for sid in expected_errors:
                assert rows[sid].consecutive_failures == 1
                assert rows[sid].last_error == second[sid].error
            assert rows["flaky"].entries == 3 and rows["flaky"].last_success_at is not None
            assert rows["good-rss"].consecutive_failures == 0
            assert rows["good-rss"].last_error is None


# --- conditional GET and updates ---------------------------------------------------------

ETAG = '"v1"'
LAST_MODIFIED = "Mon, 05 Jan 2026 07:00:00 GMT"


def with_etag(seen: Seen) -> Reply:
    if seen.headers.get("if-none-match") == ETAG:
        return Reply(304, headers={"ETag": ETAG})
    return Reply(body=feed([("e1", "E1", "x"), ("e2", "E2", "y")]), headers={"ETag": ETAG})


def with_last_modified(seen: Seen) -> Reply:
    if seen.headers.get("if-modified-since") == LAST_MODIFIED:
        return Reply(304)
    return Reply(body=feed([("m1", "M1", "x")]), headers={"Last-Modified": LAST_MODIFIED})


def test_second_run_sends_validators_and_stores_only_changes(
    tmp_path: Path, database_url: str
) -> None:
    changing = Toggle(Reply(body=feed([("c1", "C1", "one"), ("c2", "C2", "two")])))
    routes: dict[str, Reply | Callable[[Seen], Reply]] = {
        "/etag.xml": with_etag,
        "/lm.xml": with_last_modified,
        "/changing.xml": changing,
    }
    with FeedServer(routes) as server:
        sources = {
            "etag": server.url("/etag.xml"),
            "lm": server.url("/lm.xml"),
            "changing": server.url("/changing.xml"),
        }
        with open_curator(tmp_path, database_url, sources) as facade:
            first = by_source(facade.fetch())
            assert [first[s].counts.new for s in sources] == [2, 1, 2]
            before = facade.count_entries()
            changed_before = {e.key: e for e in facade.list_entries(source_id="changing")}

            changing.reply = Reply(
                body=feed([("c1", "C1", "one, edited"), ("c2", "C2", "two"), ("c3", "C3", "new")])
            )
            second = by_source(facade.fetch())

            for sid in ("etag", "lm"):
                assert second[sid].outcome is FetchOutcome.NOT_MODIFIED
                assert second[sid].http_status == 304
                assert (second[sid].counts.new, second[sid].counts.updated) == (0, 0)
            conditional = [s for s in server.requests if s.path in ("/etag.xml", "/lm.xml")]
            assert [
                s.headers.get("if-none-match") for s in conditional if s.path == "/etag.xml"
            ] == [
                None,
                ETAG,
            ]
            assert [
                s.headers.get("if-modified-since") for s in conditional if s.path == "/lm.xml"
            ] == [None, LAST_MODIFIED]

            assert second["changing"].outcome is FetchOutcome.OK
            counts = second["changing"].counts
            assert (counts.new, counts.updated, counts.unchanged) == (1, 1, 1)
            assert facade.count_entries() == before + 1
            after = {e.key: e for e in facade.list_entries(source_id="changing")}
            assert after["c1"].summary == "one, edited"
            assert after["c1"].id == changed_before["c1"].id
            assert (after["c2"].id, after["c2"].summary) == (changed_before["c2"].id, "two")
            assert after["c3"].summary == "new"

            # A third run: 304s again, and the edited feed is now all unchanged.
            third = by_source(facade.fetch())
            assert third["etag"].outcome is FetchOutcome.NOT_MODIFIED
            assert (third["changing"].counts.new, third["changing"].counts.unchanged) == (0, 3)
            assert facade.count_entries() == before + 1
            assert_no_duplicates(facade)


def test_repeated_and_empty_guids_store_each_entry_once(tmp_path: Path, database_url: str) -> None:
    routes = {
        "/dupes.xml": Reply(body=(FEEDS / "duplicate_guids.xml").read_bytes()),
        "/empty.xml": Reply(body=(FEEDS / "empty_guids.xml").read_bytes()),
        "/same-link.xml": Reply(body=(FEEDS / "same_link_titles.xml").read_bytes()),
    }
    with FeedServer(routes) as server:
        sources = {name: server.url(f"/{name}.xml") for name in ("dupes", "empty", "same-link")}
        with open_curator(tmp_path, database_url, sources) as facade:
            first = by_source(facade.fetch())
            assert {s: r.counts.new for s, r in first.items()} == {
                "dupes": 4,
                "empty": 3,
                "same-link": 3,
            }
            links = sorted(e.link or "" for e in facade.list_entries(source_id="dupes"))
            assert links == [f"https://dupes.example/{i}" for i in (1, 2, 3, 4)]
            titles = sorted(e.title or "" for e in facade.list_entries(source_id="empty"))
            assert titles == ["A", "B", "No link no guid"]

            second = by_source(facade.fetch())
            assert {s: (r.counts.new, r.counts.updated) for s, r in second.items()} == {
                "dupes": (0, 0),
                "empty": (0, 0),
                "same-link": (0, 0),
            }
            assert entry_counts(facade) == {"dupes": 4, "empty": 3, "same-link": 3}
            assert_no_duplicates(facade)


def test_nul_and_lone_surrogates_are_cleaned_before_storing(
    tmp_path: Path, database_url: str
) -> None:
    """NUL (valid in JSON, refused by PostgreSQL text) and lone surrogates (not UTF-8)."""
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "NUL",
        "items": [
            {"id": "n1", "url": "https://nul.example/1", "title": "a\u0000b"},
            {"id": "n2", "url": "https://nul.example/2", "title": "c\ud800d"},
        ],
    }
    routes: dict[str, Reply | Callable[[Seen], Reply]] = {
        "/nul.json": Reply(
            body=json.dumps(document).encode(),
            headers={"Content-Type": "application/feed+json"},
        ),
        "/ok.xml": Reply(body=rss(entries=2)),
    }
    with FeedServer(routes) as server:
        sources = {"nul": server.url("/nul.json"), "ok": server.url("/ok.xml")}
        with open_curator(tmp_path, database_url, sources) as facade:
            reports = by_source(facade.fetch())
            assert reports["nul"].outcome is FetchOutcome.OK, reports["nul"].error
            titles = sorted(e.title or "" for e in facade.list_entries(source_id="nul"))
            assert titles == ["ab", "c\ufffdd"]
            assert facade.count_entries("ok") == 2


class _RefusingStore(Store):
    """A real store that refuses the entries of one source, as a database might: with
    them, a transaction of several sources fails as a whole."""

    def apply_fetches(
        self,
        units: Sequence[tuple[SourceState, FetchAttempt, Sequence[FeedEntry]]],
        *,
        now: datetime,
    ) -> list[EntryCounts]:
        if any(state.source_id == "refused" and entries for state, _, entries in units):
            what = "fetch of refused" if len(units) == 1 else f"fetches of {len(units)} sources"
            raise curator.StoreError(f"could not store the {what}: DataError: boom")
        return super().apply_fetches(units, now=now)


def test_a_source_the_database_refuses_fails_alone(tmp_path: Path, database_url: str) -> None:
    routes: dict[str, Reply | Callable[[Seen], Reply]] = {
        f"/{name}.xml": Reply(body=rss(entries=2, base=f"http://{name}.example"))
        for name in ("refused", "ok1", "ok2")
    }
    with FeedServer(routes) as server:
        path = write_sources(
            tmp_path, {n: server.url(f"/{n}.xml") for n in ("refused", "ok1", "ok2")}
        )
        settings = load_settings(path, database_url=database_url, env={})
        with Curator(settings, _RefusingStore(database_url), parse_workers=0) as facade:
            facade.upgrade()
            reports = by_source(facade.fetch())
            refused = reports["refused"]
            assert refused.outcome is FetchOutcome.ERROR
            assert refused.error == (
                "not stored: could not store the fetch of refused: DataError: boom"
            )
            assert {s: r.counts.new for s, r in reports.items() if s != "refused"} == {
                "ok1": 2,
                "ok2": 2,
            }
            status = statuses(facade)["refused"]
            assert status.consecutive_failures == 1
            assert status.last_error == refused.error
            assert facade.count_entries("refused") == 0


def test_every_source_is_reported_once_and_a_failing_report_stops_the_run(
    tmp_path: Path, database_url: str
) -> None:
    """Reports come from the group writer's callback: each source once, and an error in
    the caller's callback (a closed stdout) is raised, not lost in the event loop."""
    names = [f"s{i}" for i in range(12)]
    routes: dict[str, Reply | Callable[[Seen], Reply]] = {
        f"/{name}.xml": Reply(body=rss(entries=3, base=f"http://{name}.example")) for name in names
    }
    with FeedServer(routes) as server:
        sources = {name: server.url(f"/{name}.xml") for name in names}
        with open_curator(tmp_path, database_url, sources) as facade:
            done: list[str] = []
            reports = facade.fetch(on_done=lambda report: done.append(report.source_id))
            assert sorted(done) == sorted(names)
            assert {r.source_id: r.counts.new for r in reports} == dict.fromkeys(names, 3)

            def closed_stdout(report: SourceReport) -> None:
                raise BrokenPipeError("stdout is closed")

            with pytest.raises(BrokenPipeError, match="stdout is closed"):
                facade.fetch(force=True, on_done=closed_stdout)


def test_a_group_commit_the_database_refuses_keeps_the_other_sources(
    tmp_path: Path, database_url: str
) -> None:
    """Sources stored together (one transaction) are stored one by one when it fails."""
    from curator.core import refresh
    from curator.core._context import Context
    from curator.model import FeedFetch
    from curator.model import ParsedFeed

    names = ("ok1", "refused", "ok2")
    path = write_sources(tmp_path, {n: f"https://{n}.example/feed.xml" for n in names})
    settings = load_settings(path, database_url=database_url, env={})
    with _RefusingStore(database_url) as store:
        Curator(settings, store, parse_workers=0).upgrade()
        ctx = Context(settings=settings, store=store, clock=lambda: T0)
        sources = {source.id: source for source in settings.sources}
        entries = (FeedEntry(key="a", content_hash="h"), FeedEntry(key="b", content_hash="h"))
        fetches = [
            (
                sources[name],
                store.get_source_state(name),
                FeedFetch(
                    source_id=name,
                    url=sources[name].url,
                    outcome=FetchOutcome.OK,
                    http_status=200,
                    feed=ParsedFeed(entries=entries),
                    started_at=T0,
                ),
            )
            for name in names
        ]
        reports = {r.source_id: r for r in refresh._store_fetches(ctx, fetches)}
        assert {name: reports[name].counts.new for name in ("ok1", "ok2")} == {"ok1": 2, "ok2": 2}
        assert reports["refused"].outcome is FetchOutcome.ERROR
        assert reports["refused"].error == (
            "not stored: could not store the fetch of refused: DataError: boom"
        )
        assert [store.count_entries(name) for name in names] == [2, 0, 2]
        assert [len(store.list_attempts(name)) for name in names] == [1, 1, 1]


# --- gone, redirects ----------------------------------------------------------------------


def test_410_marks_the_source_gone_keeps_entries_and_stops_polling(
    tmp_path: Path, database_url: str
) -> None:
    route = Toggle(Reply(body=feed([("g1", "G1", "a"), ("g2", "G2", "b")])))
    with FeedServer({"/gone.xml": route, "/alive.xml": Reply(body=rss(entries=1))}) as server:
        sources = {"gone": server.url("/gone.xml"), "alive": server.url("/alive.xml")}
        with open_curator(tmp_path, database_url, sources) as facade:
            assert by_source(facade.fetch())["gone"].counts.new == 2
            route.reply = Reply(410, b"gone for good")

            second = by_source(facade.fetch())
            assert second["gone"].outcome is FetchOutcome.GONE
            assert second["gone"].http_status == 410
            row = statuses(facade)["gone"]
            assert (row.gone, row.entries, row.next_due_at) == (True, 2, None)

            requests_so_far = server.paths().count("/gone.xml")
            assert requests_so_far == 2
            third = by_source(facade.fetch())
            (explicit,) = facade.fetch(["gone"])
            # a gone source is reported as such at once, like a paused one, and not fetched
            assert third["gone"].outcome is FetchOutcome.GONE
            assert third["alive"].outcome is FetchOutcome.OK
            assert explicit.outcome is FetchOutcome.GONE
            assert explicit.error is not None and "--force" in explicit.error
            assert server.paths().count("/gone.xml") == requests_so_far  # no request made
            assert server.paths().count("/alive.xml") == 3
            assert statuses(facade)["gone"].gone is True
            assert facade.count_entries("gone") == 2


@pytest.mark.parametrize("permanent", [301, 308])
def test_permanent_redirect_seen_three_times_replaces_the_url_temporary_does_not(
    tmp_path: Path, permanent: int, caplog: pytest.LogCaptureFixture
) -> None:
    body = feed([("r1", "R1", "a")])
    routes = {
        "/old.xml": Reply(permanent, headers={"Location": "/new.xml"}),
        "/new.xml": Reply(body=body),
        "/temp.xml": Reply(302, headers={"Location": "/elsewhere.xml"}),
        "/elsewhere.xml": Reply(body=body),
    }
    with FeedServer(routes) as server:
        sources = {"moved": server.url("/old.xml"), "temp": server.url("/temp.xml")}
        database_url = f"sqlite:///{tmp_path / 'curator.db'}"
        with open_curator(tmp_path, database_url, sources) as facade:
            urls = []
            for _ in range(3):
                reports = by_source(facade.fetch())
                assert all(r.outcome is FetchOutcome.OK for r in reports.values())
                rows = statuses(facade)
                urls.append((rows["moved"].url, rows["temp"].url))
            old, new, temp = (server.url(p) for p in ("/old.xml", "/new.xml", "/temp.xml"))
            assert urls == [(old, temp), (old, temp), (new, temp)]
            moved_logs = [
                r.getMessage() for r in caplog.records if "moved permanently" in r.getMessage()
            ]
            assert moved_logs == [f"moved: moved permanently, now fetching {new} (was {old})"]

            server.requests.clear()
            facade.fetch()
            assert sorted(server.paths()) == ["/elsewhere.xml", "/new.xml", "/temp.xml"]
            assert statuses(facade)["temp"].url == temp
            assert entry_counts(facade) == {"moved": 1, "temp": 1}


def test_retry_after_keeps_the_source_from_being_due_before_then(tmp_path: Path) -> None:
    clock = FakeClock()
    routes = {"/busy.xml": Reply(503, b"busy", headers={"Retry-After": "7200"})}
    with FeedServer(routes) as server:
        database_url = f"sqlite:///{tmp_path / 'curator.db'}"
        with open_curator(
            tmp_path, database_url, {"busy": server.url("/busy.xml")}, interval="10m", clock=clock
        ) as facade:
            (report,) = facade.fetch()
            assert report.outcome is FetchOutcome.ERROR
            assert report.error == "HTTP 503 Service Unavailable (retry after 7200s)"
            row = statuses(facade)["busy"]
            assert row.next_due_at == T0 + timedelta(hours=2)
            clock.now = T0 + timedelta(minutes=119)
            assert facade.fetch(only_due=True) == []
            assert server.paths() == ["/busy.xml"]


# --- failures and backoff -------------------------------------------------------------------


def test_failing_source_backs_off_exponentially_up_to_max_backoff(tmp_path: Path) -> None:
    clock = FakeClock()
    broken = Toggle(Reply(500, b"no"))
    with FeedServer({"/broken.xml": broken}) as server:
        database_url = f"sqlite:///{tmp_path / 'curator.db'}"
        with open_curator(
            tmp_path,
            database_url,
            {"broken": server.url("/broken.xml")},
            fetch={"max_backoff": "1h"},
            interval="10m",
            clock=clock,
        ) as facade:
            delays = []
            for failures in range(1, 6):
                (report,) = facade.fetch(only_due=True)
                assert report.outcome is FetchOutcome.ERROR
                row = statuses(facade)["broken"]
                assert row.consecutive_failures == failures
                assert row.last_error == "HTTP 500 Internal Server Error"
                assert row.last_error_at == clock.now
                assert row.next_due_at is not None
                delays.append(row.next_due_at - clock.now)

                # Not due yet: only_due skips it without a request.
                requests = len(server.requests)
                clock.now = row.next_due_at - timedelta(seconds=1)
                assert facade.fetch(only_due=True) == []
                assert len(server.requests) == requests
                clock.now = row.next_due_at
            minutes = [d / timedelta(minutes=1) for d in delays]
            assert minutes == [10, 20, 40, 60, 60]

            # Without only_due a source is fetched even when not due.
            clock.now += timedelta(seconds=1)
            broken.reply = Reply(body=feed([("b1", "B1", "back")]))
            (report,) = facade.fetch()
            assert (report.outcome, report.counts.new) == (FetchOutcome.OK, 1)
            row = statuses(facade)["broken"]
            assert row.consecutive_failures == 0
            assert row.last_error is None
            assert row.last_success_at == clock.now
            interval = timedelta(minutes=10)
            assert row.next_due_at == clock.now + interval + jitter("broken", clock.now, interval)
