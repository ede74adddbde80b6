"""The web desk's pages and actions against `curator web` as a real process (httpx): the
queue with filters, search and bulk actions; the draft page (quotes marked in the
article, budget meter, history with diffs), approving, rejecting with a note, editing
(invalid and stale edits refused with the text kept); sources, published, voices; the
JSON endpoints. Each test works on its own drafts, so the order does not matter."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from contextlib import closing
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from testsupport import fresh_postgres_schema
from webserver import REPO
from webserver import WebServer
from webserver import csrf_token
from webserver import curator_env
from webserver import run_curator
from webserver import running_web

PAGES = (
    REPO / "curator" / "samples" / "articles" / "ferry-permits.html",
    REPO / "curator" / "samples" / "articles" / "harbour-wall.html",
    REPO / "curator" / "samples" / "articles" / "lighthouse-museum.html",
    REPO / "tests" / "data" / "pages" / "depot-detentions.html",
    REPO / "tests" / "data" / "pages" / "depot-visits.html",
    REPO / "tests" / "data" / "pages" / "night-shift.html",
    REPO / "tests" / "data" / "pages" / "markup.html",
)


def make_install(folder: Path, database_url: str | None = None) -> Path:
    """``database_url`` (default: a SQLite file in ``folder``) with the drafts
    `curator fetch` makes of a local feed of PAGES; returns the sources file."""
    items = []
    for index, page in enumerate(PAGES):
        shutil.copy(page, folder / page.name)
        items.append(
            f"<item><title>Story {index}</title><link>{page.name}</link>"
            f"<guid isPermaLink='false'>story-{index}</guid>"
            f"<pubDate>Thu, 19 Nov 2026 0{index}:00:00 GMT</pubDate></item>"
        )
    (folder / "feed.xml").write_text(
        "<?xml version='1.0'?><rss version='2.0'><channel><title>Desk</title>"
        "<link>https://desk.example/</link><description>d</description>"
        + "".join(items)
        + "</channel></rss>",
        encoding="utf-8",
    )
    sources = folder / "sources.yaml"
    sources.write_text(
        "sources:\n"
        "  - {id: desk, url: 'file:feed.xml', name: Desk Test, outlet: The Desk, tags: [test]}\n",
        encoding="utf-8",
    )
    env = curator_env(database_url or f"sqlite:///{folder / 'curator.db'}", folder, sources)
    run_curator(["db", "upgrade"], env=env)
    run_curator(["fetch"], env=env)
    return sources


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebServer]:
    folder = tmp_path_factory.mktemp("pages")
    sources = make_install(folder)
    database_url = f"sqlite:///{folder / 'curator.db'}"
    with running_web(database_url=database_url, data_dir=folder, sources=sources) as running:
        yield running


@pytest.fixture
def client(server: WebServer) -> Iterator[httpx.Client]:
    with closing(server.client()) as logged_in:
        yield logged_in


def queue_json(client: httpx.Client, **params: str) -> dict[str, Any]:
    answer = client.get("/api/drafts", params=params)
    answer.raise_for_status()
    result: dict[str, Any] = answer.json()
    return result


def draft_json(client: httpx.Client, draft_id: int) -> dict[str, Any]:
    answer = client.get(f"/api/drafts/{draft_id}")
    answer.raise_for_status()
    result: dict[str, Any] = answer.json()
    return result


def draft_id(client: httpx.Client, words: str) -> int:
    """The draft whose headline has ``words``."""
    for item in queue_json(client)["items"]:
        if words in item["headline"]:
            return int(item["id"])
    raise AssertionError(f"no draft with {words!r} in its headline")


def post(client: httpx.Client, path: str, page: str, **data: Any) -> httpx.Response:
    """POST a form the way the page does (its CSRF token); redirects not followed."""
    return client.post(
        path, data={"csrf_token": csrf_token(client.get(page).text), **data}, follow_redirects=False
    )


def flash_of(client: httpx.Client, url: str) -> str:
    found = re.search(r'data-testid="flash"[^>]*>(.*?)</p>', client.get(url).text, re.S)
    assert found, "no flash message"
    return unescape(found.group(1))


def textarea(page: str) -> str:
    found = re.search(r'<textarea name="markdown"[^>]*>(.*?)</textarea>', page, re.S)
    assert found, "no editor"
    return unescape(found.group(1))


def test_queue_lists_drafts_with_counts_and_filters(client: httpx.Client) -> None:
    page = client.get("/").text
    rows = re.findall(r'data-testid="queue-row" data-id="(\d+)"', page)
    everything = queue_json(client)
    assert [int(i) for i in rows] == [item["id"] for item in everything["items"]]
    assert len(rows) >= 6
    assert rows == sorted(rows, key=int, reverse=True)  # newest first
    for testid in ("select", "approve", "reject", "bulk-approve", "bulk-reject", "reject-note"):
        assert f'data-testid="{testid}"' in page
    counts = everything["counts"]
    assert sum(counts.values()) == len(rows)

    flagged = queue_json(client, flag="budget")["items"]
    assert flagged and all("budget" in item["flags"] for item in flagged)
    assert 'class="badge flag flag-budget"' in client.get("/?flag=budget").text

    found = queue_json(client, q="lighthouse")["items"]
    assert [item["headline"] for item in found] == [
        "Lighthouse Museum Reopens After Two-Year Restoration"
    ]
    assert "Lighthouse Museum Reopens" in client.get("/?q=lighthouse").text


def test_queue_pages_by_draft_id(client: httpx.Client) -> None:
    ids = [item["id"] for item in queue_json(client)["items"]]
    middle = ids[len(ids) // 2]
    page = client.get(f"/?after={middle}").text
    shown = [int(i) for i in re.findall(r'data-testid="queue-row" data-id="(\d+)"', page)]
    assert shown == [i for i in ids if i < middle]


def test_a_bad_filter_is_one_clear_error(client: httpx.Client) -> None:
    answer = client.get("/?state=nonsense")
    assert answer.status_code == 400
    assert "state: unknown state &#39;nonsense&#39;" in answer.text
    assert client.get("/?since=yesterday").status_code == 400


def test_draft_page_marks_each_quote_in_the_article(client: httpx.Client) -> None:
    target = draft_id(client, "Island Workers")
    page = client.get(f"/drafts/{target}").text
    data = draft_json(client, target)
    marks = re.findall(
        r'<mark data-testid="quote-mark" data-quote="(\d+)"[^>]*title="([^"]*)"[^>]*>(.*?)</mark>',
        page,
        re.S,
    )
    assert len(marks) == len(data["quotes"]) > 0
    for index, title, text in marks:
        quote_data = data["quotes"][int(index)]
        assert unescape(text) == quote_data["text"]
        assert unescape(title).startswith(quote_data["speaker"] or "unknown speaker")
        assert "confidence" in title
    budget = data["budget"]
    meter = re.search(r'data-testid="budget-meter"[^>]*>(.*?)</p>', page, re.S)
    assert meter and f"{budget['used']} / {budget['allowed']}" in meter.group(1)
    assert 'data-testid="history"' in page


def test_approve_records_the_logged_in_user(server: WebServer, client: httpx.Client) -> None:
    target = draft_id(client, "Lighthouse Museum")
    version = draft_json(client, target)["draft"]["version"]
    answer = post(client, f"/drafts/{target}/approve", "/", version=str(version), back="/")
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    data = draft_json(client, target)
    assert data["draft"]["state"] == "approved"
    assert data["history"][-1]["by"] == server.user


def test_reject_with_a_note(server: WebServer, client: httpx.Client) -> None:
    target = draft_id(client, "City Council Delays")
    if draft_json(client, target)["draft"]["state"] == "rejected":  # by the test below
        post(client, f"/drafts/{target}/reopen", f"/drafts/{target}")
    answer = post(client, f"/drafts/{target}/reject", f"/drafts/{target}", note="old news")
    assert answer.status_code == 303
    assert flash_of(client, answer.headers["location"]) == f"rejected #{target}"
    event = draft_json(client, target)["history"][-1]
    assert (event["action"], event["by"], event["note"]) == ("rejected", server.user, "old news")


def test_an_approval_of_a_stale_version_is_refused(client: httpx.Client) -> None:
    target = draft_id(client, "Island Workers")
    answer = post(client, f"/drafts/{target}/approve", "/", version="999")
    assert answer.status_code == 303
    assert "changed" in flash_of(client, answer.headers["location"])
    assert draft_json(client, target)["draft"]["state"] == "new"


def test_edit_in_place_shows_the_change_in_history(client: httpx.Client) -> None:
    target = draft_id(client, "Island Workers")
    page = client.get(f"/drafts/{target}").text
    markdown = textarea(page)
    assert 'data-testid="edit-form"' in page
    old_headline = draft_json(client, target)["draft"]["headline"]
    edited = markdown.replace(old_headline, "Ferry Permits Refused to Island Workers", 1)
    assert edited != markdown
    answer = post(client, f"/drafts/{target}/edit", f"/drafts/{target}", markdown=edited)
    assert answer.status_code == 303
    data = draft_json(client, target)
    assert data["draft"]["headline"] == "Ferry Permits Refused to Island Workers"
    change = next(c for c in data["history"][-1]["changes"] if c["field"] == "headline")
    assert (change["old"], change["new"]) == (
        old_headline,
        "Ferry Permits Refused to Island Workers",
    )
    history = client.get(f"/drafts/{target}").text
    history = history[history.index('data-testid="history"') :]
    assert "<del>" in history
    assert "Refused" in "".join(re.findall(r"<ins>(.*?)</ins>", history))


def test_a_stale_edit_is_refused_and_shows_the_newer_version(client: httpx.Client) -> None:
    target = draft_id(client, "Border Agency")
    mine = textarea(client.get(f"/drafts/{target}").text)
    theirs = mine.replace("Border Agency", "The Border Agency", 1)
    assert (
        post(client, f"/drafts/{target}/edit", f"/drafts/{target}", markdown=theirs).status_code
        == 303
    )
    refused = post(
        client,
        f"/drafts/{target}/edit",
        f"/drafts/{target}",
        markdown=mine.replace("Border Agency", "Agency", 1),
    )
    assert refused.status_code == 409
    conflict = re.search(r'data-testid="conflict".*?</section>', refused.text, re.S)
    assert conflict and "The Border Agency" in unescape(conflict.group(0))
    assert textarea(refused.text) == mine.replace("Border Agency", "Agency", 1)  # kept
    assert draft_json(client, target)["draft"]["headline"].startswith("The Border Agency")


def test_an_invalid_edit_is_refused_with_the_text_kept(client: httpx.Client) -> None:
    target = draft_id(client, "Border Agency")
    version = draft_json(client, target)["draft"]["version"]
    answer = post(client, f"/drafts/{target}/edit", f"/drafts/{target}", markdown="no front matter")
    assert answer.status_code == 422
    assert 'data-testid="edit-error"' in answer.text
    assert textarea(answer.text) == "no front matter"
    assert draft_json(client, target)["draft"]["version"] == version


def test_bulk_reject_and_a_refused_bulk_approval(client: httpx.Client) -> None:
    blocked = draft_id(client, "Night Shift")  # flagged budget: approval needs --force
    other = draft_id(client, "in a title")  # markup.html
    answer = post(client, "/drafts/bulk", "/", action="approve", ids=[str(blocked)])
    assert f"refused 1: #{blocked}" in flash_of(client, answer.headers["location"])
    assert draft_json(client, blocked)["draft"]["state"] == "new"
    answer = post(
        client, "/drafts/bulk", "/", action="reject", ids=[str(blocked), str(other)], note="dup"
    )
    assert flash_of(client, answer.headers["location"]).startswith("rejected 2")
    for each in (blocked, other):
        assert draft_json(client, each)["draft"]["state"] == "rejected"
        assert draft_json(client, each)["history"][-1]["note"] == "dup"


def test_publish_unpublish_and_republish(client: httpx.Client, server: WebServer) -> None:
    target = draft_id(client, "Dock Workers")
    assert post(client, f"/drafts/{target}/approve", "/").status_code == 303
    answer = post(client, "/publish", "/published")
    assert "created" in flash_of(client, answer.headers["location"])
    published = client.get("/published").text
    assert f'data-testid="ledger-row" data-id="{target}"' in published
    assert draft_json(client, target)["draft"]["state"] == "published"
    assert (server.data_dir / "site").is_dir()

    post(client, f"/drafts/{target}/unpublish", "/published", note="wrong town")
    data = draft_json(client, target)
    assert data["draft"]["state"] == "withdrawn"
    assert data["history"][-1]["by"] == server.user
    answer = post(client, f"/drafts/{target}/republish", "/published")
    assert draft_json(client, target)["draft"]["state"] == "approved"
    assert "approved again" in flash_of(client, answer.headers["location"])


def test_sources_page_shows_health(client: httpx.Client) -> None:
    page = client.get("/sources").text
    assert page.count('data-testid="source-row"') == 1
    assert "Desk Test" in page


def test_voices_and_a_speakers_quotes(client: httpx.Client) -> None:
    page = client.get("/voices").text
    rows = re.findall(r'data-testid="voice-row">\s*<td><a href="([^"]+)">(.*?)</a>', page)
    assert rows
    href, name = rows[0]
    speaker_page = client.get(href).text
    assert unescape(name) in unescape(speaker_page)
    assert 'data-testid="speaker-quote"' in speaker_page
    assert re.search(r'href="/drafts/\d+"', speaker_page)
    nobody = client.get("/voices/" + quote("Nobody At All", safe="")).text
    assert 'data-testid="speaker-quote"' not in nobody


def test_a_rejected_draft_is_not_editable_until_reopened(client: httpx.Client) -> None:
    target = draft_id(client, "City Council Delays")
    if draft_json(client, target)["draft"]["state"] != "rejected":
        post(client, f"/drafts/{target}/reject", f"/drafts/{target}", note="old news")
    page = client.get(f"/drafts/{target}").text
    assert 'data-testid="not-editable"' in page and 'data-testid="edit-form"' not in page
    post(client, f"/drafts/{target}/reopen", f"/drafts/{target}")
    assert draft_json(client, target)["draft"]["state"] == "new"
    assert 'data-testid="edit-form"' in client.get(f"/drafts/{target}").text
    post(client, f"/drafts/{target}/reject", f"/drafts/{target}", note="old news")


def test_json_endpoints_have_the_cli_shapes(server: WebServer, client: httpx.Client) -> None:
    target = draft_id(client, "Lighthouse Museum")
    env = curator_env(server.database_url, server.data_dir, server.data_dir / "sources.yaml")
    shown = json.loads(run_curator(["drafts", "show", str(target), "--json"], env=env).stdout)
    assert shown == draft_json(client, target)["draft"]
    listed = [
        json.loads(line)
        for line in run_curator(["drafts", "list", "--json"], env=env).stdout.splitlines()
    ]
    assert [d["id"] for d in listed] == [d["id"] for d in queue_json(client)["items"]]


def test_an_unknown_draft_is_404(client: httpx.Client) -> None:
    page = client.get("/drafts/99999")
    assert page.status_code == 404
    assert "no draft with id 99999" in page.text
    assert client.get("/api/drafts/99999").json() == {
        "error": "no draft with id 99999",
        "status": 404,
    }
    assert post(client, "/drafts/99999/approve", "/").status_code == 404


@pytest.mark.postgres
def test_the_desk_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    """The same desk on PostgreSQL: search (tsvector), the draft page, a review action."""
    for database_url in fresh_postgres_schema(postgres_url):
        sources = make_install(tmp_path, database_url)
        with (
            running_web(database_url=database_url, data_dir=tmp_path, sources=sources) as desk,
            closing(desk.client()) as client,
        ):
            found = queue_json(client, q="lighthouse")["items"]
            assert [item["headline"] for item in found] == [
                "Lighthouse Museum Reopens After Two-Year Restoration"
            ]
            target = found[0]["id"]
            assert 'data-testid="quote-mark"' in client.get(f"/drafts/{target}").text
            post(client, f"/drafts/{target}/reject", "/", note="on postgres")
            event = draft_json(client, target)["history"][-1]
            assert (event["action"], event["by"], event["note"]) == (
                "rejected",
                desk.user,
                "on postgres",
            )
