"""Editing, corrections and withdrawal in a real browser (issue #12 §4): an edit that
meets a stale-version conflict from a second browser, a published post corrected and
republished to the static site (read on disk), a post unpublished and republished.

Each test works on a draft of its own (by headline), so they pass in any order on the
module's one database.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser
from playwright.sync_api import Page
from playwright.sync_api import expect

from .conftest import EDITOR
from .conftest import Desk
from .conftest import drafts_by_headline
from .conftest import log_in
from .conftest import open_draft
from .conftest import screenshot

VISITS = "Border Agency Is Reportedly Refusing Visits to Workers Held at Calder Bay Depot"
MUSEUM = "Lighthouse Museum Reopens After Two-Year Restoration"
FERRY = "Ferry Operator Denies Permits to Stranded Island Workers"


def edit_markdown(page: Page, old: str, new: str) -> None:
    """Open the editor in place, replace `old` by `new` in the draft's Markdown, save."""
    page.get_by_test_id("edit").click()
    editor = page.get_by_test_id("markdown")
    text = editor.input_value()
    assert old in text, f"{old!r} is not in the draft's Markdown"
    editor.fill(text.replace(old, new, 1))
    page.get_by_test_id("save").click()


def approve_and_publish(page: Page, headline: str) -> None:
    open_draft(page, headline)
    page.locator("form.approve-form").get_by_test_id("approve").click()
    expect(page.get_by_test_id("flash")).to_contain_text("approved #")
    page.goto("/")
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("flash")).to_contain_text("publish")


def post_file(desk: Desk, headline: str) -> Path:
    """The post's page in the static site, as the file on disk."""
    draft_id = drafts_by_headline(desk)[headline]["id"]
    return desk.site / "posts" / f"curator-{draft_id}.html"


def test_a_stale_edit_from_a_second_browser_is_refused_and_shows_the_newer_version(
    browser: Browser, editor: Page, desk: Desk
) -> None:
    open_draft(editor, VISITS)  # the first tab: loaded at the current version
    other = browser.new_context(base_url=desk.url)
    try:
        second = other.new_page()
        log_in(second)
        open_draft(second, VISITS)
        newer = "Calder Bay Depot Still Refuses Visits, Families Say"
        edit_markdown(second, f"headline: {VISITS}", f"headline: {newer}")
        expect(second.get_by_test_id("flash")).to_contain_text("saved #")
    finally:
        other.close()

    mine = "The Agency Keeps Families Away From Calder Bay"
    edit_markdown(editor, f"headline: {VISITS}", f"headline: {mine}")
    conflict = editor.get_by_test_id("conflict")
    expect(conflict).to_be_visible()
    expect(editor.get_by_test_id("conflict-newer")).to_contain_text(newer)
    # What this editor typed is kept, not lost.
    expect(editor.get_by_test_id("markdown")).to_have_value(re.compile(re.escape(mine)))
    screenshot(editor, "stale-edit-conflict")
    stored = drafts_by_headline(desk)
    assert newer in stored and mine not in stored


def test_a_published_post_is_corrected_and_republished_to_the_static_site(
    editor: Page, desk: Desk
) -> None:
    approve_and_publish(editor, MUSEUM)
    path = post_file(desk, MUSEUM)
    assert MUSEUM in path.read_text(encoding="utf-8")

    corrected = "Lighthouse Museum Reopens After a Two-Year Restoration by Volunteers"
    open_draft(editor, MUSEUM)
    expect(editor.get_by_test_id("state").first).to_have_text("published")
    edit_markdown(editor, f"headline: {MUSEUM}", f"headline: {corrected}")
    expect(editor.get_by_test_id("flash")).to_contain_text("saved #")
    # The correction goes back to review; the post online is unchanged meanwhile.
    expect(editor.get_by_test_id("state").first).to_have_text("new")
    assert MUSEUM in path.read_text(encoding="utf-8")
    # History shows what changed, old → new.
    change = editor.get_by_test_id("history").locator(".change", has_text="headline")
    expect(change).to_have_count(1)
    assert "by Volunteers" in " ".join(change.locator("ins").all_inner_texts())

    approve_and_publish(editor, corrected)
    assert corrected in path.read_text(encoding="utf-8")
    assert drafts_by_headline(desk)[corrected]["state"] == "published"


def test_unpublish_takes_the_post_down_and_it_can_be_republished(editor: Page, desk: Desk) -> None:
    approve_and_publish(editor, FERRY)
    path = post_file(desk, FERRY)
    assert FERRY in path.read_text(encoding="utf-8")

    open_draft(editor, FERRY)
    editor.get_by_test_id("unpublish").click()
    expect(editor.get_by_test_id("flash")).to_contain_text("unpublished #")
    expect(editor.get_by_test_id("state").first).to_have_text("withdrawn")
    withdrawn = editor.get_by_test_id("history").locator("tr", has_text="withdr")
    expect(withdrawn).to_contain_text(EDITOR)
    assert not path.exists()
    assert drafts_by_headline(desk)[FERRY]["state"] == "withdrawn"

    editor.get_by_test_id("republish").click()
    expect(editor.get_by_test_id("state").first).to_have_text("approved")
    editor.goto("/")
    editor.get_by_test_id("publish").click()
    expect(editor.get_by_test_id("flash")).to_contain_text("publish")
    assert FERRY in path.read_text(encoding="utf-8")
