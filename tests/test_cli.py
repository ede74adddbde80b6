"""The command line (issue #3): Typer's CliRunner, and the key paths as a real subprocess.

Every invocation passes --sources, --database-url and --data-dir (or the CURATOR_*
variables they override) pointing into tmp_path, so nothing touches the repo's data/.
Feeds come from the real local servers of tests/fetch/servers.py.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fetch.servers import FeedServer
from fetch.servers import Reply
from fetch.servers import Seen
from fetch.servers import rss
from lxml import etree
from typer.testing import CliRunner
from typer.testing import Result

import curator
from curator.cli import app
from curator.config import load_settings
from curator.store import Store
from curator.store._migrations import head_revision

REPO = Path(__file__).resolve().parent.parent
OPML = Path(__file__).resolve().parent / "data" / "opml"
CURATOR_BIN = Path(sys.executable).parent / "curator"

FETCH_KEYS = {
    "source",
    "outcome",
    "new",
    "updated",
    "unchanged",
    "http_status",
    "error",
    "seconds",
    "articles",
    "article_errors",
    "quotes",
    "paused_until",
}
STATUS_KEYS = {
    "source",
    "name",
    "enabled",
    "url",
    "entries",
    "last_success",
    "last_error",
    "last_error_at",
    "consecutive_failures",
    "next_due",
    "gone",
    "failed_pages",
}
# Nothing from the environment running the tests may leak in; tables must not wrap.
CLEAN_ENV: dict[str, str | None] = {
    "CURATOR_SOURCES": None,
    "CURATOR_DATABASE_URL": None,
    "CURATOR_DATA_DIR": None,
    "COLUMNS": "200",
}

runner = CliRunner()


def invoke(args: list[str], env: Mapping[str, str | None] | None = None) -> Result:
    return runner.invoke(app, args, env={**CLEAN_ENV, **(env or {})})


def run_curator(
    args: list[str], *, cwd: Path, env: Mapping[str, str] | None = None, prefix: Sequence[str] = ()
) -> subprocess.CompletedProcess[str]:
    """`.venv/bin/curator ARGS` as a real process, without the caller's CURATOR_* variables."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CURATOR_")}
    clean.pop("COLUMNS", None)
    return subprocess.run(
        [*prefix, str(CURATOR_BIN), *args],
        cwd=cwd,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def json_lines(text: str) -> list[dict[str, Any]]:
    lines = text.splitlines()
    assert lines, "no output"
    return [json.loads(line) for line in lines]


def table_rows(text: str) -> dict[str, list[str]]:
    """The body rows of a Rich table, by their first cell."""
    rows: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line.startswith("│"):
            cells = [cell.strip() for cell in line.strip().strip("│").split("│")]
            rows[cells[0]] = cells
    return rows


@dataclass
class Project:
    root: Path

    @property
    def sources(self) -> Path:
        return self.root / "sources.yaml"

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.root / 'curator.db'}"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def flags(self) -> list[str]:
        return [
            "--sources",
            str(self.sources),
            "--database-url",
            self.database_url,
            "--data-dir",
            str(self.data_dir),
        ]

    def write(
        self, sources: Mapping[str, str], *, header: str = "", fetch_articles: bool = False
    ) -> str:
        text = header + "fetch:\n  timeout: 5s\n  connect_timeout: 2s\nsources:\n"
        articles = "" if fetch_articles else "    fetch_articles: false\n"
        text += "".join(
            f"  - id: {sid}\n    url: {url}\n{articles}" for sid, url in sources.items()
        )
        self.sources.write_text(text, encoding="utf-8")
        # As `curator db upgrade` after editing the file: it applies it to the database,
        # which holds the sources (#11).
        with self.curator() as facade:
            facade.upgrade()
        return text

    def curator(self) -> curator.Curator:
        settings = load_settings(self.sources, database_url=self.database_url, env={})
        return curator.make_curator(settings, parse_workers=0)

    def counts(self) -> dict[str, int]:
        with self.curator() as facade:
            facade.upgrade()
            return {row.source_id: row.entries for row in facade.status()}


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return Project(tmp_path)


def feed(*items: tuple[str, str]) -> bytes:
    body = "".join(
        f"<item><guid isPermaLink='false'>{guid}</guid><title>{guid}</title>"
        f"<link>https://cli.example/{guid}</link><description>{text}</description></item>"
        for guid, text in items
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{body}</channel></rss>'
    ).encode()


