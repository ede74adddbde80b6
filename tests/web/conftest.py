"""Browser fixtures for the web desk's tests (issue #12 §4).

- `browser`: Debian's chromium driven by Playwright, one per test module. Without
  chromium the browser tests skip with the reason, unless CURATOR_REQUIRE_BROWSER=1
  (set by .ci/run), which makes that a failure.
- `desk`: one fresh install per test module, made as an editor makes one: a feed and
  its article pages served by a real HTTP server on 127.0.0.1, `curator db upgrade`,
  `curator fetch` (so the queue holds real drafts), then `curator users add` and
  `curator web` as a subprocess on a free loopback port (tests/support/webserver.py).

Screenshots go to test-artifacts/screenshots/ (ignored by git), or to
CURATOR_TEST_ARTIFACTS when set.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import replace
from html import escape
from pathlib import Path
from typing import Any

import pytest
import yaml
from fetch.servers import FeedServer
from fetch.servers import Reply
from playwright.sync_api import Browser
from playwright.sync_api import BrowserContext
from playwright.sync_api import Page
from playwright.sync_api import sync_playwright
from webserver import running_web

REPO = Path(__file__).resolve().parent.parent.parent
PAGES = REPO / "tests" / "data" / "pages"
SAMPLES = REPO / "curator" / "samples" / "articles"
CURATOR_BIN = Path(sys.executable).parent / "curator"
ARTIFACTS = Path(os.environ.get("CURATOR_TEST_ARTIFACTS", REPO / "test-artifacts"))
HTML = {"Content-Type": "text/html; charset=utf-8"}

EDITOR, PASSWORD = "ed", "correct horse battery"
#: Titles in the feed with markup in them (the XSS scenario): an image whose onerror
#: would run. The entry is dropped by a filter, so the desk lists it under its source.
FEED_TITLE = "Harbour <img src=x onerror=window.__xss=1> Ledger"
DROPPED_TITLE = "Sponsored: <img src=x onerror=window.__xss=5> ferry deals"
XSS_HEADLINE = "Harbour <img src=x onerror=window.__xss=2> Board Meets on Friday"
XSS_QUOTE = "We will print <script>window.__xss=3</script> exactly as written"
XSS_SPEAKER = 'Ivo "<svg/onload=window.__xss=4>" Tamm'

# The story pages of the feed: (path, file). Invented text; the last one carries the
# markup of the XSS scenario in its title, a quote and a speaker's name.
STORIES = (
    ("/ferry.html", SAMPLES / "ferry-permits.html"),
    ("/wall.html", SAMPLES / "harbour-wall.html"),
    ("/museum.html", SAMPLES / "lighthouse-museum.html"),
    ("/visits.html", PAGES / "depot-visits.html"),
    ("/night-shift.html", PAGES / "night-shift.html"),
)
XSS_PAGE = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(XSS_HEADLINE)}</title></head>
<body><article><h1>{escape(XSS_HEADLINE)}</h1>
<p>The harbour board met on Friday afternoon to discuss the new timetable for the night
ferries and the cost of the repairs to the old quay.</p>
<p>“{escape(XSS_QUOTE)},” said {escape(XSS_SPEAKER)}.</p>
<p>“The timetable will be published before the end of the month for every passenger,”
said Marta Holm, the board's secretary.</p>
<p>“We have waited long enough for a ferry that runs after ten at night,” said Olga
Brandt, who works the late shift at the fish market.</p>
<p>The board said the repairs would be finished by the end of the week by the whole team
working at night.</p>
</article></body></html>
"""

# Filler stories, so that each test has drafts of its own: invented, each with words
# of its own (dedup would merge look-alike stories into one draft).
TOWNS = ("Saltcote", "Fenwick", "Brackley", "Eastmoor", "Gull Point", "Tidewater", "Ashby")
TOPICS = ("bus route", "library hours", "allotment rents", "flood barrier", "school roof")
PEOPLE = ("Nadia Sato", "Oskar Garrow", "Rosa Delgado", "Marek Kowal", "Greta Lund")
VOCABULARY = (
    "residents traders engineers councillors teachers drivers nurses farmers parents"
    " asked warned agreed argued noted counted promised doubted measured questioned"
    " costs fares repairs grants budgets timetables letters reports figures votes"
    " winter spring autumn evenings mornings weekends months weeks years decades"
    " quickly slowly openly firmly rarely carefully loudly calmly"
).split()


def filler_story(number: int) -> tuple[str, str]:
    """(headline, HTML page) of an invented story with three attributed quotes."""
    rng = random.Random(number)

    def words(count: int) -> str:
        text = " ".join(rng.choice(VOCABULARY) for _ in range(count))
        return text[0].upper() + text[1:]

    town, topic = TOWNS[number % len(TOWNS)], TOPICS[number % len(TOPICS)]
    first, second, third = (PEOPLE[(number + step) % len(PEOPLE)] for step in (0, 2, 3))
    headline = f"{town} Council Reviews the {topic.title()}, Report {number}"
    paragraphs = (
        f"The council in {town} reviewed the {topic} on Monday. {words(25)}.",
        f"“{words(14)},” said {first}, who chairs the {town} residents' group.",
        f"{words(30)}. {words(20)}.",
        f"“{words(12)},” {second} said. {words(18)}.",
        f"{words(26)}. {words(22)}.",
        f"“{words(11)},” said {first}. {words(16)}.",
        f"{words(20)}. “{words(13)},” said {third}, a member of the {town} trust.",
        f"{words(24)}. {words(21)}.",
    )
    page = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(headline)}</title></head><body><article><h1>{escape(headline)}</h1>"
        + "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
        + "</article></body></html>"
    )
    return headline, page


