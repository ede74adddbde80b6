"""The web desk's guards, against `curator web` as a real process on 127.0.0.1 (httpx):
login required, POSTs refused without a session or CSRF token, the CSP and other
headers, cookie flags, login throttling, logout, password changes, and source text
with markup in it shown as text."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import closing
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from markupsafe import escape
from webserver import WebServer
from webserver import csrf_token
from webserver import curator_env
from webserver import login
from webserver import run_curator
from webserver import running_web

XSS_SPEAKER = 'Eve "<img src=x onerror=alert(1)>" Lind'
XSS_QUOTE = "<img src=x onerror=alert(1)>"
XSS_SOURCE = "Evil <script>alert('source')</script> Ledger"

GET_PAGES = (
    "/",
    "/?state=new",
    "/drafts/1",
    "/sources",
    "/published",
    "/voices",
    "/voices/Someone",
    "/api/drafts",
    "/api/drafts/1",
)
POST_ROUTES = (
    "/logout",
    "/drafts/1/approve",
    "/drafts/1/reject",
    "/drafts/1/edit",
    "/drafts/1/reopen",
    "/drafts/bulk",
    "/drafts/1/unpublish",
    "/drafts/1/republish",
    "/publish",
)

ARTICLE = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Harbour &lt;script&gt;alert('title')&lt;/script&gt; Opens</title></head>
<body><article><h1>Harbour &lt;script&gt;alert('title')&lt;/script&gt; Opens</h1>
<p>The new harbour opened on Thursday after a long delay funded by the council and by many
small donations from the town people.</p>
<p>“We rebuilt the pier by hand, one plank at a time,” said {html.escape(XSS_SPEAKER)}, the
harbour master. “It belongs to everyone in this town.”</p>
<p>The council said in a statement that mooring would stay free for small boats through
the winter and into the spring season.</p>
</article></body></html>
"""
FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Evil &lt;b&gt;feed&lt;/b&gt;</title>
<link>https://evil.example/</link><description>x</description>
<item><title>Harbour &lt;script&gt;alert('title')&lt;/script&gt; Opens</title>
<link>evil.html</link><guid isPermaLink="false">evil-1</guid>
<pubDate>Thu, 19 Nov 2026 08:00:00 GMT</pubDate><description>The harbour.</description></item>
</channel></rss>
"""


def make_install(folder: Path) -> tuple[str, Path]:
    """A database with one draft made by `curator fetch` from a local feed whose title,
    quote and speaker carry markup."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "evil.html").write_text(ARTICLE, encoding="utf-8")
    (folder / "feed.xml").write_text(FEED, encoding="utf-8")
    sources = folder / "sources.yaml"
    sources.write_text(
        "sources:\n"
        "  - id: evil\n"
        "    url: file:feed.xml\n"
        f'    name: "{XSS_SOURCE}"\n'
        "    outlet: The Ledger\n",
        encoding="utf-8",
    )
    database_url = f"sqlite:///{folder / 'curator.db'}"
    env = curator_env(database_url, folder, sources)
    run_curator(["db", "upgrade"], env=env)
    run_curator(["fetch"], env=env)
    return database_url, sources


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebServer]:
    folder = tmp_path_factory.mktemp("desk")
    database_url, sources = make_install(folder)
    with running_web(database_url=database_url, data_dir=folder, sources=sources) as running:
        yield running


@pytest.fixture
def client(server: WebServer) -> Iterator[httpx.Client]:
    with closing(server.client()) as logged_in:
        yield logged_in


@pytest.fixture
def anonymous(server: WebServer) -> Iterator[httpx.Client]:
    with closing(server.client(logged_in=False)) as client:
        yield client


def draft_state(client: httpx.Client, draft_id: int = 1) -> str:
    answer = client.get(f"/api/drafts/{draft_id}")
    answer.raise_for_status()
    text = answer.text
    found = re.search(r'"state": "(\w+)"', text)
    assert found, text
    return found.group(1)


def test_the_server_says_it_binds_loopback(server: WebServer) -> None:
    assert "http://127.0.0.1:" in server.log()
    assert "loopback only" in server.log()


