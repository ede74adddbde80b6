"""An editor who opens several tabs at once on a desk just started (issue #12): every
page answers. The first requests a `curator web` process serves are the ones that load
the facade's lazily loaded modules, from several server threads at once.

The module has a desk of its own, so its requests are the server's first.
"""

from __future__ import annotations

from playwright.sync_api import Page

from .conftest import log_in

TABS = (
    "/",
    "/drafts/1",
    "/voices",
    "/sources",
    "/published",
    "/?q=ferry",
    "/drafts/2",
    "/voices/Olga%20Brandt",
)


def test_tabs_opened_at_once_on_a_fresh_desk_all_answer(page: Page) -> None:
    # Log in to a page that reads nothing, so that the tabs are the first readers.
    page.goto("/login?next=/healthz")
    log_in(page)
    statuses = page.evaluate(
        "async (paths) => Promise.all(paths.map(async (p) => (await fetch(p)).status))",
        list(TABS),
    )
    assert dict(zip(TABS, statuses, strict=True)) == dict.fromkeys(TABS, 200)
