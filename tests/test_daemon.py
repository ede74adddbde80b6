"""The daemon: APScheduler ticks fetching what is due; stops on a signal."""

from __future__ import annotations

import os
import platform
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from curator import ConfigError
from curator import make_curator
from curator.cli import app
from curator.config import load_settings
from curator.daemon import TickReport
from curator.daemon import cap_malloc_arenas
from curator.daemon import run_daemon

REPO = Path(__file__).resolve().parent.parent


def flags(tmp_path: Path) -> list[str]:
    return [
        "--sources",
        str(REPO / "sources.yaml"),
        "--database-url",
        f"sqlite:///{tmp_path / 'curator.db'}",
        "--data-dir",
        str(tmp_path / "data"),
    ]


def test_two_ticks_fetch_once_then_nothing_is_due(tmp_path: Path) -> None:
    settings = load_settings(
        REPO / "sources.yaml", database_url=f"sqlite:///{tmp_path / 'curator.db'}", env={}
    )
    seen: list[TickReport] = []
    with make_curator(settings, parse_workers=0) as facade:
        facade.upgrade()
        ticks = run_daemon(facade, tick=timedelta(seconds=0.2), max_ticks=2, on_tick=seen.append)
        assert ticks == 2
        # The first tick runs the whole pipeline; the sample is due again only after 30m.
        assert [(r.sources, r.new, r.pages, r.drafts, r.errors) for r in seen] == [
            (1, 3, 3, 3, 0),
            (0, 0, 0, 0, 0),
        ]
        assert seen[0].quotes > 0
        assert facade.count_entries("sample") == 3
        assert len(facade.list_drafts()) == 3


def test_daemon_command_with_max_ticks(tmp_path: Path) -> None:
    assert CliRunner().invoke(app, [*flags(tmp_path), "db", "upgrade"]).exit_code == 0
    result = CliRunner().invoke(
        app, [*flags(tmp_path), "daemon", "--tick", "1s", "--max-ticks", "1"]
    )
    assert result.exit_code == 0, result.output
    assert "daemon stopped after 1 ticks" in result.stderr


def test_daemon_stops_on_sigterm(tmp_path: Path) -> None:
    curator = Path(sys.executable).parent / "curator"
    assert CliRunner().invoke(app, [*flags(tmp_path), "db", "upgrade"]).exit_code == 0
    process = subprocess.Popen(
        [str(curator), *flags(tmp_path), "daemon", "--tick", "1h"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    try:
        # Its signal handlers are in place once it logs its start (pytest-timeout guards).
        assert process.stderr is not None
        seen = ""
        while "daemon started" not in seen and process.poll() is None:
            seen += process.stderr.readline()
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, seen + stderr
    assert "daemon stopped after" in stderr


def test_daemon_runs_the_pipeline_on_each_backend(tmp_path: Path, database_url: str) -> None:
    """SQLite: the APScheduler ticks; PostgreSQL: `Curator.run_worker` (procrastinate
    jobs). Either way the sample becomes drafts, SIGTERM exits 0 and the node is gone."""
    flags = ["--sources", str(REPO / "sources.yaml"), "--database-url", database_url]
    flags += ["--data-dir", str(tmp_path / "data")]
    assert CliRunner().invoke(app, [*flags, "db", "upgrade"]).exit_code == 0
    curator = Path(sys.executable).parent / "curator"
    process = subprocess.Popen(
        [str(curator), *flags, "daemon", "--tick", "1m"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    settings = load_settings(REPO / "sources.yaml", database_url=database_url, env={})
    try:
        with make_curator(settings) as facade:
            while len(facade.list_drafts()) < 3 or not facade.running_nodes():
                assert process.poll() is None, process.communicate()
                time.sleep(0.2)
            process.send_signal(signal.SIGTERM)
            _, stderr = process.communicate(timeout=120)
            assert process.returncode == 0, stderr
            assert facade.running_nodes() == []
            assert len(facade.list_drafts()) == 3
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def test_approved_drafts_go_to_auto_targets(tmp_path: Path) -> None:
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n"
        f"  - {{id: sample, url: '{(REPO / 'curator/samples/feed.xml').as_uri()}'}}\n"
        "publish:\n"
        f"  site_dir: {tmp_path / 'site'}\n"
        "  targets:\n"
        "    - {name: site, type: static, auto: true}\n"
        "    - {name: manual, type: static, site_dir: elsewhere}\n"
    )
    settings = load_settings(sources, database_url=f"sqlite:///{tmp_path / 'c.db'}", env={})
    assert [t.auto for t in settings.publish.targets] == [True, False]
    seen: list[TickReport] = []
    with make_curator(settings, parse_workers=0) as facade:
        facade.upgrade()

        def approve_one(report: TickReport) -> None:
            seen.append(report)
            if len(seen) == 1:  # an editor approves one draft between two ticks
                facade.approve(facade.list_drafts()[0].id, by="editor", force=True, note="ok")

        run_daemon(facade, tick=timedelta(seconds=0.2), max_ticks=2, on_tick=approve_one)
        assert [(r.drafts, r.published) for r in seen] == [(3, 0), (0, 1)]
        assert [(row.target, row.outcome) for row in facade.publish_status()] == [
            ("site", "created")
        ]
    assert (tmp_path / "site" / "index.html").is_file()


def test_auto_must_be_a_boolean(tmp_path: Path) -> None:
    sources = tmp_path / "sources.yaml"
    sources.write_text("publish:\n  targets:\n    - {name: s, type: static, auto: 'yes'}\n")
    with pytest.raises(ConfigError, match=r"publish.targets\[0\].auto"):
        load_settings(sources, env={})


def test_the_shutdown_deadline_is_a_setting(tmp_path: Path) -> None:
    sources = tmp_path / "sources.yaml"
    sources.write_text("sources: []\n")
    assert load_settings(sources, env={}).daemon.shutdown_deadline == timedelta(seconds=30)
    sources.write_text("daemon: {shutdown_deadline: 5s}\n")
    assert load_settings(sources, env={}).daemon.shutdown_deadline == timedelta(seconds=5)
    sources.write_text("daemon:\n  shutdown_deadline: soon\n  deadline: 3s\n")
    with pytest.raises(ConfigError) as raised:
        load_settings(sources, env={})
    assert [e.message for e in raised.value.errors] == [
        f"{sources}:2: daemon.shutdown_deadline: not a duration: 'soon' (use e.g. 30s, 15m, 1h)",
        f"{sources}:3: daemon.deadline: unknown key 'deadline' (known: shutdown_deadline)",
    ]


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="a glibc setting")
def test_malloc_arenas_capped_unless_the_environment_sets_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert cap_malloc_arenas() is True
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert cap_malloc_arenas() is False  # the operator's choice stands