@pytest.mark.parametrize("path", GET_PAGES)
def test_pages_redirect_to_login_without_a_session(anonymous: httpx.Client, path: str) -> None:
    answer = anonymous.get(path, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login?next=")
    assert "Queue" not in answer.text


def test_healthz_and_static_files_need_no_session(anonymous: httpx.Client) -> None:
    assert anonymous.get("/healthz").text == "ok"
    script = anonymous.get("/static/desk.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert anonymous.get("/static/desk.css").status_code == 200


@pytest.mark.parametrize("path", POST_ROUTES)
def test_posts_without_a_session_are_refused(
    server: WebServer, client: httpx.Client, path: str
) -> None:
    # A token from someone's page does not help without their session cookie.
    token = csrf_token(client.get("/").text)
    with httpx.Client(base_url=server.url) as stranger:
        answer = stranger.post(
            path,
            data={"csrf_token": token, "action": "approve", "ids": "1", "markdown": "x"},
            follow_redirects=False,
        )
    assert answer.status_code == 403
    assert draft_state(client) == "new"


@pytest.mark.parametrize("path", POST_ROUTES)
def test_posts_without_the_csrf_token_get_403(client: httpx.Client, path: str) -> None:
    for data in ({}, {"csrf_token": "forged"}):
        answer = client.post(
            path, data={**data, "action": "approve", "ids": "1"}, follow_redirects=False
        )
        assert answer.status_code == 403, (path, data)
    assert draft_state(client) == "new"
    assert client.get("/", follow_redirects=False).status_code == 200  # still logged in


def test_login_needs_its_csrf_token(server: WebServer, anonymous: httpx.Client) -> None:
    answer = anonymous.post(
        "/login", data={"name": server.user, "password": server.password}, follow_redirects=False
    )
    assert answer.status_code == 403


def test_every_page_has_a_strict_csp_and_no_inline_script_or_style(client: httpx.Client) -> None:
    for path in (*GET_PAGES, "/login", "/nonexistent"):
        answer = client.get(path)
        csp = answer.headers["content-security-policy"]
        assert "default-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["cache-control"] == "no-store"
        if answer.headers.get("content-type", "").startswith("text/html"):
            assert not inline_code(answer.text), path


class _InlineCode(HTMLParser):
    """Finds what a strict CSP would block: inline scripts, style elements and
    attributes, event-handler attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "style":
            self.found.append("<style>")
        if tag == "script" and "src" not in names:
            self.found.append("<script> without src")
        self._in_script = tag == "script"
        self.found += [f"{tag} {n}=" for n in names if n == "style" or n.startswith("on")]

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.found.append("inline script text")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False


def inline_code(page: str) -> list[str]:
    parser = _InlineCode()
    parser.feed(page)
    return parser.found


def test_session_cookie_flags(server: WebServer, anonymous: httpx.Client) -> None:
    answer = login(anonymous, server.user, server.password)
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"].lower()
    assert "curator_session=" in cookie
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "secure" not in cookie  # plain http on loopback


def test_cookies_are_secure_behind_https(tmp_path: Path) -> None:
    with (
        running_web(
            database_url=f"sqlite:///{tmp_path / 'c.db'}",
            data_dir=tmp_path,
            extra_args=["--https"],
        ) as server,
        httpx.Client(base_url=server.url) as client,
    ):
        page = client.get("/login")
        assert "secure" in page.headers["set-cookie"].lower()


def test_wrong_passwords_are_throttled_per_user(server: WebServer) -> None:
    name, password = "throttled", "a good long password"
    env = curator_env(server.database_url, server.data_dir, server.data_dir / "sources.yaml")
    run_curator(["users", "add", name, "--password-stdin"], env=env, input_text=password + "\n")
    with httpx.Client(base_url=server.url) as client:
        for _ in range(6):
            assert login(client, name, "wrong password").status_code == 401
        refused = login(client, name, password)  # even the right one, for a while
        assert refused.status_code == 429
        assert "too many failed logins" in refused.text
        # another user from the same address is not locked out
        assert login(client, server.user, server.password).status_code == 303


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(server: WebServer) -> None:
    with httpx.Client(base_url=server.url) as client:
        wrong = login(client, server.user, "not the password")
        unknown = login(client, "nobody-here", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert "wrong user name or password" in wrong.text
    assert "wrong user name or password" in unknown.text


def test_login_goes_back_to_the_page_asked_for_but_never_off_site(server: WebServer) -> None:
    with httpx.Client(base_url=server.url) as client:
        first = client.get("/sources", follow_redirects=False)
        assert first.headers["location"] == "/login?next=/sources"
        page = client.get(first.headers["location"])
        assert 'name="next" value="/sources"' in page.text
        for target, expected in (("/sources", "/sources"), ("//evil.example/", "/")):
            answer = client.post(
                "/login",
                data={
                    "name": server.user,
                    "password": server.password,
                    "next": target,
                    "csrf_token": csrf_token(client.get("/login").text),
                },
                follow_redirects=False,
            )
            assert answer.headers["location"] == expected
            client.cookies.clear()


def test_logout_ends_the_session_even_for_a_copied_cookie(server: WebServer) -> None:
    with closing(server.client()) as client:
        cookie = client.cookies["curator_session"]
        token = csrf_token(client.get("/").text)
        answer = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == "/login"
        assert client.get("/", follow_redirects=False).status_code == 303
    with httpx.Client(base_url=server.url, cookies={"curator_session": cookie}) as replay:
        assert replay.get("/", follow_redirects=False).status_code == 303


def test_a_new_password_or_a_removed_user_ends_their_sessions(server: WebServer) -> None:
    name, password = "leaving", "first password here"
    env = curator_env(server.database_url, server.data_dir, server.data_dir / "sources.yaml")
    run_curator(["users", "add", name, "--password-stdin"], env=env, input_text=password + "\n")
    with httpx.Client(base_url=server.url) as client:
        assert login(client, name, password).status_code == 303
        assert client.get("/", follow_redirects=False).status_code == 200
        run_curator(
            ["users", "passwd", name, "--password-stdin"], env=env, input_text="second one here\n"
        )
        assert client.get("/", follow_redirects=False).status_code == 303
        assert login(client, name, "second one here").status_code == 303
        run_curator(["users", "remove", name], env=env)
        assert client.get("/", follow_redirects=False).status_code == 303


def test_a_forged_session_cookie_is_ignored(server: WebServer) -> None:
    with closing(server.client()) as client:
        value = client.cookies["curator_session"]
    payload, _, signature = value.rpartition(".")
    forged = payload + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
    with httpx.Client(base_url=server.url, cookies={"curator_session": forged}) as client:
        assert client.get("/", follow_redirects=False).status_code == 303


def test_markup_from_the_source_is_shown_as_text(client: httpx.Client) -> None:
    pages = {path: client.get(path).text for path in ("/", "/drafts/1", "/sources", "/voices")}
    pages["speaker"] = client.get("/voices/" + quote(XSS_SPEAKER, safe="")).text
    everything = "\n".join(pages.values())
    for raw in ("<img src=x onerror=alert(1)>", "<script>alert("):
        assert raw not in everything
    assert str(escape(XSS_SOURCE)) in pages["/"]  # the source's name
    assert str(escape(XSS_SOURCE)) in pages["/sources"]
    assert "Harbour alert(&#39;title&#39;) Opens" in pages["/"]  # the headline (markup stripped)


def test_review_actions_are_recorded_under_the_logged_in_user(
    server: WebServer, client: httpx.Client
) -> None:
    token = csrf_token(client.get("/drafts/1").text)
    answer = client.post(
        "/drafts/1/reject", data={"csrf_token": token, "note": "not for us"}, follow_redirects=True
    )
    assert answer.status_code == 200
    try:
        history = client.get("/drafts/1").text
        section = history[history.index('data-testid="history"') :]
        row = re.search(r"<td>(\w+)</td>\s*<td>rejected</td>", section)
        assert row is not None and row.group(1) == server.user
        assert "not for us" in section
    finally:
        env = curator_env(server.database_url, server.data_dir, server.data_dir / "sources.yaml")
        run_curator(["drafts", "reopen", "1", "--by", "test"], env=env)
    assert draft_state(client) == "new"
