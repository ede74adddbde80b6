"""The article and quote commands (issue #4) through Typer's CliRunner, plus real subprocesses.

`curator extract`, `curator reextract`, `curator quotes list` and the articles/quotes
columns of `curator fetch`. Pages come from a real local server (tests/fetch/servers.py)
and the invented pages of tests/data/pages/. Every invocation points --sources,
--database-url and --data-dir into tmp_path (test_cli.Project), except where the point
is that `extract` needs no sources.yaml.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fetch.servers import FeedServer
from fetch.servers import Reply
from test_articles import DEPOT_QUOTES
from test_articles import HINT
from test_articles import MARKUP_QUOTES
from test_articles import NIGHT_SHIFT_QUOTES
from test_articles import PAGES
from test_articles import QuoteRow
from test_articles import feed_linking
from test_articles import page
from test_articles import write_sources
from test_cli import Project
from test_cli import invoke
from test_cli import json_lines
from test_cli import run_curator
from test_cli import table_rows

EXTRACT_KEYS = {"input", "title", "byline", "published", "url", "text", "quotes", "error"}
QUOTE_KEYS = {
    "text",
    "speaker",
    "speaker_kind",
    "cue",
    "kind",
    "start",
    "end",
    "confidence",
    "outlet",
}
STORED_QUOTE_KEYS = {"id", "source", "entry", "article", "article_title", "article_url"}
REEXTRACT_KEYS = {"entry", "source", "url", "quotes", "error"}
DEPOT = str(PAGES / "depot-detentions.html")
DEPOT_TITLE = "Dock Workers Held Without Charge at Calder Bay Depot"
NIGHT_TITLE = "Night Shift Crane Drivers Vote to Strike"
MARKUP_TITLE = "[bold red]x[/] and <script>alert(1)</script> in a title"
PDF = Reply(body=b"%PDF-1.4\n" + b"\x00" * 64, headers={"Content-Type": "application/pdf"})


def rows_of(line: dict[str, Any]) -> list[QuoteRow]:
    return [
        (q["text"], q["speaker"], q["speaker_kind"], q["kind"], q["cue"], q["outlet"])
        for q in line["quotes"]
    ]


def assert_offsets(line: dict[str, Any]) -> None:
    for quote in line["quotes"]:
        assert set(quote) == QUOTE_KEYS
        assert line["text"][quote["start"] : quote["end"]] == quote["text"]


@pytest.fixture
def site() -> Iterator[FeedServer]:
    with FeedServer() as server:
        server.routes.update(
            {
                # The slow page comes first on the command line: output order is input order.
                "/slow.html": Reply(
                    body=(PAGES / "depot-detentions.html").read_bytes(),
                    headers={"Content-Type": "text/html; charset=utf-8"},
                    delay=0.3,
                ),
                "/0.html": page("depot-detentions.html"),
                "/1.html": page("night-shift.html"),
                "/c/0.html": page("markup.html"),
                "/report.pdf": PDF,
                "/ledger.xml": Reply(body=feed_linking(server, "/0.html", "/1.html", title="l")),
                "/courier.xml": Reply(body=feed_linking(server, "/c/0.html", title="c")),
                "/mixed.xml": Reply(body=feed_linking(server, "/1.html", "/nope.html", title="m")),
            }
        )
        yield server


def local_project(root: Path, server: FeedServer, *source_ids: str) -> Project:
    """A project whose sources (by feed name on `server`) may fetch loopback pages."""
    project = Project(root)
    sources = [
        {"id": sid, "url": server.url(f"/{sid}.xml"), "outlet": "The Ledger"} for sid in source_ids
    ]
    write_sources(root, sources, fetch={"allow_private_networks": True})
    if source_ids:  # commands but `db upgrade` never create the database
        assert invoke([*project.flags(), "db", "upgrade"]).exit_code == 0
    return project


# --- curator extract -------------------------------------------------------------------------


def test_extract_json_prints_one_object_per_input_in_input_order(
    tmp_path: Path, site: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = local_project(tmp_path, site)
    (tmp_path / "night.html.gz").write_bytes(
        gzip.compress((PAGES / "night-shift.html").read_bytes())
    )
    monkeypatch.chdir(tmp_path)
    inputs = [site.url("/slow.html"), DEPOT, str(PAGES / "night-shift.txt"), "night.html.gz"]
    result = invoke([*project.flags(), "extract", *inputs, "--json"])
    assert result.exit_code == 0, result.output
    lines = json_lines(result.stdout)
    assert [line["input"] for line in lines] == inputs
    for line in lines:
        assert set(line) == EXTRACT_KEYS
        assert line["error"] is None
        assert_offsets(line)

    url, depot, txt, gz = lines
    for line in (url, depot):
        assert line["title"] == DEPOT_TITLE
        assert line["byline"] == "Petra Lindqvist"
        assert line["published"] == "2031-04-22T07:45:00+00:00"
        assert line["url"] == "https://ledger.example/2031/04/depot-detentions"
        assert rows_of(line) == DEPOT_QUOTES
        assert line["text"].startswith("Reports of dock workers being held without charge")
    assert [q["confidence"] for q in depot["quotes"]] == [0.9, 0.8, 0.9, 0.9, 0.8, 0.9]

    assert gz["title"] == NIGHT_TITLE
    assert gz["url"] == (tmp_path / "night.html.gz").resolve().as_uri()
    assert rows_of(gz) == NIGHT_SHIFT_QUOTES

    # The .txt body: the same story without the block quote.
    assert rows_of(txt) == [NIGHT_SHIFT_QUOTES[0], NIGHT_SHIFT_QUOTES[2]]
    assert txt["text"].startswith(NIGHT_TITLE)

    assert site.paths() == ["/slow.html"]  # no robots.txt: a user's request is not a crawl
    assert not (tmp_path / "curator.db").exists()  # nothing is stored


def test_extract_failures_get_their_own_line_the_others_go_on_and_exit_1(
    tmp_path: Path, site: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = local_project(tmp_path, site)
    (tmp_path / "blob.html").write_bytes(bytes(range(256)) * 8)
    (tmp_path / "fake.html.gz").write_bytes(b"<html>not gzip at all</html>")
    (tmp_path / "empty.html").write_bytes(b"")
    monkeypatch.chdir(tmp_path)
    errors = {
        "missing.html": "cannot read missing.html: No such file or directory",
        "blob.html": "not HTML: the content looks like binary data",
        site.url("/report.pdf"): "not an HTML page (Content-Type: application/pdf)",
        site.url("/missing.html"): "HTTP 404 Not Found",
        "fake.html.gz": "not a valid gzip file: Not a gzipped file (b'<h')",
        "empty.html": "empty page",
    }
    inputs = [DEPOT, *list(errors)[:3], site.url("/1.html"), *list(errors)[3:]]
    result = invoke([*project.flags(), "extract", "--json", *inputs])
    assert result.exit_code == 1, result.output
    lines = json_lines(result.stdout)
    assert [line["input"] for line in lines] == inputs
    assert all(set(line) == EXTRACT_KEYS for line in lines)
    assert {line["input"]: line["error"] for line in lines} == {
        DEPOT: None,
        site.url("/1.html"): None,
        **errors,
    }
    for line in lines:
        if line["error"] is not None:
            assert (line["title"], line["text"], line["quotes"]) == (None, None, [])
    assert rows_of(lines[0]) == DEPOT_QUOTES
    assert rows_of(lines[4]) == NIGHT_SHIFT_QUOTES


def test_extract_needs_no_sources_file_and_refuses_loopback_urls(
    tmp_path: Path, site: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No sources.yaml in the working directory: the defaults apply, so the SSRF guard is on."""
    monkeypatch.chdir(tmp_path)
    url = site.url("/0.html")
    result = invoke(["extract", "--json", url, DEPOT])
    assert result.exit_code == 1, result.output
    refused, ok = json_lines(result.stdout)
    assert (refused["input"], refused["error"]) == (
        url,
        f"refused: 127.0.0.1 is a loopback address {HINT}",
    )
    assert (ok["input"], ok["error"], ok["title"]) == (DEPOT, None, DEPOT_TITLE)
    assert rows_of(ok) == DEPOT_QUOTES
    assert site.paths() == []  # not a packet sent

    # And all good: exit 0, without a sources file still.
    again = invoke(["extract", "--json", DEPOT])
    assert again.exit_code == 0, again.output
    assert [line["error"] for line in json_lines(again.stdout)] == [None]


