"""Articles and quotes end to end on the shipped offline sample (`curator/samples/`) and
on the shared feed farm's pages (issue #4): split from test_articles.py, whose helpers
these tests use."""

from __future__ import annotations

import importlib.util
import subprocess
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

import pytest
from test_articles import LOCAL
from test_articles import REPO
from test_articles import QuoteRow
from test_articles import assert_offsets_index_the_body
from test_articles import by_source
from test_articles import open_facade
from test_articles import quotes_by_link

import curator
from curator import Curator
from curator import FetchOutcome
from curator import SourceReport
from curator.config import load_settings

# --- the shipped offline sample --------------------------------------------------------------

FERRY_QUOTES: list[QuoteRow] = [
    (
        "talks with the operator have been difficult",
        "A Wrenna Workers Union spokesperson",
        "role",
        "partial",
        "told",
        "The Harbour Ledger",
    ),
    (
        "about 40 workers were still waiting for permits",
        "A Wrenna Workers Union spokesperson",
        "role",
        "indirect",
        "told",
        "The Harbour Ledger",
    ),
    (
        "we were told no new permits will be issued this month",
        "A Wrenna Workers Union spokesperson",  # "she", resolved
        "role",
        "partial",
        "said",
        None,  # "said in an email on Monday": no outlet named
    ),
    (
        "Nobody should have to choose between their job and getting home to their children",
        "the union",
        "organization",
        "direct",
        "said",
        None,
    ),
    (
        "continues to monitor the situation",
        "A spokesperson for the Port Authority",
        "role",
        "partial",
        "told",
        "The Harbour Ledger",
    ),
    (
        "credible",
        "A spokesperson for the Port Authority",
        "role",
        "partial",
        "called",
        "The Harbour Ledger",
    ),
    (
        "As permit records are confidential, we are unable to discuss individual cases.",
        "A spokesperson for the Port Authority",  # "The spokesperson", resolved
        "role",
        "direct",
        "saying",
        None,
    ),
    (
        "cannot be ignored",
        "Harbour Commissioner Elena Voss",
        "person",
        "partial",
        "said",
        None,
    ),
    (
        "she had asked the operator for a written explanation",
        "Harbour Commissioner Elena Voss",  # "Voss added that", resolved
        "person",
        "indirect",
        "added",
        None,
    ),
    (
        "every crossing would need a travel permit issued by its own office",
        "Northsound Ferries",
        "organization",
        "indirect",
        "told",
        None,
    ),
    ("We came here to work, not to be stuck", "Tomasz Wilk", "person", "direct", "said", None),
    (
        "Every morning we walk to the pier, and every morning the boat leaves without us.",
        "Tomasz Wilk",
        "person",
        "direct",
        "said",
        None,
    ),
    (
        "The permit rule is not in the ferry operator’s published conditions of carriage",
        "a copy of the document seen by The Harbour Ledger",
        "unknown",
        "indirect",
        "according to",
        None,
    ),
    (
        "the operator would need the approval of the Port Authority to restrict who may travel on a public service",
        "Maritime lawyer Hannah Osei",
        "person",
        "indirect",
        "said",
        None,
    ),
    (
        "it would pay for a chartered boat to bring the remaining workers home if no permits are issued by the end of the month",
        "The union",
        "organization",
        "indirect",
        "said",
        None,
    ),
]
HARBOUR_WALL_QUOTES: list[QuoteRow] = [
    (
        "Every month we wait, the bill gets bigger and the wall gets weaker",
        "Councillor Priya Nandakumar",
        "person",
        "direct",
        "said",
        None,
    ),
    ("a full and honest costing", "Mayor Aaron Feld", "person", "partial", "told", None),
    (
        "the cost of the work has grown by a third since spring",
        "the city engineer",
        "role",
        "indirect",
        "According to",
        None,
    ),
    (
        "a strong winter storm could open the breaches again",
        "engineers",
        "role",
        "indirect",
        "warned",
        None,
    ),
    (
        "the council had already spent more on emergency pumping and sandbags than a first phase of the repairs would have cost",
        "Councillor Priya Nandakumar",
        "person",
        "indirect",
        "said",
        None,
    ),
    (
        "We are paying to stand still",
        "Councillor Priya Nandakumar",
        "person",
        "direct",
        "said",
        None,
    ),
    (
        "a chance we cannot afford to throw away",
        "Councillor Martin Hale",
        "person",
        "partial",
        "said",
        None,
    ),
    (
        "insurers had already told traders that flood cover would not be renewed while the wall stayed broken",
        "Rosa Delgado",
        "person",
        "indirect",
        "said",
        None,
    ),
    ("whatever the numbers say", "Mayor Aaron Feld", "person", "partial", "said", None),
]
LIGHTHOUSE_QUOTES: list[QuoteRow] = [
    (
        "We rebuilt the lamp room by hand, one brass fitting at a time",
        "museum director Oskar Lind",
        "person",
        "direct",
        "said",
        None,
    ),
    (
        "It belongs to everyone who gave even a single coin.",
        "museum director Oskar Lind",
        "person",
        "direct",
        "said",
        None,
    ),
    (
        "admission would stay free for children under twelve",
        "The museum's trustees",
        "role",
        "indirect",
        "said",
        None,
    ),
    (
        "she had climbed the stairs as a child to take him his supper",
        "Margaret Shaw",
        "person",
        "indirect",
        "said",
        None,
    ),
    (
        "I never thought I would see the light in this room again",
        "Margaret Shaw",
        "person",
        "direct",
        "said",
        None,
    ),
    (
        "The museum expects about 20,000 visitors in its first year",
        "the trust’s business plan",
        "unknown",
        "indirect",
        "according to",
        None,
    ),
    (
        "the trust was already raising money for its next project, the keeper’s cottage at the foot of the tower, which still has its original kitchen range",
        "museum director Oskar Lind",
        "person",
        "indirect",
        "said",
        None,
    ),
]
SAMPLE_QUOTES = {
    "ferry-permits.html": FERRY_QUOTES,
    "harbour-wall.html": HARBOUR_WALL_QUOTES,
    "lighthouse-museum.html": LIGHTHOUSE_QUOTES,
}