class Toggle:
    def __init__(self, reply: Reply) -> None:
        self.reply = reply

    def __call__(self, seen: Seen) -> Reply:
        return self.reply


def with_etag(seen: Seen) -> Reply:
    if seen.headers.get("if-none-match") == '"v1"':
        return Reply(304, headers={"ETag": '"v1"'})
    return Reply(body=feed(("e1", "x")), headers={"ETag": '"v1"'})


@pytest.fixture
def server() -> Iterator[FeedServer]:
    routes: dict[str, Reply | Callable[[Seen], Reply]] = {
        "/a.xml": Reply(body=rss("A", entries=2, base="http://a.example")),
        "/b.xml": Reply(body=rss("B", entries=3, base="http://b.example")),
        "/c.xml": Reply(body=rss("C", entries=1, base="http://c.example")),
        "/etag.xml": with_etag,
        "/changing.xml": Toggle(Reply(body=feed(("c1", "one"), ("c2", "two")))),
        "/broken.xml": Reply(500, b"no"),
        "/gone.xml": Reply(410, b"gone"),
    }
    with FeedServer(routes) as feed_server:
        yield feed_server


# --- fetch -----------------------------------------------------------------------------


def test_fetch_prints_a_row_per_source_and_exits_0(project: Project, server: FeedServer) -> None:
    project.write(
        {
            "a": server.url("/a.xml"),
            "etag": server.url("/etag.xml"),
            "changing": server.url("/changing.xml"),
        }
    )
    first = invoke([*project.flags(), "fetch"])
    assert first.exit_code == 0, first.output
    rows = table_rows(first.stdout)
    columns = ["source", "result", "new", "updated", "unchanged", "HTTP"]
    assert all(name in first.stdout for name in columns)
    assert {sid: cells[1:6] for sid, cells in rows.items()} == {
        "a": ["ok", "2", "0", "0", "200"],
        "etag": ["ok", "1", "0", "0", "200"],
        "changing": ["ok", "2", "0", "0", "200"],
    }
    assert re.fullmatch(r"\d+\.\d\ds", rows["a"][6])

    route = server.routes["/changing.xml"]
    assert isinstance(route, Toggle)
    route.reply = Reply(body=feed(("c1", "one, edited"), ("c2", "two"), ("c3", "three")))
    second = invoke([*project.flags(), "fetch"])
    assert second.exit_code == 0, second.output
    rows = table_rows(second.stdout)
    assert {sid: cells[1:6] for sid, cells in rows.items()} == {
        "a": ["ok", "0", "0", "2", "200"],
        "etag": ["not-modified", "0", "0", "0", "304"],
        "changing": ["ok", "1", "1", "1", "200"],
    }
    assert project.counts() == {"a": 2, "etag": 1, "changing": 3}


def test_fetch_exits_1_when_a_source_failed_and_stores_the_others(
    project: Project, server: FeedServer
) -> None:
    project.write({"a": server.url("/a.xml"), "broken": server.url("/broken.xml")})
    result = invoke([*project.flags(), "fetch"])
    assert result.exit_code == 1, result.output
    rows = table_rows(result.stdout)
    assert rows["a"][1:3] == ["ok", "2"]
    assert rows["broken"][1] == "error"
    assert rows["broken"][-1] == "HTTP 500 Internal Server Error"
    assert "broken: HTTP 500 Internal Server Error" in result.stderr
    assert project.counts() == {"a": 2, "broken": 0}


def test_fetch_json_prints_one_line_per_source(project: Project, server: FeedServer) -> None:
    project.write(
        {
            "a": server.url("/a.xml"),
            "broken": server.url("/broken.xml"),
            "gone": server.url("/gone.xml"),
        }
    )
    result = invoke([*project.flags(), "fetch", "--json"])
    assert result.exit_code == 1, result.output
    # One line per source, in the order they finish (see test_hostile_input.py)
    lines = sorted(json_lines(result.stdout), key=lambda line: line["source"])
    assert [line["source"] for line in lines] == ["a", "broken", "gone"]
    for line in lines:
        assert set(line) == FETCH_KEYS
        assert isinstance(line["seconds"], float | int) and line["seconds"] >= 0
    assert all(line.pop("paused_until") is None for line in lines)
    a, broken, gone = ({k: v for k, v in line.items() if k != "seconds"} for line in lines)
    assert a == {
        "source": "a",
        "outcome": "ok",
        "new": 2,
        "updated": 0,
        "unchanged": 0,
        "http_status": 200,
        "error": None,
        "articles": 0,
        "article_errors": 0,
        "quotes": 0,
    }
    assert broken == {
        "source": "broken",
        "outcome": "error",
        "new": 0,
        "updated": 0,
        "unchanged": 0,
        "http_status": 500,
        "error": "HTTP 500 Internal Server Error",
        "articles": 0,
        "article_errors": 0,
        "quotes": 0,
    }
    assert (gone["outcome"], gone["http_status"], gone["error"]) == ("gone", 410, None)

    # All good now (the gone source is no longer polled, only reported): exit 0.
    project.write({"a": server.url("/a.xml"), "gone": server.url("/gone.xml")})
    polled = len(server.paths())
    again = invoke([*project.flags(), "fetch", "--json"])
    assert again.exit_code == 0, again.output
    lines = sorted(json_lines(again.stdout), key=lambda line: line["source"])
    assert [(line["source"], line["outcome"], line["unchanged"]) for line in lines] == [
        ("a", "ok", 2),
        ("gone", "gone", 0),
    ]
    assert lines[1]["http_status"] is None and "--force" in lines[1]["error"]
    assert server.paths()[polled:] == ["/a.xml"]


