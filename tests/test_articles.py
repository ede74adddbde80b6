"""Articles and quotes end to end (issue #4), through the facade, against real local servers.

A feed on a local `FeedServer` links to article pages on the same server; `fetch()`
stores the entries, fetches each new entry's page, extracts it and stores the article
and its quotes. The pages are invented (tests/data/pages/). Servers are on 127.0.0.1,
which the SSRF guard refuses for article links unless `fetch.allow_private_networks`
is on, so every test that expects pages to be read turns it on, and one test checks
the refusal with it off. No mocks of httpx, no internet.
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Mapping
from contextlib import contextmanager
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
import yaml
from fetch.servers import FeedServer
from fetch.servers import Reply
from fetch.servers import rss

import curator
from curator import Curator
from curator import FetchOutcome
from curator import NotFoundError
from curator import SourceReport
from curator.config import load_settings
from curator.extract.pipeline import EXTRACTION_VERSION
from curator.model import StoredQuote
from curator.store import tables

REPO = Path(__file__).resolve().parent.parent
PAGES = Path(__file__).resolve().parent / "data" / "pages"
HTML = {"Content-Type": "text/html; charset=utf-8"}
HINT = "(article links may not reach private networks; see fetch.allow_private_networks)"
LOCAL: dict[str, Any] = {"allow_private_networks": True}

# (text, speaker, speaker_kind, kind, cue, outlet), in the order of the article body.
QuoteRow = tuple[str, str | None, str, str, str | None, str | None]

DEPOT_QUOTES: list[QuoteRow] = [
    (
        "talks have been difficult",
        "A Harbour Workers Union spokesperson",
        "role",
        "partial",
        "told",
        "The Ledger",
    ),
    (
        "we were told that no visitors will be allowed this month",
        "A Harbour Workers Union spokesperson",  # "she", resolved
        "role",
        "partial",
        "said",
        "The Ledger",  # "said in an email to The Ledger"
    ),
    (
        "continues to be concerned",
        "A spokesperson for the Coastal Border Agency",
        "role",
        "partial",
        "told",
        "The Ledger",
    ),
    (
        "serious",
        "A spokesperson for the Coastal Border Agency",
        "role",
        "partial",
        "calling",
        "The Ledger",
    ),
    (
        "As records are confidential, we are unable to discuss individual cases.",
        "A spokesperson for the Coastal Border Agency",  # "The spokesperson", resolved
        "role",
        "direct",
        "saying",
        None,
    ),
    ("cannot be ignored", "Commissioner Jane Roe", "person", "partial", "said", None),
]
NIGHT_SHIFT_QUOTES: list[QuoteRow] = [
    (
        "We have asked for a fair rota for two years and we are still waiting",
        "Olga Brandt",
        "person",
        "direct",
        "said",
        None,
    ),
    (
        "The port cannot run at night without the people who load the ships",
        "the committee",
        "organization",
        "direct",
        "said",
        None,
    ),
    (
        "they would meet the committee before the end of the month",
        "The port’s owners",
        "role",
        "indirect",
        "said",
        None,
    ),
]
MARKUP_QUOTES: list[QuoteRow] = [
    (
        "Print [bold red]x[/] and <script>alert(1)</script> exactly as written",
        "Ivo Tamm",
        "person",
        "direct",
        "said",
        None,
    ),
    (
        "the report would be read by the end of the week by the whole team",
        "The harbour office",
        "organization",
        "indirect",
        "said",
        None,
    ),
]


# --- helpers ----------------------------------------------------------------------------


def page(name: str, **headers: str) -> Reply:
    """A file of tests/data/pages served as text/html."""
    return Reply(body=(PAGES / name).read_bytes(), headers={**HTML, **headers})


def feed_linking(server: FeedServer, *paths: str, title: str = "Feed") -> bytes:
    """RSS 2.0 whose entries link to these paths on `server` (one entry per path)."""
    items = "".join(
        f"<item><title>Story {i}</title><link>{server.url(path)}</link>"
        f"<guid isPermaLink='false'>{title}-{i}</guid></item>"
        for i, path in enumerate(paths)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>{title}</title><link>{server.base_url}/</link>{items}</channel></rss>"
    ).encode()


def write_sources(
    directory: Path,
    sources: list[dict[str, Any]],
    *,
    fetch: Mapping[str, Any] | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> Path:
    document: dict[str, Any] = {
        "fetch": {"timeout": "5s", "connect_timeout": "2s", **(fetch or {})}
    }
    if defaults:
        document["defaults"] = dict(defaults)
    document["sources"] = sources
    path = directory / "sources.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


@contextmanager
def open_facade(
    tmp_path: Path,
    database_url: str,
    sources: list[dict[str, Any]],
    *,
    fetch: Mapping[str, Any] | None = None,
    defaults: Mapping[str, Any] | None = None,
    parse_workers: int = 0,
) -> Iterator[Curator]:
    path = write_sources(tmp_path, sources, fetch=fetch, defaults=defaults)
    settings = load_settings(path, database_url=database_url, data_dir=tmp_path / "data", env={})
    with curator.make_curator(settings, parse_workers=parse_workers) as facade:
        facade.upgrade()
        yield facade


def by_source(reports: list[SourceReport]) -> dict[str, SourceReport]:
    ids = [r.source_id for r in reports]
    assert len(ids) == len(set(ids)), ids
    return {r.source_id: r for r in reports}


def article_rows(database_url: str) -> dict[str, Any]:
    """Every stored article row, by the URL it was fetched from (read with SQLAlchemy)."""
    engine = sqlalchemy.create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sqlalchemy.select(tables.articles)).all()
    finally:
        engine.dispose()
    result = {row.url: row for row in rows}
    assert len(result) == len(rows), "two article rows for one URL"
    return result


def tamper_with_quotes(database_url: str) -> None:
    """Make the stored quotes wrong: reextract must put the right ones back."""
    engine = sqlalchemy.create_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(sqlalchemy.update(tables.quotes).values(speaker="tampered"))
            conn.execute(sqlalchemy.delete(tables.quotes).where(tables.quotes.c.position == 0))
    finally:
        engine.dispose()


def row_of(quote: StoredQuote) -> QuoteRow:
    q = quote.quote
    return (q.text, q.speaker, str(q.speaker_kind), str(q.kind), q.cue, q.outlet)


def quotes_by_link(facade: Curator, source_id: str | None = None) -> dict[str, list[QuoteRow]]:
    """Stored quotes per entry link, in body order."""
    links = {e.id: e.link or "" for e in facade.list_entries(limit=1000)}
    stored = facade.list_quotes(source_ids=[source_id] if source_id else (), limit=1000)
    grouped: dict[str, list[StoredQuote]] = {}
    for quote in stored:
        grouped.setdefault(links[quote.entry_id], []).append(quote)
    return {
        link: [row_of(q) for q in sorted(quotes, key=lambda q: q.quote.start)]
        for link, quotes in grouped.items()
    }


def assert_offsets_index_the_body(database_url: str, facade: Curator) -> None:
    """Every stored quote is the slice [start:end] of its stored article body."""
    bodies = {row.id: row.text for row in article_rows(database_url).values()}
    quotes = facade.list_quotes(limit=1000)
    assert quotes
    for quote in quotes:
        body = bodies[quote.article_id]
        assert body[quote.quote.start : quote.quote.end] == quote.quote.text


# --- the happy path ---------------------------------------------------------------------


def test_fetch_stores_entries_articles_and_exactly_the_expected_quotes(
    tmp_path: Path, database_url: str
) -> None:
    with FeedServer() as server:
        server.routes.update(
            {
                "/ledger.xml": Reply(
                    body=feed_linking(server, "/0.html", "/1.html", title="ledger")
                ),
                "/0.html": page("depot-detentions.html"),
                "/1.html": page("night-shift.html"),
                "/courier.xml": Reply(body=rss("Courier", entries=1, base=server.url("/c"))),
                "/c/0.html": page("markup.html"),
            }
        )
        sources = [
            {"id": "ledger", "url": server.url("/ledger.xml"), "outlet": "The Ledger"},
            {"id": "courier", "url": server.url("/courier.xml")},
        ]
        with open_facade(tmp_path, database_url, sources, fetch=LOCAL) as facade:
            first = by_source(facade.fetch())
            first_paths = sorted(server.paths())

            assert {sid: (r.outcome, r.counts.new) for sid, r in first.items()} == {
                "ledger": (FetchOutcome.OK, 2),
                "courier": (FetchOutcome.OK, 1),
            }
            assert {sid: (r.articles, r.article_errors, r.quotes) for sid, r in first.items()} == {
                "ledger": (2, 0, len(DEPOT_QUOTES) + len(NIGHT_SHIFT_QUOTES)),
                "courier": (1, 0, len(MARKUP_QUOTES)),
            }
            assert first_paths == [
                "/0.html",
                "/1.html",
                "/c/0.html",
                "/courier.xml",
                "/ledger.xml",
                "/robots.txt",  # once: one origin
            ]
            assert facade.count_entries("ledger") == 2
            assert facade.count_articles("ledger") == 2
            assert facade.count_articles("courier") == 1
            assert facade.count_articles() == 3

            assert quotes_by_link(facade) == {
                server.url("/0.html"): DEPOT_QUOTES,
                server.url("/1.html"): NIGHT_SHIFT_QUOTES,
                server.url("/c/0.html"): MARKUP_QUOTES,
            }
            assert_offsets_index_the_body(database_url, facade)

            rows = article_rows(database_url)
            depot = rows[server.url("/0.html")]
            assert depot.http_status == 200
            assert depot.fetch_error is None and depot.extract_error is None
            assert depot.final_url == server.url("/0.html")
            assert depot.content_type == "text/html" and depot.charset == "utf-8"
            assert depot.raw_bytes == len((PAGES / "depot-detentions.html").read_bytes())
            assert depot.title == "Dock Workers Held Without Charge at Calder Bay Depot"
            assert depot.byline == "Petra Lindqvist"
            assert depot.canonical_url == "https://ledger.example/2031/04/depot-detentions"
            assert depot.published_at == datetime(2031, 4, 22, 7, 45, tzinfo=UTC)
            assert depot.extraction_version == EXTRACTION_VERSION
            assert depot.text.startswith("Reports of dock workers being held without charge")
            assert "All rights reserved" not in depot.text  # the footer is not the body

            # Searching by speaker, any case, part of the phrase.
            roe = facade.list_quotes(speaker="jane ROE")
            assert [(q.quote.text, q.source_id) for q in roe] == [("cannot be ignored", "ledger")]
            assert roe[0].article_title == "Dock Workers Held Without Charge at Calder Bay Depot"
            assert roe[0].article_url == "https://ledger.example/2031/04/depot-detentions"
            agency = facade.list_quotes(speaker="border agency")
            assert sorted(q.quote.text for q in agency) == sorted(
                row[0] for row in DEPOT_QUOTES if row[1] and "Border Agency" in row[1]
            )
            assert len(agency) == 3
            assert facade.list_quotes(speaker="spokesperson", source_ids=["courier"]) == []
            assert len(facade.list_quotes(speaker="spokesperson")) == 5
            assert facade.list_quotes(speaker="nobody by this name") == []
            # LIKE wildcards are searched for as characters: no speaker has them.
            assert facade.list_quotes(speaker="%") == []
            assert facade.list_quotes(speaker="Jane_Roe") == []
            assert len(facade.list_quotes(limit=2)) == 2

            # A second run: the feed again, no article page again.
            second = by_source(facade.fetch())
            new_paths = server.paths()[len(first_paths) :]
            assert sorted(new_paths) == ["/courier.xml", "/ledger.xml"]
            assert {
                sid: (r.counts.unchanged, r.articles, r.quotes) for sid, r in second.items()
            } == {
                "ledger": (2, 0, 0),
                "courier": (1, 0, 0),
            }
            assert facade.count_articles() == 3
            assert len(facade.list_quotes(limit=1000)) == 11


def test_the_article_stage_runs_in_the_process_pool_too(tmp_path: Path) -> None:
    """The one facade test with parse workers: extraction in worker processes."""
    with FeedServer() as server:
        server.routes.update(
            {
                "/feed.xml": Reply(body=feed_linking(server, "/0.html", "/1.html")),
                "/0.html": page("depot-detentions.html"),
                "/1.html": page("night-shift.html"),
            }
        )
        sources = [{"id": "ledger", "url": server.url("/feed.xml")}]
        database_url = f"sqlite:///{tmp_path / 'curator.db'}"
        with open_facade(tmp_path, database_url, sources, fetch=LOCAL, parse_workers=2) as facade:
            (report,) = facade.fetch()
            assert (report.articles, report.article_errors, report.quotes) == (2, 0, 9)
            assert quotes_by_link(facade) == {
                server.url("/0.html"): DEPOT_QUOTES,
                server.url("/1.html"): NIGHT_SHIFT_QUOTES,
            }


# --- failures stay per article -------------------------------------------------------------

BIG_PAGE = (
    "<!DOCTYPE html><html><head><title>Too big</title></head><body><article>"
    + "<p>A long paragraph about the harbour that goes on and on for the size cap.</p>" * 400
    + "</article></body></html>"
).encode()


def test_article_failures_are_stored_with_their_error_and_the_source_stays_ok(
    tmp_path: Path, database_url: str
) -> None:
    with FeedServer() as server:
        links = ["/good.html", "/missing.html", "/report.pdf", "/big.html", "/private/0.html"]
        server.routes.update(
            {
                "/robots.txt": Reply(body=b"User-agent: *\nDisallow: /private/\n"),
                "/mixed.xml": Reply(body=feed_linking(server, *links, title="mixed")),
                "/open.xml": Reply(body=feed_linking(server, "/private/1.html", title="open")),
                "/good.html": page("depot-detentions.html"),
                "/report.pdf": Reply(
                    body=b"%PDF-1.4\n" + b"\x00" * 100, headers={"Content-Type": "application/pdf"}
                ),
                "/big.html": Reply(body=BIG_PAGE, headers=HTML),
                "/private/0.html": page("night-shift.html"),
                "/private/1.html": page("night-shift.html"),
            }
        )
        assert len(BIG_PAGE) > 20_000
        sources: list[dict[str, Any]] = [
            {"id": "mixed", "url": server.url("/mixed.xml")},
            {"id": "open", "url": server.url("/open.xml"), "robots": False},
        ]
        fetch = {**LOCAL, "max_bytes": "20KB"}
        with open_facade(tmp_path, database_url, sources, fetch=fetch) as facade:
            reports = by_source(facade.fetch())
            paths = server.paths()

            assert {sid: (r.outcome, r.error, r.counts.new) for sid, r in reports.items()} == {
                "mixed": (FetchOutcome.OK, None, 5),
                "open": (FetchOutcome.OK, None, 1),
            }
            assert {
                sid: (r.articles, r.article_errors, r.quotes) for sid, r in reports.items()
            } == {
                "mixed": (1, 4, len(DEPOT_QUOTES)),
                "open": (1, 0, len(NIGHT_SHIFT_QUOTES)),
            }
            # The disallowed page was never requested; robots: false fetched its twin.
            assert "/private/0.html" not in paths
            assert paths.count("/private/1.html") == 1

            rows = article_rows(database_url)
            assert {url: row.fetch_error for url, row in rows.items()} == {
                server.url("/good.html"): None,
                server.url("/missing.html"): "HTTP 404 Not Found",
                server.url("/report.pdf"): "not an HTML page (Content-Type: application/pdf)",
                server.url("/big.html"): "response body over 20 kB cap",
                server.url("/private/0.html"): "disallowed by robots.txt",
                server.url("/private/1.html"): None,
            }
            failed = [row for row in rows.values() if row.fetch_error is not None]
            assert all(row.raw_gzip is None and row.text is None for row in failed)
            assert rows[server.url("/missing.html")].http_status == 404
            assert facade.count_articles() == 6
            assert quotes_by_link(facade) == {
                server.url("/good.html"): DEPOT_QUOTES,
                server.url("/private/1.html"): NIGHT_SHIFT_QUOTES,
            }

            # The next run tries none of them again.
            again = by_source(facade.fetch())
            assert sorted(server.paths()[len(paths) :]) == ["/mixed.xml", "/open.xml"]
            assert {sid: (r.outcome, r.articles, r.article_errors) for sid, r in again.items()} == {
                "mixed": (FetchOutcome.OK, 0, 0),
                "open": (FetchOutcome.OK, 0, 0),
            }
            assert facade.count_articles() == 6


def test_loopback_article_links_are_refused_without_allow_private_networks(
    tmp_path: Path, database_url: str
) -> None:
    with FeedServer() as server:
        server.routes.update(
            {
                "/feed.xml": Reply(body=feed_linking(server, "/0.html", "/1.html")),
                "/0.html": page("depot-detentions.html"),
                "/1.html": page("night-shift.html"),
            }
        )
        sources = [{"id": "local", "url": server.url("/feed.xml")}]
        with open_facade(tmp_path, database_url, sources) as facade:
            (report,) = facade.fetch()
            # The feed (configured by the operator) is trusted; its links are not.
            assert report.outcome is FetchOutcome.OK and report.counts.new == 2
            assert (report.articles, report.article_errors, report.quotes) == (0, 2, 0)
            assert server.paths() == ["/feed.xml"]  # not a packet to the pages
            refusal = f"refused: 127.0.0.1 is a loopback address {HINT}"
            assert {url: row.fetch_error for url, row in article_rows(database_url).items()} == {
                server.url("/0.html"): refusal,
                server.url("/1.html"): refusal,
            }
            assert facade.list_quotes() == []

            (again,) = facade.fetch()
            assert (again.articles, again.article_errors) == (0, 0)
            assert server.paths() == ["/feed.xml", "/feed.xml"]


def test_sources_without_fetch_articles_fetch_no_pages(tmp_path: Path) -> None:
    with FeedServer() as server:
        server.routes.update(
            {
                "/quiet.xml": Reply(body=feed_linking(server, "/q.html", title="quiet")),
                "/off.xml": Reply(body=feed_linking(server, "/o.html", title="off")),
                "/loud.xml": Reply(body=feed_linking(server, "/l.html", title="loud")),
                "/q.html": page("night-shift.html"),
                "/o.html": page("night-shift.html"),
                "/l.html": page("night-shift.html"),
            }
        )
        sources: list[dict[str, Any]] = [
            {"id": "quiet", "url": server.url("/quiet.xml")},  # the default: off
            {"id": "off", "url": server.url("/off.xml"), "fetch_articles": False},
            {"id": "loud", "url": server.url("/loud.xml"), "fetch_articles": True},
        ]
        database_url = f"sqlite:///{tmp_path / 'curator.db'}"
        defaults = {"fetch_articles": False}
        with open_facade(tmp_path, database_url, sources, fetch=LOCAL, defaults=defaults) as facade:
            reports = by_source(facade.fetch())
            assert {sid: (r.counts.new, r.articles, r.quotes) for sid, r in reports.items()} == {
                "quiet": (1, 0, 0),
                "off": (1, 0, 0),
                "loud": (1, 1, 3),
            }
            assert "/q.html" not in server.paths() and "/o.html" not in server.paths()
            assert server.paths().count("/l.html") == 1
            assert (facade.count_articles("quiet"), facade.count_articles("off")) == (0, 0)
            assert facade.count_articles("loud") == 1


def test_a_page_several_sources_link_to_is_fetched_and_stored_once(
    tmp_path: Path, database_url: str
) -> None:
    """One stored page per article URL (#11): two feeds carry one link in the same run,
    then a third source shows it later. The server sees one request for the page, the
    store holds one row, and every entry sees the page (quotes, one draft, credits)."""
    with FeedServer() as server:
        server.routes.update(
            {
                "/ledger.xml": Reply(body=feed_linking(server, "/0.html", title="ledger")),
                "/courier.xml": Reply(
                    body=feed_linking(server, "/0.html", "/1.html", title="courier")
                ),
                "/wire.xml": Reply(body=feed_linking(server, "/0.html", title="wire")),
                "/0.html": page("depot-detentions.html"),
                "/1.html": page("night-shift.html"),
            }
        )
        shared = server.url("/0.html")
        sources: list[dict[str, Any]] = [
            {"id": "ledger", "url": server.url("/ledger.xml"), "outlet": "The Ledger"},
            {"id": "courier", "url": server.url("/courier.xml"), "outlet": "The Courier"},
        ]
        with open_facade(tmp_path, database_url, sources, fetch=LOCAL) as facade:
            reports = by_source(facade.fetch())
            assert server.paths().count("/0.html") == 1
            assert {sid: r.article_errors for sid, r in reports.items()} == {
                "ledger": 0,
                "courier": 0,
            }
            assert sorted(article_rows(database_url)) == [shared, server.url("/1.html")]
            assert (facade.count_articles("ledger"), facade.count_articles("courier")) == (1, 2)
            assert quotes_by_link(facade, "ledger") == {shared: DEPOT_QUOTES}
            assert quotes_by_link(facade, "courier")[shared] == DEPOT_QUOTES

        wire = {"id": "wire", "url": server.url("/wire.xml"), "outlet": "The Wire"}
        with open_facade(tmp_path, database_url, [*sources, wire], fetch=LOCAL) as facade:
            requests = len(server.paths())
            facade.fetch(["wire"])
            assert "/0.html" not in server.paths()[requests:]  # no second download
            assert len(article_rows(database_url)) == 2
            assert facade.count_articles("wire") == 1
            (depot,) = [d for d in facade.list_drafts() if "Calder Bay" in d.content.headline]
            credited = {credit.outlet for credit in depot.content.also_reported_by}
            drafted_by = {"ledger": "The Ledger", "courier": "The Courier"}[depot.source_id]
            assert {drafted_by, *credited} == {"The Ledger", "The Courier", "The Wire"}


# --- reextract ------------------------------------------------------------------------------


def test_reextract_uses_the_stored_pages_and_replaces_the_quotes(
    tmp_path: Path, database_url: str
) -> None:
    with FeedServer() as server:
        server.routes.update(
            {
                "/ledger.xml": Reply(
                    body=feed_linking(server, "/0.html", "/gone.html", title="ledger")
                ),
                "/courier.xml": Reply(body=feed_linking(server, "/1.html", title="courier")),
                "/0.html": page("depot-detentions.html"),
                "/1.html": page("night-shift.html"),
            }
        )
        sources = [
            {"id": "ledger", "url": server.url("/ledger.xml")},
            {"id": "courier", "url": server.url("/courier.xml")},
        ]
        path = write_sources(tmp_path, sources, fetch=LOCAL)
        settings = load_settings(path, database_url=database_url, env={})
        with curator.make_curator(settings, parse_workers=0) as facade:
            facade.upgrade()
            facade.fetch()
            links = {e.id: e.link for e in facade.list_entries(limit=100)}
            expected = {
                server.url("/0.html"): DEPOT_QUOTES,
                server.url("/1.html"): NIGHT_SHIFT_QUOTES,
            }
            assert quotes_by_link(facade) == expected
    # The server is gone: any request now would fail.

    ticks = iter(datetime(2040, 1, 1, tzinfo=UTC) + timedelta(minutes=n) for n in range(100))
    with curator.make_curator(settings, parse_workers=0, clock=lambda: next(ticks)) as facade:
        tamper_with_quotes(database_url)
        assert all(q.quote.speaker == "tampered" for q in facade.list_quotes())
        assert len(facade.list_quotes()) == 7

        seen: list[str] = []
        reports = facade.reextract(on_article=lambda r: seen.append(r.url))
        # /gone.html failed to fetch (404): it has no stored page to re-extract.
        assert sorted((links[r.entry_id], r.source_id, r.quotes, r.error) for r in reports) == [
            (server.url("/0.html"), "ledger", 6, None),
            (server.url("/1.html"), "courier", 3, None),
        ]
        assert sorted(seen) == [server.url("/0.html"), server.url("/1.html")]
        assert quotes_by_link(facade) == expected
        rows = article_rows(database_url)
        assert rows[server.url("/0.html")].extracted_at >= datetime(2040, 1, 1, tzinfo=UTC)
        assert rows[server.url("/0.html")].extraction_version == EXTRACTION_VERSION
        assert rows[server.url("/gone.html")].fetch_error == "HTTP 404 Not Found"
        assert_offsets_index_the_body(database_url, facade)

        # --source limits the run to that source's pages.
        tamper_with_quotes(database_url)
        only = facade.reextract(["courier"])
        assert [(r.source_id, r.quotes) for r in only] == [("courier", 3)]
        after = quotes_by_link(facade)
        assert after[server.url("/1.html")] == NIGHT_SHIFT_QUOTES
        assert {row[1] for row in after[server.url("/0.html")]} == {"tampered"}

        # since: pages fetched at or after that time (the fetch was "now").
        assert facade.reextract(since=datetime.now(UTC) + timedelta(days=1)) == []
        assert {row[1] for row in quotes_by_link(facade)[server.url("/0.html")]} == {"tampered"}
        recent = facade.reextract(["ledger"], since=datetime.now(UTC) - timedelta(days=1))
        assert [(r.source_id, r.quotes) for r in recent] == [("ledger", 6)]
        assert quotes_by_link(facade) == expected

        with pytest.raises(NotFoundError):
            facade.reextract(["no-such-source"])