@contextmanager
def sample_fetched(tmp_path: Path, database_url: str) -> Iterator[tuple[Curator, SourceReport]]:
    settings = load_settings(
        REPO / "sources.yaml", database_url=database_url, data_dir=tmp_path / "data", env={}
    )
    assert settings.fetch.allow_private_networks is False
    with curator.make_curator(settings, parse_workers=0) as facade:
        facade.upgrade()
        (report,) = facade.fetch()
        yield facade, report


def sample_quotes(facade: Curator) -> dict[str, list[QuoteRow]]:
    return {link.rsplit("/", 1)[-1]: rows for link, rows in quotes_by_link(facade).items()}


def test_the_shipped_sample_stores_three_articles_and_their_quotes(
    tmp_path: Path, database_url: str
) -> None:
    with sample_fetched(tmp_path, database_url) as (facade, report):
        assert report.source_id == "sample" and report.outcome is FetchOutcome.OK
        assert report.counts.new == 3
        assert (report.articles, report.article_errors) == (3, 0)
        assert facade.count_articles("sample") == 3
        got = sample_quotes(facade)
        assert report.quotes == sum(len(rows) for rows in got.values())
        assert set(got) == set(SAMPLE_QUOTES)
        for name, expected in SAMPLE_QUOTES.items():
            assert got[name] == expected, name

        ferry_speakers = {row[1] for row in got["ferry-permits.html"]}
        assert {
            "A Wrenna Workers Union spokesperson",
            "A spokesperson for the Port Authority",
            "Harbour Commissioner Elena Voss",
        } <= ferry_speakers
        outlets = {row[5] for row in got["ferry-permits.html"]} - {None}
        assert outlets == {"The Harbour Ledger"}
        voss = facade.list_quotes(speaker="elena voss")
        assert {q.article_title for q in voss} == {
            "Ferry Operator Denies Permits to Stranded Island Workers"
        }
        assert {q.article_url for q in voss} == {
            "https://harbour-ledger.example/2026/11/ferry-permits"
        }
        assert_offsets_index_the_body(database_url, facade)