FILLERS = 6


@dataclass(frozen=True)
class Desk:
    """A running `curator web` over a fresh database with real drafts in it."""

    url: str
    folder: Path
    flags: tuple[str, ...]  # the global options naming this install's files

    @property
    def site(self) -> Path:
        """The static site the default target writes."""
        return self.folder / "data" / "site"

    def curator(self, *args: str, stdin: str | None = None) -> str:
        """Run a `curator` command on this install; its stdout (it must succeed)."""
        done = subprocess.run(
            [str(CURATOR_BIN), *self.flags, *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            raise AssertionError(
                f"curator {' '.join(args)} exited {done.returncode}: {done.stderr}"
            )
        return done.stdout


def feed_of(server: FeedServer, items: list[tuple[str, str]]) -> Reply:
    """RSS 2.0 whose items are (title, path on `server`)."""
    body = "".join(
        f"<item><guid isPermaLink='false'>story{i}</guid><title>{escape(title)}</title>"
        f"<link>{server.url(path)}</link></item>"
        for i, (title, path) in enumerate(items)
    )
    xml = (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>{escape(FEED_TITLE)}</title><link>{server.base_url}/</link>{body}"
        "</channel></rss>"
    )
    return Reply(body=xml.encode(), headers={"Content-Type": "application/rss+xml"})


def serve_site(server: FeedServer) -> None:
    """The feed and its pages: the stories above, the XSS page, the fillers and a
    sponsored entry (dropped by the source's filter)."""
    items: list[tuple[str, str]] = []
    for path, file in STORIES:
        server.routes[path] = Reply(body=file.read_bytes(), headers=HTML)
        items.append((path.strip("/").replace("-", " ").replace(".html", ""), path))
    server.routes["/board.html"] = Reply(body=XSS_PAGE.encode(), headers=HTML)
    items.append((XSS_HEADLINE, "/board.html"))
    for number in range(FILLERS):
        headline, page = filler_story(number)
        server.routes[f"/report-{number}.html"] = Reply(body=page.encode(), headers=HTML)
        items.append((headline, f"/report-{number}.html"))
    server.routes["/sponsored.html"] = Reply(body=filler_story(99)[1].encode(), headers=HTML)
    items.append((DROPPED_TITLE, "/sponsored.html"))
    server.routes["/feed.xml"] = feed_of(server, items)


def write_sources(folder: Path, feed_url: str) -> Path:
    document: dict[str, Any] = {
        "fetch": {"timeout": "10s", "allow_private_networks": True},
        "publish": {"targets": [{"name": "site", "type": "static"}]},
        "sources": [
            {
                "id": "harbour",
                "url": feed_url,
                "outlet": "The Harbour Ledger",
                "filters": {"block": {"title": "(?i)sponsored"}},
            }
        ],
    }
    path = folder / "sources.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    folder = tmp_path_factory.mktemp("desk")
    database_url = f"sqlite:///{folder / 'curator.db'}"
    data_dir = folder / "data"
    with FeedServer() as server:
        serve_site(server)
        sources = write_sources(folder, server.url("/feed.xml"))
        flags = ("--sources", str(sources), "--database-url", database_url)
        setup = Desk(url="", folder=folder, flags=(*flags, "--data-dir", str(data_dir)))
        setup.curator("db", "upgrade")
        setup.curator("fetch")
    with running_web(
        database_url=database_url,
        data_dir=data_dir,
        sources=sources,
        user=EDITOR,
        password=PASSWORD,
    ) as web:
        yield replace(setup, url=web.url)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless chromium, one per test module."""
    chromium = shutil.which("chromium")
    if chromium is None:
        reason = "chromium is not installed (apt-get install chromium; .ci/run does)"
        if os.environ.get("CURATOR_REQUIRE_BROWSER"):
            pytest.fail(f"a browser is required (CURATOR_REQUIRE_BROWSER) but {reason}")
        pytest.skip(reason)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium,
            args=["--no-sandbox", "--disable-background-networking"],
            headless=True,
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def context(browser: Browser, desk: Desk) -> Iterator[BrowserContext]:
    """A fresh browser profile (no cookies) per test."""
    made = browser.new_context(base_url=desk.url, viewport={"width": 1280, "height": 900})
    made.set_default_timeout(15_000)
    try:
        yield made
    finally:
        made.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture
def editor(page: Page) -> Page:
    """A page logged in as the editor, on the queue."""
    log_in(page)
    return page


def log_in(page: Page, name: str = EDITOR, password: str = PASSWORD) -> None:
    """Log in on the login page (the one the browser was sent to, if it was)."""
    if "/login" not in page.url:
        page.goto("/login")
    page.get_by_test_id("login-name").fill(name)
    page.get_by_test_id("login-password").fill(password)
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(re.compile(r"^(?!.*/login).*$"))


def screenshot(page: Page, name: str) -> Path:
    """Keep what the page shows as a test artifact."""
    path = ARTIFACTS / "screenshots" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path


def drafts_by_headline(desk: Desk) -> dict[str, dict[str, Any]]:
    """What the database holds, read with `curator drafts list --json`."""
    listed = desk.curator("drafts", "list", "--json")
    rows = [json.loads(line) for line in listed.splitlines() if line.strip()]
    return {row["headline"]: row for row in rows}


def open_draft(page: Page, headline: str) -> None:
    """From the queue, open the draft with this headline, as an editor clicks it."""
    page.goto("/")
    page.get_by_test_id("queue-row").filter(has_text=headline).get_by_test_id("open").click()
    page.wait_for_url(re.compile(r"/drafts/\d+"))
