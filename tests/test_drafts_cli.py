"""The drafts, curate and entries commands (issue #5): Typer's CliRunner and real processes.

The drafts come from `curator fetch` on the shipped offline sample (the repo's
sources.yaml: three invented Harbour Ledger stories read from disk), into a temp
database and data folder. The sample is fetched once per module and its SQLite file
copied for each test; one test runs the whole path as real processes.

`curator drafts edit` runs as a real process with EDITOR set to a Python script of
tests/data/editors/ (run with this interpreter), stdin closed (not a terminal, so a
refused edit is not offered again) and TMPDIR in the test's folder, where the temp
file is written.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from test_cli import CURATOR_BIN
from test_cli import REPO
from test_cli import invoke
from test_cli import json_lines
from test_cli import table_rows
from typer.testing import Result

from curator import DraftContent
from curator.curate import parse_markdown
from curator.extract.pipeline import EXTRACTION_VERSION
from curator.model import Credit
from curator.model import DraftQuote
from curator.store import tables

EDITORS = Path(__file__).resolve().parent / "data" / "editors"
OUTLET = "The Harbour Ledger"
FERRY = "Ferry Operator Denies Permits to Stranded Island Workers"
WALL = "City Council Delays Vote on Harbour Wall Repairs"
LIGHTHOUSE = "Lighthouse Museum Reopens After Two-Year Restoration"
# id: (headline, quotes), in the order `drafts list` shows them (newest first).
SAMPLE_DRAFTS = {3: (LIGHTHOUSE, 2), 2: (WALL, 2), 1: (FERRY, 3)}

FERRY_SUMMARY = (
    "Dozens of seasonal workers have been stranded on Wrenna Island for weeks after the ferry"
    " operator stopped issuing travel permits, leaving many without income or a way home."
)
FERRY_ATTRIBUTION = (
    "A Wrenna Workers Union spokesperson told The Harbour Ledger that “talks with the operator"
    " have been difficult”."
)
FERRY_EXCERPT = (
    "She would not name the families involved, but she said in an email on Monday that “we were"
    " told no new permits will be issued this month.”\n\n“Nobody should have to choose between"
    " their job and getting home to their children,” the union said in a statement."
)
FERRY_QUOTES = [
    {
        "text": "We came here to work, not to be stuck",
        "speaker": "Tomasz Wilk",
        "cue": "said",
        "outlet": None,
    },
    {
        "text": "continues to monitor the situation",
        "speaker": "A spokesperson for the Port Authority",
        "cue": "told",
        "outlet": OUTLET,
    },
    {
        "text": "credible",
        "speaker": "A spokesperson for the Port Authority",
        "cue": "called",
        "outlet": OUTLET,
    },
]
FERRY_URL = "https://harbour-ledger.example/2026/11/ferry-permits"
FERRY_JSON = {
    "id": 1,
    "state": "new",
    "version": 1,
    "headline": FERRY,
    "summary": FERRY_SUMMARY,
    "attribution": FERRY_ATTRIBUTION,
    "excerpt": FERRY_EXCERPT,
    "quotes": FERRY_QUOTES,
    "source_url": FERRY_URL,
    "outlet": OUTLET,
    "published": "2026-11-17T09:30:00+00:00",
    "tags": ["sample"],
    "also_reported_by": [],
    "flags": [],
    "checks": [],
    "source": "sample",
    "entry": 1,
    "extraction_version": EXTRACTION_VERSION,
    "edited": False,
    "source_changed": False,
    "override": None,
    "published_content": None,
}
# "article" is left out: pages are fetched concurrently, so article ids follow no order.
DRAFT_KEYS = {*FERRY_JSON, "article", "created_at", "updated_at"}
HISTORY_KEYS = {"draft", "at", "by", "action", "version", "changes", "note"}
DROPPED_KEYS = {"entry", "source", "title", "url", "reason", "at"}
STALE = "draft 1 was changed by someone else (it is at version 2, not 1); reload it and try again"


# --- helpers ----------------------------------------------------------------------------


@dataclass
class Sample:
    """A folder with a database of the fetched sample; the repo's sources.yaml."""

    root: Path
    sources: Path = REPO / "sources.yaml"

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.root / 'curator.db'}"

    @property
    def tmp(self) -> Path:
        """TMPDIR of the processes: where `drafts edit` writes its temp file."""
        path = self.root / "tmp"
        path.mkdir(exist_ok=True)
        return path

    def flags(self) -> list[str]:
        return [
            "--sources",
            str(self.sources),
            "--database-url",
            self.database_url,
            "--data-dir",
            str(self.root / "data"),
        ]

    def invoke(self, *args: str, env: dict[str, str | None] | None = None) -> Result:
        return invoke([*self.flags(), *args], env)

    def run(self, *args: str, editor: str | None = None) -> subprocess.CompletedProcess[str]:
        """`.venv/bin/curator ARGS` as a real process (stdin closed: not a terminal)."""
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("CURATOR_") and k not in {"VISUAL", "EDITOR", "COLUMNS"}
        }
        env.update({"COLUMNS": "200", "TMPDIR": str(self.tmp), "TEMP": str(self.tmp)})
        if editor is not None:
            env["EDITOR"] = editor
        return subprocess.run(
            [str(CURATOR_BIN), *self.flags(), *args],
            cwd=self.root,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def draft(self, draft_id: int) -> dict[str, Any]:
        result = self.invoke("drafts", "show", str(draft_id), "--json")
        assert result.exit_code == 0, result.output
        (line,) = json_lines(result.stdout)
        return line

    def history(self, draft_id: int) -> list[dict[str, Any]]:
        result = self.invoke("drafts", "history", str(draft_id), "--json")
        assert result.exit_code == 0, result.output
        return json_lines(result.stdout)

    def markdown(self, draft_id: int) -> str:
        result = self.invoke("drafts", "show", str(draft_id), "--markdown")
        assert result.exit_code == 0, result.output
        return result.stdout


def editor(script: str) -> str:
    """An EDITOR value that runs tests/data/editors/SCRIPT with this Python."""
    return f"{shlex.quote(sys.executable)} {shlex.quote(str(EDITORS / script))}"


def table_lines(text: str) -> list[list[str]]:
    """The body rows of a Rich table, in order (test_cli.table_rows keys them by cell 1)."""
    return [
        [cell.strip() for cell in line.strip().strip("│").split("│")]
        for line in text.splitlines()
        if line.startswith("│")
    ]


def content_of(line: dict[str, Any]) -> DraftContent:
    """The DraftContent a `drafts show --json` line describes."""
    published = line["published"]
    return DraftContent(
        headline=line["headline"],
        summary=line["summary"],
        attribution=line["attribution"],
        excerpt=line["excerpt"],
        quotes=tuple(DraftQuote(**q) for q in line["quotes"]),
        source_url=line["source_url"],
        outlet=line["outlet"],
        published_at=datetime.fromisoformat(published) if published else None,
        tags=tuple(line["tags"]),
        also_reported_by=tuple(Credit(**c) for c in line["also_reported_by"]),
    )


def without_times(line: dict[str, Any]) -> dict[str, Any]:
    """The line without its times and article id (see DRAFT_KEYS)."""
    return {k: v for k, v in line.items() if k not in {"created_at", "updated_at", "article"}}


def last_event(sample: Sample, draft_id: int) -> tuple[str, str, int, list[str], str | None]:
    """(by, action, version, changed fields, note) of a draft's newest history event."""
    event = sample.history(draft_id)[-1]
    fields = [change["field"] for change in event["changes"]]
    return event["by"], event["action"], event["version"], fields, event["note"]


def kept_path(stderr: str) -> Path:
    match = re.search(r"your text is (?:kept )?in (\S+)", stderr)
    assert match, stderr
    return Path(match.group(1))


@pytest.fixture(scope="module")
def fetched_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The SQLite file of one `curator fetch` of the offline sample."""
    sample = Sample(tmp_path_factory.mktemp("sample"))
    assert sample.invoke("db", "upgrade").exit_code == 0
    result = sample.invoke("fetch", "--json")
    assert result.exit_code == 0, result.output
    (line,) = json_lines(result.stdout)
    assert (line["source"], line["new"], line["articles"]) == ("sample", 3, 3)
    return sample.root / "curator.db"


@pytest.fixture
def sample(fetched_sample: Path, tmp_path: Path) -> Sample:
    shutil.copyfile(fetched_sample, tmp_path / "curator.db")
    return Sample(tmp_path)


# --- list and show ------------------------------------------------------------------------


def test_fetch_then_drafts_list_as_real_processes(tmp_path: Path) -> None:
    sample = Sample(tmp_path)
    assert sample.run("db", "upgrade").returncode == 0
    fetched = sample.run("fetch")
    assert fetched.returncode == 0, fetched.stderr
    assert table_rows(fetched.stdout)["sample"][1:3] == ["ok", "3"]

    listed = sample.run("drafts", "list")
    assert listed.returncode == 0, listed.stderr
    assert listed.stderr == ""
    (header,) = [line for line in listed.stdout.splitlines() if line.startswith("┃")]
    assert [cell.strip() for cell in header.strip("┃").split("┃")] == [
        "id",
        "state",
        "headline",
        "outlet",
        "quotes",
        "flags",
        "age",
    ]
    rows = table_lines(listed.stdout)
    assert [row[:6] for row in rows] == [
        [str(i), "new", headline, OUTLET, str(quotes), ""]
        for i, (headline, quotes) in SAMPLE_DRAFTS.items()
    ]
    assert all(re.fullmatch(r"\d+[smhd]", row[6]) for row in rows), rows


def test_drafts_list_json_and_its_filters(sample: Sample) -> None:
    result = sample.invoke("drafts", "list", "--json")
    assert result.exit_code == 0, result.output
    lines = json_lines(result.stdout)
    assert all(set(line) == DRAFT_KEYS for line in lines)
    assert [(d["id"], d["state"], d["headline"], d["outlet"], len(d["quotes"])) for d in lines] == [
        (i, "new", headline, OUTLET, quotes) for i, (headline, quotes) in SAMPLE_DRAFTS.items()
    ]
    assert {(tuple(d["flags"]), d["version"], d["source"], d["edited"]) for d in lines} == {
        ((), 1, "sample", False)
    }
    assert without_times(lines[2]) == FERRY_JSON
    assert sorted(line["article"] for line in lines) == [1, 2, 3]
    assert [line["entry"] for line in lines] == [3, 2, 1]  # feed order
    for line in lines:
        created = datetime.fromisoformat(line["created_at"])
        assert created.tzinfo is not None and created.utcoffset() == timedelta(0)
        assert line["updated_at"] == line["created_at"]

    assert sample.invoke("drafts", "approve", "2", "--by", "alice").exit_code == 0

    def ids(*args: str) -> list[int]:
        result = sample.invoke("drafts", "list", "--json", *args)
        assert result.exit_code == 0, result.output
        return [line["id"] for line in json_lines(result.stdout)] if result.stdout else []

    assert ids("--state", "approved") == [2]
    assert ids("--state", "new") == [3, 1]
    assert ids("--state", "new", "--state", "approved") == [3, 2, 1]
    assert ids("--state", "rejected") == []
    assert ids("--source", "sample") == [3, 2, 1]
    assert ids("--source", "sample", "--state", "approved") == [2]
    today = datetime.now(UTC).date()
    assert ids("--since", (today - timedelta(days=1)).isoformat()) == [3, 2, 1]
    assert ids("--since", (today + timedelta(days=1)).isoformat()) == []
    assert ids("--limit", "2") == [3, 2]

    unknown = sample.invoke("drafts", "list", "--source", "nope")
    assert unknown.exit_code == 2
    assert unknown.stderr.strip() == "error: no source with id 'nope'"
    assert unknown.stdout == ""
    bad_state = sample.invoke("drafts", "list", "--state", "pending")
    assert bad_state.exit_code == 2
    assert "pending" in bad_state.stderr


def test_drafts_show_renders_json_and_markdown(sample: Sample) -> None:
    shown = sample.invoke("drafts", "show", "1")
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    assert "draft 1 · new · version 1" in lines[0]
    assert lines[1:] == [
        FERRY,
        f"{OUTLET} · 2026-11-17 09:30:00 UTC",
        "",
        FERRY_SUMMARY,
        "",
        FERRY_ATTRIBUTION,
        "",
        *(f"  │ {line}" for line in FERRY_EXCERPT.split("\n")),
        "",
        *(f"  “{q['text']}” — {q['speaker']}" for q in FERRY_QUOTES),
        "",
        f"Source: {OUTLET} {FERRY_URL}",
        "",
        lines[-2],  # the "history" rule
        lines[-1],
    ]
    assert "history" in lines[-2]
    assert re.fullmatch(r"v1 · \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC · created by curator", lines[-1])

    line = sample.draft(1)
    assert without_times(line) == FERRY_JSON

    markdown = sample.markdown(1)
    assert markdown.startswith(f"---\nid: 1\nversion: 1\nstate: new\nheadline: {FERRY}\n")
    assert f"\n## Attribution\n\n{FERRY_ATTRIBUTION}\n" in markdown
    excerpt = "\n".join(f"> {line}".rstrip() for line in FERRY_EXCERPT.split("\n"))
    assert markdown.endswith(f"\n## Excerpt\n\n{excerpt}\n")
    assert parse_markdown(markdown) == (1, content_of(line))  # the round trip

    for draft_id in (2, 3):  # every sample draft round-trips
        assert parse_markdown(sample.markdown(draft_id)) == (1, content_of(sample.draft(draft_id)))


def test_unknown_draft_ids_exit_2(sample: Sample) -> None:
    for args in (["show", "999"], ["show", "999", "--json"], ["history", "999"], ["edit", "999"]):
        result = sample.invoke("drafts", *args, env={"EDITOR": editor("noop.py")})
        assert result.exit_code == 2, (args, result.output)
        assert result.stderr.strip() == "error: no draft with id 999", args
        assert result.stdout == ""


# --- review -------------------------------------------------------------------------------


def test_approve_reject_and_history_with_who_and_why(sample: Sample) -> None:
    several = sample.invoke("drafts", "approve", "1", "999", "3", "--by", "alice", "--note", "ok")
    assert several.exit_code == 2  # one not found; the others were still approved
    assert several.stdout == "draft 1 approved (version 2)\ndraft 3 approved (version 2)\n"
    assert several.stderr.strip() == "draft 999: no draft with id 999"
    assert [sample.draft(i)["state"] for i in (1, 2, 3)] == ["approved", "new", "approved"]

    twice = sample.invoke("drafts", "approve", "1", "2", "--by", "bob")
    assert twice.exit_code == 5
    assert twice.stdout == "draft 2 approved (version 2)\n"
    assert twice.stderr.strip() == "draft 1: draft 1 is already approved"
    assert sample.draft(1)["version"] == 2

    rejected = sample.invoke("drafts", "reject", "3", "--by", "carol", "--note", "not our beat")
    assert rejected.exit_code == 5
    assert (
        rejected.stderr.strip() == "draft 3: draft 3 is approved; only new drafts can be rejected"
    )
    reopened = sample.invoke("drafts", "reopen", "3", "--by", "carol")
    assert reopened.exit_code == 5
    assert reopened.stderr.strip() == (
        "draft 3: draft 3 is approved; only rejected drafts can be reopened"
    )

    history = sample.history(1)
    assert all(set(event) == HISTORY_KEYS for event in history)
    assert [
        (e["draft"], e["by"], e["action"], e["version"], e["changes"], e["note"]) for e in history
    ] == [
        (1, "curator", "created", 1, [], None),
        (1, "alice", "approved", 2, [{"field": "state", "old": "new", "new": "approved"}], "ok"),
    ]
    created, approved = (datetime.fromisoformat(e["at"]) for e in history)
    assert created <= approved <= datetime.now(UTC)

    shown = sample.invoke("drafts", "history", "1")
    assert shown.exit_code == 0, shown.output
    when = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC"
    lines = shown.stdout.splitlines()
    assert len(lines) == 3
    assert re.fullmatch(f"v1 · {when} · created by curator", lines[0])
    assert re.fullmatch(f"v2 · {when} · approved by alice — ok", lines[1])
    assert lines[2] == "    state: new → approved"

    accept = sample.invoke("drafts", "accept-source", "1", "--by", "carol")
    assert accept.exit_code == 5
    assert accept.stderr.strip() == "draft 1: draft 1 has no proposed version to accept"


def test_reject_then_reopen_records_the_user(sample: Sample) -> None:
    rejected = sample.invoke(
        "drafts",
        "reject",
        "2",
        "--note",
        "not our beat",
        env={"USER": "zed", "USERNAME": None, "LOGNAME": None, "CURATOR_REVIEWER": None},
    )
    assert rejected.exit_code == 0, rejected.output
    assert rejected.stdout == "draft 2 rejected (version 2)\n"
    reopened = sample.invoke("drafts", "reopen", "2", "--by", "yan", "--note", "second look")
    assert reopened.exit_code == 0, reopened.output
    assert reopened.stdout == "draft 2 reopened (version 3)\n"
    assert [(e["by"], e["action"], e["version"], e["note"]) for e in sample.history(2)] == [
        ("curator", "created", 1, None),
        ("zed", "rejected", 2, "not our beat"),
        ("yan", "reopened", 3, "second look"),
    ]
    assert sample.draft(2)["state"] == "new"


# --- edit in $EDITOR (real processes) -------------------------------------------------


def test_edit_saves_the_editors_change_and_bumps_the_version(sample: Sample) -> None:
    done = sample.run(
        "drafts", "edit", "1", "--by", "dan", "--note", "shorter", editor=editor("retitle.py")
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "draft 1 saved (version 2, new)\n"
    line = sample.draft(1)
    assert without_times(line) == {
        **FERRY_JSON,
        "headline": "Island Workers Still Waiting for Ferry Permits",
        "version": 2,
        "edited": True,
    }
    assert last_event(sample, 1) == ("dan", "edited", 2, ["headline"], "shorter")
    assert list(sample.tmp.iterdir()) == []  # the temp file is removed after a save

    # Approving the version the reviewer saw before the edit is refused.
    stale = sample.invoke("drafts", "approve", "1", "--version", "1", "--by", "alice")
    assert stale.exit_code == 6
    assert stale.stderr.strip() == f"draft 1: {STALE}"
    assert sample.draft(1)["state"] == "new"
    both = sample.invoke("drafts", "approve", "1", "2", "--version", "2")
    assert both.exit_code == 2  # --version goes with one id
    current = sample.invoke("drafts", "approve", "1", "--version", "2", "--by", "alice")
    assert current.exit_code == 0, current.output
    assert current.stdout == "draft 1 approved (version 3)\n"


def test_edit_with_broken_front_matter_is_not_saved_and_the_text_is_kept(sample: Sample) -> None:
    before = sample.draft(1)
    original = sample.markdown(1)
    done = sample.run("drafts", "edit", "1", editor=editor("break_front_matter.py"))
    assert done.returncode == 5  # refused: an invalid edit
    assert done.stdout == ""
    assert "not saved: line 1: the front matter is not closed by a '---' line" in done.stderr
    path = kept_path(done.stderr)
    assert path.parent == sample.tmp and path.name.startswith("curator-draft-1-")
    lines = original.split("\n")
    del lines[[i for i, line in enumerate(lines) if line == "---"][1]]
    summary = lines.index("## Summary") + 2
    lines[summary] = "Edited by hand before the front matter broke. " + lines[summary]
    assert path.read_text(encoding="utf-8") == "\n".join(lines)  # the user's text
    assert sample.draft(1) == before  # nothing saved
    assert [e["action"] for e in sample.history(1)] == ["created"]


def test_an_edit_that_misquotes_and_drops_the_excerpt_is_flagged_with_its_reasons(
    sample: Sample,
) -> None:
    done = sample.run("drafts", "edit", "1", "--by", "dan", editor=editor("misquote_and_thin.py"))
    assert done.returncode == 0, done.stderr
    assert done.stdout == "draft 1 saved (version 2, new) — flagged: misquote, thin\n"
    words = "stopped issuing travel permits"
    misquote = (
        "in quotation marks here, but not in the source (indirect speech or the writer's words)"
    )
    assert sample.draft(1)["checks"] == [
        {"flag": "misquote", "where": "summary", "reason": misquote, "text": words},
        {"flag": "thin", "where": "excerpt", "reason": "no excerpt", "text": None},
    ]
    # drafts list gives the reason of thin, drafts show names the misquoted words
    listed = sample.run("drafts", "list")
    assert {row[0]: row[5] for row in table_lines(listed.stdout)}["1"] == (
        "misquote, thin (no excerpt)"
    )
    shown = " ".join(sample.run("drafts", "show", "1").stdout.split())
    assert f"misquote · summary — {misquote}: “{words}”" in shown
    assert "thin · excerpt — no excerpt" in shown
    refused = sample.invoke("drafts", "approve", "1", "--by", "alice")
    assert refused.exit_code == 5
    assert refused.stderr.strip() == (
        "draft 1: draft 1 is flagged (misquote): approving it needs --force and a note saying why"
    )


def test_edit_putting_words_not_in_the_source_in_a_quote_is_saved_flagged(sample: Sample) -> None:
    done = sample.run("drafts", "edit", "1", "--by", "dan", editor=editor("invent_quote.py"))
    assert done.returncode == 0, done.stderr
    assert done.stdout == "draft 1 saved (version 2, new) — flagged: verbatim\n"
    line = sample.draft(1)
    assert line["flags"] == ["verbatim"]
    assert line["quotes"] == [
        {**FERRY_QUOTES[0], "text": "the ferry will run again on Monday"},
        *FERRY_QUOTES[1:],
    ]
    assert last_event(sample, 1) == ("dan", "edited", 2, ["quote 1"], None)
    listed = sample.invoke("drafts", "list")
    assert {row[0]: row[5] for row in table_lines(listed.stdout)} == {
        "3": "",
        "2": "",
        "1": "verbatim",
    }
    assert sample.markdown(1).startswith(
        "---\n# flags: verbatim\n# verbatim (quote 1): quoted words not in the article:"
        " “the ferry will run again on Monday”\nid: 1\nversion: 2\n"
    )
    # drafts show names the quote that failed too (and --json)
    shown = sample.invoke("drafts", "show", "1")
    assert shown.exit_code == 0, shown.output
    assert (
        "verbatim · quote 1 — quoted words not in the article: “the ferry will run again on Monday”"
    ) in " ".join(shown.stdout.split())
    assert line["checks"] == [
        {
            "flag": "verbatim",
            "where": "quote 1",
            "reason": "quoted words not in the article",
            "text": "the ferry will run again on Monday",
        }
    ]

    refused = sample.invoke("drafts", "approve", "1", "--by", "alice")
    assert refused.exit_code == 5
    assert refused.stderr.strip() == (
        "draft 1: draft 1 is flagged (verbatim): approving it needs --force and a note saying why"
    )
    no_note = sample.invoke("drafts", "approve", "1", "--force", "--by", "alice")
    assert no_note.exit_code == 5
    assert no_note.stderr.strip() == (
        "draft 1: draft 1 is flagged (verbatim): --force needs a note saying why"
    )
    assert sample.draft(1)["state"] == "new"
    forced = sample.invoke("drafts", "approve", "1", "--force", "--note", "x", "--by", "alice")
    assert forced.exit_code == 0, forced.output
    assert forced.stdout == (
        "draft 1 approved (version 3)\n"
        "  forced: verbatim overridden; it is published with this note\n"
    )
    assert [(e["by"], e["action"], e["note"]) for e in sample.history(1)] == [
        ("curator", "created", None),
        ("dan", "edited", None),
        ("alice", "approved", "x"),
    ]


def test_edit_when_the_editor_fails_saves_nothing(sample: Sample) -> None:
    before = sample.draft(1)
    done = sample.run("drafts", "edit", "1", editor=editor("fail.py"))
    assert done.returncode == 1
    assert done.stdout == ""
    assert "the editor failed (exit 3); nothing saved" in done.stderr
    path = kept_path(done.stderr)
    assert path.parent == sample.tmp
    assert f"\nheadline: Half-typed {FERRY}\n" in path.read_text(encoding="utf-8")
    assert sample.draft(1) == before
    assert [e["action"] for e in sample.history(1)] == ["created"]


def test_edit_without_changes_says_so(sample: Sample) -> None:
    before = sample.draft(1)
    done = sample.run("drafts", "edit", "1", editor=editor("noop.py"))
    assert done.returncode == 0, done.stderr
    assert done.stdout == "no changes\n"
    assert sample.draft(1) == before
    assert list(sample.tmp.iterdir()) == []


# --- curate and dropped entries -----------------------------------------------------------


def test_entries_list_dropped_gives_the_reasons_and_curate_prints_the_count(
    tmp_path: Path,
) -> None:
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n"
        "  - id: sample\n"
        f"    url: {(REPO / 'curator' / 'samples' / 'feed.xml').as_uri()}\n"
        f"    outlet: {OUTLET}\n"
        "    filters:\n"
        "      block:\n"
        "        title: (?i)lighthouse\n"  # decided on the feed: the page is not read
        "        content: Nandakumar\n",  # only in the harbour wall story's body
        encoding="utf-8",
    )
    sample = Sample(tmp_path, sources=sources)
    assert sample.invoke("db", "upgrade").exit_code == 0
    fetched = sample.invoke("fetch", "--json")
    assert fetched.exit_code == 0, fetched.output
    (report,) = json_lines(fetched.stdout)
    assert (report["new"], report["articles"]) == (3, 2)

    dropped = sample.invoke("entries", "list", "--dropped", "--json")
    assert dropped.exit_code == 0, dropped.output
    lines = json_lines(dropped.stdout)
    assert all(set(line) == DROPPED_KEYS for line in lines)
    by_title = {line["title"]: line for line in lines}
    assert {title: (line["source"], line["reason"]) for title, line in by_title.items()} == {
        LIGHTHOUSE: ("sample", "blocked: title matches '(?i)lighthouse'"),
        WALL: ("sample", "blocked: content matches 'Nandakumar'"),
    }
    assert by_title[WALL]["url"].endswith("/curator/samples/articles/harbour-wall.html")

    table = sample.invoke("entries", "list", "--dropped")
    assert table.exit_code == 0, table.output
    assert "dropped entries" in table.stdout
    assert {row[2]: (row[1], row[3]) for row in table_lines(table.stdout)} == {
        LIGHTHOUSE: ("sample", "blocked: title matches '(?i)lighthouse'"),
        WALL: ("sample", "blocked: content matches 'Nandakumar'"),
    }
    assert sample.invoke("entries", "list", "--dropped", "--source", "nope").exit_code == 2

    listed = sample.invoke("drafts", "list", "--json")
    assert [line["headline"] for line in json_lines(listed.stdout)] == [FERRY]

    # Everything is curated already.
    again = sample.invoke("curate")
    assert again.exit_code == 0, again.output
    assert again.stdout == "0 new drafts\n"

    # A database fetched before drafts existed: articles, no drafts. Without the
    # filters, `curate` makes all three.
    forget_drafts(sample.database_url)
    sources.write_text(
        "sources:\n"
        f"  - id: sample\n    url: {(REPO / 'curator' / 'samples' / 'feed.xml').as_uri()}\n"
        f"    outlet: {OUTLET}\n",
        encoding="utf-8",
    )
    # The lighthouse page was never fetched: only the two stored articles are drafted.
    curated = sample.invoke("curate")
    assert curated.exit_code == 0, curated.output
    assert curated.stdout == "2 new drafts\n"
    listed = sample.invoke("drafts", "list", "--json")
    assert sorted(line["headline"] for line in json_lines(listed.stdout)) == sorted([FERRY, WALL])
    assert sample.invoke("curate", "--source", "nope").exit_code == 2


def forget_drafts(database_url: str) -> None:
    """Empty the tables of #5 (drafts, their history, dropped entries, tombstones)."""
    engine = sqlalchemy.create_engine(database_url)
    try:
        with engine.begin() as conn:
            for table in (
                tables.draft_events,
                tables.draft_sources,
                tables.drafts,
                tables.dropped_entries,
                tables.tombstones,
            ):
                conn.execute(sqlalchemy.delete(table))
    finally:
        engine.dispose()