def test_the_sample_ferry_story_keeps_the_indirect_clause_after_a_partial_quote(
    tmp_path: Path,
) -> None:
    with sample_fetched(tmp_path, f"sqlite:///{tmp_path / 'c.db'}") as (facade, _):
        assert sample_quotes(facade)["ferry-permits.html"] == FERRY_QUOTES


def test_the_sample_lighthouse_story_finds_the_trustees_statement(tmp_path: Path) -> None:
    with sample_fetched(tmp_path, f"sqlite:///{tmp_path / 'c.db'}") as (facade, _):
        assert sample_quotes(facade)["lighthouse-museum.html"] == LIGHTHOUSE_QUOTES


# --- the shared feed farm ------------------------------------------------------------------


def load_farm() -> ModuleType:
    # Not conftest.shared_path: `import conftest` may find tests/store/conftest.py.
    path = REPO.parent / "shared" / "bench" / "feed_farm.py"
    if not path.exists():
        pytest.skip(f"needs ../shared ({path} is absent)")
    spec = importlib.util.spec_from_file_location("curator_tests_feed_farm", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def close_farm_pipe(stop: Callable[[], None]) -> None:
    """Close the farm process's stdout pipe, which its `stop` leaves open (a ResourceWarning
    that filterwarnings=error would turn into a failure of whichever test is running)."""
    for cell in stop.__closure__ or ():
        process = cell.cell_contents
        if isinstance(process, subprocess.Popen) and process.stdout is not None:
            process.stdout.close()


def test_every_feed_farm_article_yields_its_attributed_quotes(tmp_path: Path) -> None:
    farm = load_farm()
    feeds, entries = 3, 4
    base_url, stop = farm.start_farm_process(feeds=feeds, entries=entries, latency_ms=0)
    try:
        sources = [{"id": f"farm-{i}", "url": f"{base_url}/feeds/{i}.xml"} for i in range(feeds)]
        database_url = f"sqlite:///{tmp_path / 'curator.db'}"
        with open_facade(tmp_path, database_url, sources, fetch=LOCAL) as facade:
            reports = by_source(facade.fetch())
            got = quotes_by_link(facade)
    finally:
        stop()
        close_farm_pipe(stop)
    assert {sid: (r.outcome, r.counts.new) for sid, r in reports.items()} == {
        f"farm-{i}": (FetchOutcome.OK, entries) for i in range(feeds)
    }
    assert all(r.article_errors == 0 and r.articles == entries for r in reports.values())

    links = [f"{base_url}/articles/{i}/{k}.html" for i in range(feeds) for k in range(entries)]
    assert sorted(got) == sorted(links)  # every page gave at least one quote
    for i in range(feeds):
        for k in range(entries):
            # What make_article writes into the page of entry k of feed i.
            seed = i * 1000 + k
            name = farm.NAMES[seed % len(farm.NAMES)]
            role = farm.ROLES[seed % len(farm.ROLES)]
            rows = got[f"{base_url}/articles/{i}/{k}.html"]
            assert all(row[1] for row in rows), rows  # each one attributed
            direct = farm._text(seed * 17, 16).capitalize()
            partial = farm._text(seed * 13, 6)
            block = farm._text(seed * 11, 30).capitalize() + "."
            found = {(row[0], row[1], row[3]) for row in rows}
            assert (direct, name, "direct") in found, (i, k, rows)
            assert (partial, role, "partial") in found, (i, k, rows)
            assert (block, name, "blockquote") in found, (i, k, rows)  # "Surname later added:"
