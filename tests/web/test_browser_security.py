"""The desk's guards, seen from a real browser (issue #12 §4): without a session every
page goes to the login page and every POST is refused; a POST without the CSRF token
gets 403; markup in a feed entry's title, a quote and a speaker's name is shown as text and
never runs — checked with the Content-Security-Policy bypassed, so that it is the
escaping that stops it, not only the policy.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser
from playwright.sync_api import Dialog
from playwright.sync_api import Page
from playwright.sync_api import expect

from .conftest import DROPPED_TITLE
from .conftest import XSS_QUOTE
from .conftest import XSS_SPEAKER
from .conftest import Desk
from .conftest import drafts_by_headline
from .conftest import log_in
from .conftest import open_draft
from .conftest import screenshot

FERRY = "Ferry Operator Denies Permits to Stranded Island Workers"
BOARD = "Harbour Board Meets on Friday"
PAGES = ("/", "/drafts/1", "/sources", "/published", "/voices", "/voices/Olga%20Brandt")
JSON = ("/api/drafts", "/api/drafts/1")
POSTS = (
    "/drafts/1/approve",
    "/drafts/1/reject",
    "/drafts/1/edit",
    "/drafts/bulk",
    "/drafts/1/unpublish",
    "/drafts/1/republish",
    "/publish",
)


def states(desk: Desk) -> dict[str, str]:
    return {headline: row["state"] for headline, row in drafts_by_headline(desk).items()}


def test_without_a_session_every_page_goes_to_the_login_page(page: Page) -> None:
    for path in PAGES + JSON:
        page.goto(path)
        expect(page).to_have_url(re.compile(r"/login\?next="))
        expect(page.get_by_test_id("login-form")).to_be_visible()
    # After logging in, the editor lands where they were going.
    page.goto("/voices")
    log_in(page)
    expect(page).to_have_url(re.compile(r"/voices$"))


def test_without_a_session_every_post_is_refused(page: Page, desk: Desk) -> None:
    before = states(desk)
    # An anonymous session has a CSRF token (the login form's): still refused.
    page.goto("/login")
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    assert token
    for path in POSTS:
        answer = page.request.post(
            path,
            form={"csrf_token": token, "version": "1", "ids": "1", "action": "approve"},
            max_redirects=0,
        )
        assert answer.status == 403, f"POST {path}: {answer.status}"
    assert states(desk) == before


def test_a_post_without_the_csrf_token_gets_403(editor: Page, desk: Desk) -> None:
    open_draft(editor, FERRY)
    # The form as the page has it, less its token, submitted by a click.
    editor.locator("form.approve-form input[name=csrf_token]").evaluate("e => e.remove()")
    with editor.expect_navigation() as navigation:
        editor.locator("form.approve-form").get_by_test_id("approve").click()
    answer = navigation.value
    assert answer is not None and answer.status == 403
    # A forged token is no better.
    draft_id = drafts_by_headline(desk)[FERRY]["id"]
    forged = editor.request.post(
        f"/drafts/{draft_id}/approve",
        form={"csrf_token": "forged", "version": "1"},
        max_redirects=0,
    )
    assert forged.status == 403
    assert states(desk)[FERRY] == "new"


@pytest.fixture
def unguarded(browser: Browser, desk: Desk) -> Iterator[Page]:
    """A logged-in page whose browser ignores the Content-Security-Policy."""
    context = browser.new_context(base_url=desk.url, bypass_csp=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    log_in(page)
    try:
        yield page
    finally:
        context.close()


MARKUP_RAN = "img[onerror], svg[onload], [onmouseover], script:not([src])"


def test_markup_from_a_feed_is_shown_as_text_and_never_runs(unguarded: Page, desk: Desk) -> None:
    page = unguarded
    dialogs: list[str] = []

    def refuse(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", refuse)
    open_draft(page, BOARD)
    board = page.url
    seen = {
        board: (XSS_QUOTE, XSS_SPEAKER),
        "/voices": (XSS_SPEAKER,),
        f"/voices/{quote(XSS_SPEAKER, safe='')}": (XSS_QUOTE,),
        "/": (BOARD,),
        "/sources": (DROPPED_TITLE,),
    }
    for path, texts in seen.items():
        page.goto(path)
        if path == "/sources":
            page.get_by_test_id("dropped").locator("summary").click()
        for text in texts:
            expect(page.locator("main").get_by_text(text).first).to_be_visible()
        assert page.locator(MARKUP_RAN).count() == 0, f"{path}: markup became elements"
        assert page.evaluate("window.__xss") is None, f"{path}: a payload ran"
        if path == board:
            screenshot(page, "markup-as-text")
    assert dialogs == []
