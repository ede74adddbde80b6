"""Source text never reaches the terminal raw (issue #10): the real `curator` console
script runs on a pseudo-terminal, so Rich renders as it does for a person, over a
database holding hostile titles, quotes, errors and a webhook receiver's answer.

What a feed sends: ESC ] 0 ; … BEL retitles the window, ESC [2J clears the screen,
U+009B is a one-character CSI. The output may contain Rich's own colour codes (SGR,
ESC [ … m) and nothing else a terminal acts on."""

from __future__ import annotations

import fcntl
import json
import os
import re
import sqlite3
import struct
import subprocess
import sys
import termios
from collections.abc import Iterator
from pathlib import Path

import pytest
from fetch.servers import Reply
from publish.test_webhook import SECRET
from publish.test_webhook import Receiver

REPO = Path(__file__).resolve().parent.parent
CURATOR_BIN = Path(sys.executable).parent / "curator"
ARTICLES = REPO / "curator" / "samples" / "articles"

RETITLE = "\x1b]0;PWNED\x07"
CLEAR = "\x1b[2J\x1b[H"
CSI_C1 = "\x9b31m"
HOSTILE = f"Ferry {RETITLE}talks {CLEAR}stall {CSI_C1}red"
SGR = re.compile(r"\x1b\[[0-9;]*m")  # Rich's own styling
ACTIVE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # what remains must not be here


def run_on_a_terminal(args: list[str], env: dict[str, str]) -> str:
    """Run `curator ARGS` with a pseudo-terminal as stdin, stdout and stderr."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 60, 220, 0, 0))
    process = subprocess.Popen(
        [str(CURATOR_BIN), *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    chunks: list[bytes] = []
    try:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: every writer closed the terminal
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(master)
        process.wait(timeout=60)
    return b"".join(chunks).decode("utf-8")


def assert_inert(output: str) -> None:
    without_styles = SGR.sub("", output).replace("\r\n", "\n")
    found = ACTIVE.findall(without_styles)
    assert not found, f"control characters reached the terminal: {found!r}"


@pytest.fixture
def hostile_db(tmp_path: Path) -> Iterator[tuple[list[str], dict[str, str], Receiver]]:
    """A database fetched from a JSON Feed with hostile titles, drafts and quotes edited
    to hostile text, a hostile last error; and a receiver whose answer is hostile."""
    items = [
        {
            "id": f"h{n}",
            "url": (ARTICLES / name).as_uri(),
            "title": f"{HOSTILE} {n}",
            "summary": "s",
            "date_published": "2026-11-17T09:30:00Z",
        }
        for n, name in enumerate(["ferry-permits.html", "harbour-wall.html"])
    ]
    feed = tmp_path / "feed.json"
    feed.write_text(
        json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": items})
    )
    answer = json.dumps({"id": "r-1", "url": HOSTILE}).encode()
    with Receiver([Reply(200, answer, {"Content-Type": "application/json"})]) as receiver:
        (tmp_path / "sources.yaml").write_text(
            "publish:\n"
            "  targets:\n"
            f"    - {{name: hooks, type: webhook, url: '{receiver.url('/in')}',"
            " secret_env: CURATOR_TEST_SECRET}\n"
            "sources:\n"
            f"  - {{id: evil, url: '{feed.as_uri()}', name: Evil, outlet: Evil Outlet}}\n"
        )
        yield _hostile_db(tmp_path, receiver)


def _hostile_db(tmp_path: Path, receiver: Receiver) -> tuple[list[str], dict[str, str], Receiver]:
    flags = [
        "--sources",
        str(tmp_path / "sources.yaml"),
        "--database-url",
        f"sqlite:///{tmp_path / 'curator.db'}",
        "--data-dir",
        str(tmp_path / "data"),
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CURATOR_")}
    for name in ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES", "TERM"):
        env.pop(name, None)
    env |= {"TERM": "xterm-256color", "CURATOR_TEST_SECRET": SECRET}
    subprocess.run([str(CURATOR_BIN), *flags, "db", "upgrade"], env=env, check=True, timeout=120)
    done = subprocess.run(
        [str(CURATOR_BIN), *flags, "fetch", "--json"], env=env, capture_output=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(tmp_path / "curator.db") as db:
        db.execute(
            "UPDATE drafts SET content = json_set(content, '$.headline', ?, '$.summary', ?)",
            (HOSTILE, f"Summary {HOSTILE}"),
        )
        db.execute("UPDATE quotes SET speaker = ?", (HOSTILE,))
        db.execute("UPDATE sources SET last_error = ?", (HOSTILE,))
    return flags, env, receiver


@pytest.mark.timeout(180)
def test_hostile_source_text_is_shown_escaped_on_a_terminal(
    hostile_db: tuple[list[str], dict[str, str], Receiver],
) -> None:
    flags, env, receiver = hostile_db
    outputs = {
        " ".join(args): run_on_a_terminal([*flags, *args], env)
        for args in (
            ["entries", "list"],
            ["drafts", "list"],
            ["drafts", "show", "1"],
            ["drafts", "show", "1", "--markdown"],
            ["quotes", "list"],
            ["status"],
            ["drafts", "approve", "1", "--by", "ed"],
            ["publish"],
            ["publish", "--status"],
            ["entries", "list", "--json"],
            ["drafts", "show", "1", "--json"],
        )
    }
    assert len(receiver.accepted) == 1  # the post went out; its answer came back hostile
    for command, output in outputs.items():
        assert_inert(output)
        if "--json" in command:
            assert "\\u001b]0;PWNED\\u0007" in output, command  # JSON-escaped, as data
        elif command not in ("drafts approve 1 --by ed",):
            assert "\\x1b]0;PWNED\\x07" in output, command  # visible, not acted on
    assert SGR.search(outputs["drafts list"])  # Rich did style it: it saw a terminal
    assert "\\x9b31m" in outputs["drafts show 1"]
    assert "\\u009b31m" in outputs["drafts show 1 --json"]