def test_extract_leaves_the_working_directory_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    result = invoke(["extract", "--json", DEPOT])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in work.iterdir()) == []


def test_an_empty_text_file_fails_like_an_empty_html_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    monkeypatch.chdir(tmp_path)
    result = invoke(["extract", "--json", "empty.txt"])
    (line,) = json_lines(result.stdout)
    assert line["error"] is not None
    assert result.exit_code == 1


def test_extract_without_json_prints_title_details_and_a_quotes_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke(["extract", DEPOT, "missing.html"])
    assert result.exit_code == 1, result.output
    out = result.stdout
    assert DEPOT in out.splitlines()[0]  # the rule names the input
    assert DEPOT_TITLE in out
    assert (
        "Petra Lindqvist · 2031-04-22 07:45:00 UTC · "
        "https://ledger.example/2031/04/depot-detentions" in out
    )
    for header in ("kind", "speaker", "cue", "outlet", "quote", "conf."):
        assert header in out
    rows = table_rows(out)
    assert [rows[str(n)][:6] for n in range(1, 7)] == [
        [str(n), kind, f"{speaker} ({speaker_kind})", cue, outlet or "", text]
        for n, (text, speaker, speaker_kind, kind, cue, outlet) in enumerate(DEPOT_QUOTES, 1)
    ]
    assert "missing.html: cannot read missing.html: No such file or directory" in result.stderr