def test_fetch_source_option_limits_the_run(project: Project, server: FeedServer) -> None:
    project.write({n: server.url(f"/{n}.xml") for n in "abc"})
    result = invoke([*project.flags(), "fetch", "--json", "--source", "c", "-s", "a"])
    assert result.exit_code == 0, result.output
    assert sorted(line["source"] for line in json_lines(result.stdout)) == ["a", "c"]
    assert sorted(server.paths()) == ["/a.xml", "/c.xml"]
    assert project.counts() == {"a": 2, "b": 0, "c": 1}


@pytest.mark.parametrize("as_json", [False, True], ids=["table", "json"])
def test_fetch_unknown_source_exits_2_with_one_line(
    project: Project, server: FeedServer, as_json: bool
) -> None:
    project.write({"a": server.url("/a.xml")})
    args = [*project.flags(), "fetch", "--source", "a", "--source", "nope"]
    result = invoke(args + (["--json"] if as_json else []))
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == "error: no source with id 'nope'"
    assert result.stdout == ""
    assert server.requests == []


# --- status -------------------------------------------------------------------------------


def test_status_and_status_json(project: Project, server: FeedServer) -> None:
    project.write(
        {
            "a": server.url("/a.xml"),
            "broken": server.url("/broken.xml"),
            "gone": server.url("/gone.xml"),
        }
    )
    with_disabled = project.sources.read_text() + (
        f"  - id: paused\n    url: {server.url('/b.xml')}\n    name: Switched Off\n"
        "    enabled: false\n"
    )
    project.sources.write_text(with_disabled)
    # The database holds the sources: an edited file counts once it is synced (#11).
    before = invoke([*project.flags(), "status", "--json"])
    assert [row["source"] for row in json_lines(before.stdout)] == ["a", "broken", "gone"]
    synced = invoke([*project.flags(), "sources", "sync"])
    assert synced.exit_code == 0, synced.output
    assert "sources added (1): paused" in synced.stderr
    again = invoke([*project.flags(), "sources", "sync"])
    assert "sources: no change" in again.stderr
    fetched = invoke([*project.flags(), "fetch"])
    assert fetched.exit_code == 1, fetched.output

    result = invoke([*project.flags(), "status", "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["source"]: row for row in json_lines(result.stdout)}
    assert list(rows) == ["a", "broken", "gone", "paused"]
    for row in rows.values():
        assert set(row) == STATUS_KEYS
    a, broken, gone, paused = rows.values()
    assert (a["entries"], a["enabled"], a["gone"], a["url"]) == (
        2,
        True,
        False,
        server.url("/a.xml"),
    )
    assert (a["last_error"], a["consecutive_failures"], a["name"]) == (None, 0, "a")
    success = datetime.fromisoformat(a["last_success"])
    assert success.utcoffset() is not None
    # the interval plus a jitter of up to 10 % of it
    assert 30 * 60 <= (datetime.fromisoformat(a["next_due"]) - success).total_seconds() < 33 * 60
    assert broken["last_error"] == "HTTP 500 Internal Server Error"
    assert broken["consecutive_failures"] == 1
    assert broken["last_success"] is None and broken["last_error_at"] is not None
    assert (gone["gone"], gone["entries"], gone["next_due"]) == (True, 0, None)
    assert (paused["enabled"], paused["name"], paused["entries"], paused["last_success"]) == (
        False,
        "Switched Off",
        0,
        None,
    )

    table = invoke([*project.flags(), "status"])
    assert table.exit_code == 0, table.output
    cells = table_rows(table.stdout)
    assert set(cells) == {"a", "broken", "gone (gone)", "paused"}
    assert cells["a"][1:3] == ["yes", "2"]
    assert cells["paused"][1] == "no"
    assert cells["broken"][4] == "1"
    assert cells["broken"][-1] == "HTTP 500 Internal Server Error"


# --- db, sources ----------------------------------------------------------------------------


def test_db_upgrade_is_idempotent(project: Project) -> None:
    project.write({})
    for _ in range(2):
        result = invoke([*project.flags(), "db", "upgrade"])
        assert result.exit_code == 0, result.output
        assert "database is up to date" in result.stderr
    with Store(project.database_url) as store:
        assert store.current_revision() == head_revision()
    assert project.counts() == {}


def test_db_error_exits_3(project: Project) -> None:
    project.write({})
    result = invoke([*project.flags()[:2], "--database-url", "mysql://x/y", "db", "upgrade"])
    assert result.exit_code == 3, result.output
    assert result.stderr.startswith("database error: unsupported database 'mysql'")


def test_sources_list(project: Project) -> None:
    project.sources.write_text(
        "defaults: {interval: 1h}\n"
        "sources:\n"
        "  - id: a\n    url: https://a.example/feed\n    name: Alpha\n    tags: [world, x]\n"
        "  - id: b\n    url: https://b.example/feed\n    enabled: false\n    interval: 15m\n"
        "    outlet: Bee Outlet\n    fetch_articles: false\n"
    )
    result = invoke([*project.flags(), "sources", "list", "--json"])
    assert result.exit_code == 0, result.output
    assert json_lines(result.stdout) == [
        {
            "id": "a",
            "url": "https://a.example/feed",
            "name": "Alpha",
            "outlet": "Alpha",
            "enabled": True,
            "interval": 3600.0,
            "fetch_articles": True,
            "tags": ["world", "x"],
        },
        {
            "id": "b",
            "url": "https://b.example/feed",
            "name": "b",
            "outlet": "Bee Outlet",
            "enabled": False,
            "interval": 900.0,
            "fetch_articles": False,
            "tags": [],
        },
    ]
    table = invoke([*project.flags(), "sources", "list"])
    assert table.exit_code == 0, table.output
    rows = table_rows(table.stdout)
    assert rows["a"][1:4] == ["Alpha", "Alpha", "yes"]
    assert rows["b"][3] == "no"
    assert rows["b"][-1] == "https://b.example/feed"


def test_sources_check_ok(project: Project) -> None:
    project.sources.write_text(
        "sources:\n  - id: a\n    url: https://a.example/\n"
        "  - id: b\n    url: https://b.example/\n    enabled: false\n"
    )
    result = invoke([*project.flags(), "sources", "check"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"{project.sources}: ok — 2 sources (1 enabled)"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "# comment\nfetch:\n  timeout: 5s\nsources:\n  - id: a\n    url: https://a.example/\n"
            "  - id: a\n    url: https://b.example/\n",
            "{path}:7: sources[1].id: duplicate id 'a' (first defined on line 5)",
        ),
        (
            "sources:\n  - id: a\n    url: https://a.example/\n  - id: b\n    url: [oops\n",
            "{path}:6: invalid YAML: ",
        ),
        (
            "sources:\n  - id: a\n    url: https://a.example/\n    colour: red\n",
            "{path}:4: sources[0].colour: unknown key 'colour'",
        ),
    ],
    ids=["duplicate-id", "broken-yaml", "unknown-key"],
)
def test_sources_check_names_file_and_line(project: Project, text: str, message: str) -> None:
    project.sources.write_text(text)
    result = invoke([*project.flags(), "sources", "check"])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: " + message.format(path=project.sources))
    assert len(result.stderr.strip().splitlines()) == 1


def test_sources_check_prints_every_error(project: Project) -> None:
    project.sources.write_text(
        "sources:\n  - id: a\n    url: ftp://a.example/\n"
        "  - id: b\n    url: https://b.example/\n    enabled: maybe\n"
    )
    result = invoke([*project.flags(), "sources", "check"])
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [
        f"error: {project.sources}:3: sources[0].url: bad URL 'ftp://a.example/':"
        " scheme must be http, https or file",
        f"error: {project.sources}:6: sources[1].enabled: expected true or false, got 'maybe'",
    ]


def test_missing_sources_file_exits_2(project: Project) -> None:
    result = invoke([*project.flags(), "sources", "check"])
    assert result.exit_code == 2
    assert (
        result.stderr.strip()
        == f"error: {project.sources}: sources file not found (set CURATOR_SOURCES)"
    )


KNOWN = (
    "# my sources: this comment must survive an import\n"
    "fetch:\n"
    "  timeout: 5s  # an inline comment\n"
    "sources:\n"
    "  - id: known\n"
    "    url: https://known.example/feed.xml  # already followed\n"
)


def test_sources_import_appends_skips_known_urls_and_keeps_comments(project: Project) -> None:
    project.sources.write_text(KNOWN)
    result = invoke([*project.flags(), "sources", "import", str(OPML / "subscriptions.opml")])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"imported 2 sources into {project.sources} (1 already there)"
    text = project.sources.read_text()
    assert text.startswith(KNOWN)
    settings = load_settings(project.sources, database_url="sqlite:///unused.db", env={})
    assert [(s.id, s.url, s.name, s.tags) for s in settings.sources] == [
        ("known", "https://known.example/feed.xml", "known", ()),
        ("harbour-watch", "https://harbour-watch.example/feed.xml", "Harbour Watch", ("world",)),
        ("q-a-daily", "https://qa.example/rss?x=1&y=2", "Q & A <Daily>", ("world",)),
    ]

    again = invoke([*project.flags(), "sources", "import", str(OPML / "subscriptions.opml")])
    assert again.exit_code == 0, again.output
    assert again.stdout.strip() == f"imported 0 sources into {project.sources} (3 already there)"
    assert project.sources.read_text() == text


def test_sources_import_print_leaves_the_file_alone(project: Project) -> None:
    project.sources.write_text(KNOWN)
    result = invoke(
        [*project.flags(), "sources", "import", "--print", str(OPML / "subscriptions.opml")]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "  - id: harbour-watch\n"
        '    url: "https://harbour-watch.example/feed.xml"\n'
        '    name: "Harbour Watch"\n'
        '    outlet: "Harbour Watch"\n'
        '    tags: ["world"]\n'
        "  - id: q-a-daily\n"
        '    url: "https://qa.example/rss?x=1&y=2"\n'
        '    name: "Q & A <Daily>"\n'
        '    outlet: "Q & A <Daily>"\n'
        '    tags: ["world"]\n'
    )
    assert project.sources.read_text() == KNOWN


def test_sources_import_refuses_a_result_that_would_be_invalid(project: Project) -> None:
    project.sources.write_text(KNOWN)
    result = invoke([*project.flags(), "sources", "import", str(OPML / "bad_url.opml")])
    assert result.exit_code == 2, result.output
    # KNOWN has 6 lines, the first imported item 4, so the ftp item's url is on line 12.
    assert result.stderr.strip() == (
        f"error: {project.sources}:12: sources[2].url: bad URL "
        "'ftp://files.example/feed.xml': scheme must be http, https or file"
    )
    assert project.sources.read_text() == KNOWN  # not even the good feed was added

    not_last = "sources:\n  - id: a\n    url: https://a.example/\nfetch:\n  timeout: 5s\n"
    project.sources.write_text(not_last)
    result = invoke([*project.flags(), "sources", "import", str(OPML / "subscriptions.opml")])
    assert result.exit_code == 2, result.output
    assert "`sources:` is not the last top-level key" in result.stderr
    assert project.sources.read_text() == not_last


def test_sources_export_round_trips_through_import(project: Project, tmp_path: Path) -> None:
    project.sources.write_text(
        "sources:\n"
        "  - id: a\n    url: https://a.example/feed?x=1&y=2\n    name: 'A & B <Daily> \"news\"'\n"
        "  - id: b\n    url: https://b.example/rss\n    enabled: false\n"
    )
    result = invoke([*project.flags(), "sources", "export"])
    assert result.exit_code == 0, result.output
    root = etree.fromstring(result.stdout.encode())
    assert root.get("version") == "2.0"
    assert [(o.get("xmlUrl"), o.get("text")) for o in root.iter("outline")] == [
        ("https://a.example/feed?x=1&y=2", 'A & B <Daily> "news"'),
        ("https://b.example/rss", "b"),
    ]

    exported = tmp_path / "exported.opml"
    assert invoke([*project.flags(), "sources", "export", "-o", str(exported)]).exit_code == 0
    other = Project(tmp_path / "other")
    other.root.mkdir()
    other.sources.write_text("sources: []\n")
    imported = invoke([*other.flags(), "sources", "import", str(exported)])
    assert imported.exit_code == 0, imported.output
    listed = json_lines(invoke([*other.flags(), "sources", "list", "--json"]).stdout)
    assert [(s["url"], s["name"]) for s in listed] == [
        ("https://a.example/feed?x=1&y=2", 'A & B <Daily> "news"'),
        ("https://b.example/rss", "b"),
    ]
    # Importing a project's own export adds nothing.
    own = invoke([*project.flags(), "sources", "import", str(exported)])
    assert own.stdout.strip().startswith("imported 0 sources")


# --- real subprocesses -----------------------------------------------------------------------


def _no_network_prefix() -> list[str]:
    """`unshare -rn` (a network namespace with no interfaces up) when the system allows it."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return []
    probe = subprocess.run([unshare, "-rn", "true"], capture_output=True, check=False)
    return [unshare, "-rn"] if probe.returncode == 0 else []


def test_shipped_sources_fetch_offline_as_a_subprocess(tmp_path: Path) -> None:
    """The repo's sources.yaml: the sample is read from disk (file: URLs), no network."""
    database_url = f"sqlite:///{tmp_path / 'curator.db'}"
    args = ["--sources", str(REPO / "sources.yaml"), "--database-url", database_url]
    args += ["--data-dir", str(tmp_path / "data")]
    assert run_curator([*args, "db", "upgrade"], cwd=tmp_path).returncode == 0
    args += ["fetch"]
    result = run_curator(args, cwd=tmp_path, env={"COLUMNS": "200"}, prefix=_no_network_prefix())
    assert result.returncode == 0, result.stdout + result.stderr
    assert table_rows(result.stdout)["sample"][1:3] == ["ok", "3"]

    settings = load_settings(REPO / "sources.yaml", database_url=database_url, env={})
    with curator.make_curator(settings, parse_workers=0) as facade:
        enabled = [s.id for s in facade.sources if s.enabled]
        assert enabled == ["sample"]
        assert facade.count_entries("sample") == 3
        assert facade.count_entries() == 3
        (row,) = facade.status()
        assert row.url.startswith("file://") and row.url.endswith("/curator/samples/feed.xml")
        titles = sorted(e.title or "" for e in facade.list_entries(source_id="sample"))
    assert titles[0].startswith("City Council Delays Vote")


def test_fetch_json_as_a_subprocess(project: Project, server: FeedServer) -> None:
    project.write({"a": server.url("/a.xml"), "broken": server.url("/broken.xml")})
    result = run_curator([*project.flags(), "fetch", "--json"], cwd=project.root)
    assert result.returncode == 1, result.stderr
    lines = json_lines(result.stdout)
    assert sorted((line["source"], line["outcome"], line["new"]) for line in lines) == [
        ("a", "ok", 2),
        ("broken", "error", 0),
    ]
    assert all(set(line) == FETCH_KEYS for line in lines)
    assert project.counts() == {"a": 2, "broken": 0}


def test_environment_as_a_subprocess(tmp_path: Path, server: FeedServer) -> None:
    project = Project(tmp_path)
    project.write({"a": server.url("/a.xml")})
    env = {
        "CURATOR_SOURCES": str(project.sources),
        "CURATOR_DATABASE_URL": project.database_url,
        "CURATOR_DATA_DIR": str(project.data_dir),
    }
    with project.curator() as facade:
        facade.upgrade()
        facade.fetch()
    result = run_curator(["status", "--json"], cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    (row,) = json_lines(result.stdout)
    assert (row["source"], row["entries"], row["url"]) == ("a", 2, server.url("/a.xml"))

    other = Project(tmp_path / "other")
    other.root.mkdir()
    other.write({"z": "https://z.example/feed"})
    result = run_curator([*other.flags(), "status", "--json"], cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert [(r["source"], r["entries"]) for r in json_lines(result.stdout)] == [("z", 0)]


def test_a_long_error_stays_on_one_line_when_piped(tmp_path: Path) -> None:
    folder = tmp_path / ("a-folder-name-long-enough-to-push-the-message-past-eighty-columns")
    folder.mkdir()
    sources = folder / "sources.yaml"
    sources.write_text(
        "sources:\n  - id: a\n    url: https://a.example/\n  - id: a\n    url: https://b.example/\n"
    )
    result = run_curator(["--sources", str(sources), "sources", "check"], cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"error: {sources}:4: sources[1].id: duplicate id 'a' (first defined on line 2)"
    ]
