"""Reviewing in a real browser (issue #12 §4): log in, the queue built from a locally
served feed, approve, reject with a note, bulk-approve three, the voices page.

Each test works on drafts of its own (by headline), so they pass in any order on the
module's one database.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page
from playwright.sync_api import expect

from .conftest import EDITOR
from .conftest import Desk
from .conftest import drafts_by_headline
from .conftest import filler_story
from .conftest import log_in
from .conftest import open_draft
from .conftest import screenshot

FERRY = "Ferry Operator Denies Permits to Stranded Island Workers"
WALL = "City Council Delays Vote on Harbour Wall Repairs"
NIGHT_SHIFT = "Night Shift Crane Drivers Vote to Strike"


def test_log_in_and_review_the_queue_built_from_the_feed(page: Page, desk: Desk) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login"))
    log_in(page)
    expect(page).to_have_url(f"{desk.url}/")
    expect(page.locator("header .who")).to_have_text(EDITOR)
    stored = drafts_by_headline(desk)
    rows = page.get_by_test_id("queue-row")
    expect(rows).to_have_count(len(stored))
    for headline in (FERRY, WALL, NIGHT_SHIFT, filler_story(0)[0]):
        expect(rows.filter(has_text=headline)).to_have_count(1)
    # A flagged draft shows its flags as badges, with the reason on hover.
    night = rows.filter(has_text=NIGHT_SHIFT)
    budget = night.get_by_test_id("flag").filter(has_text="budget")
    expect(budget).to_be_visible()
    expect(budget).to_have_attribute("title", re.compile(r"words copied"))
    screenshot(page, "queue")


def test_approve_a_draft_from_its_page(editor: Page, desk: Desk) -> None:
    open_draft(editor, FERRY)
    expect(editor.locator("h1").first).to_contain_text(FERRY)
    # The source article, each quote highlighted where it stands.
    marks = editor.get_by_test_id("quote-mark")
    expect(marks.first).to_be_visible()
    assert marks.count() >= 2
    expect(editor.get_by_test_id("budget-meter")).to_contain_text("words quoted")
    screenshot(editor, "draft")
    editor.get_by_test_id("approve").click()
    expect(editor.get_by_test_id("flash")).to_contain_text("approved #")
    assert drafts_by_headline(desk)[FERRY]["state"] == "approved"
    open_draft(editor, FERRY)
    expect(editor.get_by_test_id("state").first).to_have_text("approved")
    history = editor.get_by_test_id("history")
    expect(history.locator("tr", has_text="approve")).to_contain_text(EDITOR)


def test_reject_with_a_note(editor: Page, desk: Desk) -> None:
    open_draft(editor, WALL)
    note = "Council story: we ran it last week"
    editor.get_by_test_id("reject-note").fill(note)
    editor.locator("form.reject-form").get_by_test_id("reject").click()
    expect(editor.get_by_test_id("flash")).to_contain_text("rejected #")
    assert drafts_by_headline(desk)[WALL]["state"] == "rejected"
    open_draft(editor, WALL)
    expect(editor.get_by_test_id("state").first).to_have_text("rejected")
    rejected = editor.get_by_test_id("history").locator("tr", has_text="reject")
    expect(rejected).to_contain_text(note)
    expect(rejected).to_contain_text(EDITOR)


def test_bulk_approve_three(editor: Page, desk: Desk) -> None:
    chosen = [filler_story(number)[0] for number in (0, 1, 2)]
    rows = editor.get_by_test_id("queue-row")
    for headline in chosen:
        rows.filter(has_text=headline).get_by_test_id("select").check()
    editor.get_by_test_id("bulk-approve").click()
    expect(editor.get_by_test_id("flash")).to_contain_text("approved 3")
    for headline in chosen:
        row = editor.get_by_test_id("queue-row").filter(has_text=headline)
        expect(row.get_by_test_id("state")).to_have_text("approved")
    stored = drafts_by_headline(desk)
    assert [stored[h]["state"] for h in chosen] == ["approved"] * 3
    # The others were left alone.
    assert stored[filler_story(3)[0]]["state"] == "new"


def test_the_voices_page_lists_who_is_quoted_and_links_to_their_quotes(editor: Page) -> None:
    editor.get_by_role("link", name="Voices").click()
    rows = editor.get_by_test_id("voice-row")
    expect(rows.first).to_be_visible()
    expect(editor.get_by_test_id("voices-summary")).to_contain_text("unknown speaker")
    # Olga Brandt is quoted in two stories (the night shift, the harbour board).
    olga = rows.filter(has_text="Olga Brandt")
    expect(olga).to_have_count(1)
    screenshot(editor, "voices")
    olga.get_by_role("link", name="Olga Brandt").click()
    expect(editor).to_have_url(re.compile(r"/voices/Olga"))
    expect(editor.locator("main")).to_contain_text("We have asked for a fair rota")
    editor.get_by_role("link", name=NIGHT_SHIFT).first.click()
    expect(editor).to_have_url(re.compile(r"/drafts/\d+"))
    expect(editor.locator("h1").first).to_contain_text(NIGHT_SHIFT)