def test_rich_markup_in_pages_and_inputs_is_printed_literally(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    markup = str(PAGES / "markup.html")
    result = invoke(["extract", markup, "[bold]oops[/].html"])
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert MARKUP_TITLE in lines
    rows = table_rows(result.stdout)
    assert rows["1"][5] == MARKUP_QUOTES[0][0]
    assert "[bold]oops[/].html: cannot read [bold]oops[/].html" in result.stderr

    as_json = invoke(["extract", "--json", markup])
    (line,) = json_lines(as_json.stdout)
    assert line["title"] == MARKUP_TITLE
    assert rows_of(line) == MARKUP_QUOTES


# --- after a fetch: the fetch table, quotes list, reextract ------------------------------------


def test_fetch_table_and_json_show_articles_and_quotes(tmp_path: Path, site: FeedServer) -> None:
    project = local_project(tmp_path, site, "ledger", "mixed")
    result = invoke([*project.flags(), "fetch"])
    assert result.exit_code == 1, result.output  # an article page failed (#11)
    header = next(line for line in result.stdout.splitlines() if "source" in line)
    assert [cell.strip() for cell in header.strip("┃ ").split("┃")][-3:] == [
        "articles",
        "quotes",
        "error",
    ]
    rows = table_rows(result.stdout)
    assert rows["ledger"][1:6] == ["ok", "2", "0", "0", "200"]
    # /1.html is linked by both feeds: fetched once, counted for whichever source
    # fetched it first, never twice (one stored page per URL, #11).
    counted = (rows["ledger"][7], rows["ledger"][8], rows["mixed"][7], rows["mixed"][8])
    assert counted in {("2", "9", "0 (1 failed)", "0"), ("1", "6", "1 (1 failed)", "3")}
    assert rows["ledger"][9:] == rows["mixed"][9:] == [""]
    assert f"mixed: {site.url('/nope.html')}: HTTP 404 Not Found" in result.stderr

    again = invoke([*project.flags(), "fetch", "--json"])
    assert again.exit_code == 0, again.output
    assert sorted(
        (
            line["source"],
            line["unchanged"],
            line["articles"],
            line["article_errors"],
            line["quotes"],
        )
        for line in json_lines(again.stdout)
    ) == [("ledger", 2, 0, 0, 0), ("mixed", 2, 0, 0, 0)]


@pytest.fixture
def fetched(tmp_path: Path, site: FeedServer) -> Project:
    project = local_project(tmp_path, site, "ledger", "courier")
    result = invoke([*project.flags(), "fetch", "--json"])
    assert result.exit_code == 0, result.output
    assert sorted(
        (line["source"], line["articles"], line["quotes"]) for line in json_lines(result.stdout)
    ) == [
        ("courier", 1, 2),
        ("ledger", 2, 9),
    ]
    return project


def test_quotes_list_filters_by_source_and_speaker(fetched: Project, site: FeedServer) -> None:
    result = invoke([*fetched.flags(), "quotes", "list", "--json"])
    assert result.exit_code == 0, result.output
    lines = json_lines(result.stdout)
    assert len(lines) == len(DEPOT_QUOTES) + len(NIGHT_SHIFT_QUOTES) + len(MARKUP_QUOTES)
    assert all(set(line) == STORED_QUOTE_KEYS | QUOTE_KEYS for line in lines)
    by_url: dict[str, list[QuoteRow]] = {}
    for line in lines:
        by_url.setdefault(line["article_url"], []).append(
            (
                line["text"],
                line["speaker"],
                line["speaker_kind"],
                line["kind"],
                line["cue"],
                line["outlet"],
            )
        )
    assert by_url == {
        "https://ledger.example/2031/04/depot-detentions": DEPOT_QUOTES,
        site.url("/1.html"): NIGHT_SHIFT_QUOTES,
        site.url("/c/0.html"): MARKUP_QUOTES,
    }

    courier = json_lines(
        invoke([*fetched.flags(), "quotes", "list", "-s", "courier", "--json"]).stdout
    )
    assert [(line["source"], line["text"]) for line in courier] == [
        ("courier", text) for text, *_ in MARKUP_QUOTES
    ]
    roe = invoke([*fetched.flags(), "quotes", "list", "--speaker", "JANE roe", "--json"])
    assert [
        (line["speaker"], line["text"], line["article_title"]) for line in json_lines(roe.stdout)
    ] == [("Commissioner Jane Roe", "cannot be ignored", DEPOT_TITLE)]
    none = invoke(
        [*fetched.flags(), "quotes", "list", "-s", "courier", "--speaker", "roe", "--json"]
    )
    assert none.exit_code == 0 and none.stdout == ""
    limited = invoke([*fetched.flags(), "quotes", "list", "--limit", "3", "--json"])
    assert len(json_lines(limited.stdout)) == 3

    table = invoke([*fetched.flags(), "quotes", "list", "--source", "courier"])
    assert table.exit_code == 0, table.output
    assert "Ivo Tamm" in table.stdout
    assert "[bold red]x[/]" in table.stdout and "<script>alert(1)</script>" in table.stdout

    unknown = invoke([*fetched.flags(), "quotes", "list", "--source", "nope"])
    assert unknown.exit_code == 2, unknown.output
    assert unknown.stderr.strip() == "error: no source with id 'nope'"


def test_reextract_json_since_and_unknown_source(fetched: Project, site: FeedServer) -> None:
    requests_before = len(site.paths())
    result = invoke([*fetched.flags(), "reextract", "--json"])
    assert result.exit_code == 0, result.output
    lines = json_lines(result.stdout)
    assert all(set(line) == REEXTRACT_KEYS for line in lines)
    assert sorted(
        (line["source"], line["url"], line["quotes"], line["error"]) for line in lines
    ) == [
        ("courier", site.url("/c/0.html"), 2, None),
        ("ledger", site.url("/0.html"), 6, None),
        ("ledger", site.url("/1.html"), 3, None),
    ]
    assert len(site.paths()) == requests_before  # no re-fetch

    plain = invoke([*fetched.flags(), "reextract", "--source", "courier"])
    assert plain.exit_code == 0, plain.output
    assert plain.stdout.strip() == "re-extracted 1 articles: 2 quotes"

    future = invoke([*fetched.flags(), "reextract", "--since", "2999-01-01"])
    assert future.exit_code == 0, future.output
    assert future.stdout.strip() == "re-extracted 0 articles: 0 quotes"
    future_json = invoke([*fetched.flags(), "reextract", "--since", "2999-01-01", "--json"])
    assert future_json.exit_code == 0 and future_json.stdout == ""
    past = invoke([*fetched.flags(), "reextract", "--since", "2000-01-01T00:00:00", "--json"])
    assert len(json_lines(past.stdout)) == 3

    unknown = invoke([*fetched.flags(), "reextract", "--source", "nope"])
    assert unknown.exit_code == 2, unknown.output
    assert unknown.stderr.strip() == "error: no source with id 'nope'"
    assert len(site.paths()) == requests_before

    # The quotes are still all there, once each.
    listed = json_lines(invoke([*fetched.flags(), "quotes", "list", "--json"]).stdout)
    assert len(listed) == 11


# --- real subprocesses ---------------------------------------------------------------------------


def test_extract_json_as_a_subprocess(tmp_path: Path, site: FeedServer) -> None:
    project = local_project(tmp_path, site)
    (tmp_path / "depot.html.gz").write_bytes(
        gzip.compress((PAGES / "depot-detentions.html").read_bytes())
    )
    inputs = ["depot.html.gz", site.url("/1.html"), "nothing-here.txt"]
    result = run_curator([*project.flags(), "extract", "--json", *inputs], cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    lines = json_lines(result.stdout)
    assert [(line["input"], line["error"]) for line in lines] == [
        ("depot.html.gz", None),
        (site.url("/1.html"), None),
        ("nothing-here.txt", "cannot read nothing-here.txt: No such file or directory"),
    ]
    assert rows_of(lines[0]) == DEPOT_QUOTES
    assert rows_of(lines[1]) == NIGHT_SHIFT_QUOTES
    for line in lines[:2]:
        assert_offsets(line)


def test_fetch_with_articles_as_a_subprocess(tmp_path: Path, site: FeedServer) -> None:
    """The real thing: a process pool extracts the pages."""
    project = local_project(tmp_path, site, "ledger", "courier")
    result = run_curator([*project.flags(), "fetch", "--json"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(  # one line per source, as each finishes
        (line["source"], line["outcome"], line["new"], line["articles"], line["quotes"])
        for line in json_lines(result.stdout)
    ) == [("courier", "ok", 1, 1, 2), ("ledger", "ok", 2, 2, 9)]
    with project.curator() as facade:
        olga = facade.list_quotes(speaker="olga")
    assert [q.quote.text for q in olga] == [NIGHT_SHIFT_QUOTES[0][0]]
