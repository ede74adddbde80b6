"""`curator publish` as a user runs it: a static site left with the default site_url and
site_title says so once, on stderr (#12); one with both set says nothing."""

from __future__ import annotations

import subprocess
from pathlib import Path

import feedparser
import pytest

from publish.test_publish_runs import CURATOR_BIN
from publish.test_publish_runs import approved_sample
from publish.test_publish_runs import cli_flags
from publish.test_publish_runs import curator_env

SITE = "publish:\n  site_url: https://digest.example/\n  site_title: Harbour Digest\n"


def publish(tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CURATOR_BIN), *cli_flags(tmp_path), "publish"],
        env=curator_env(COLUMNS="200"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.timeout(180)
def test_publish_warns_once_when_the_site_settings_are_unset(tmp_path: Path) -> None:
    with approved_sample(tmp_path, ""):
        pass
    done = publish(tmp_path)
    assert done.returncode == 0, done.stderr
    # Rich may wrap the line: compare without line breaks.
    stderr = " ".join(done.stderr.split())
    assert stderr.count("the static site's settings are not set") == 1, done.stderr
    assert "publish.site_url" in stderr and "tag:localhost" in stderr
    assert "publish.site_title" in stderr
    feed = feedparser.parse(str(tmp_path / "data" / "site" / "feed.xml"))
    assert {entry.id.split(",")[0] for entry in feed.entries} == {"tag:localhost"}


@pytest.mark.timeout(180)
def test_publish_says_nothing_when_the_site_is_configured(tmp_path: Path) -> None:
    with approved_sample(tmp_path, SITE):
        pass
    done = publish(tmp_path)
    assert done.returncode == 0, done.stderr
    assert "not set" not in done.stderr
    feed = feedparser.parse(str(tmp_path / "data" / "site" / "feed.xml"))
    assert feed.feed.title == "Harbour Digest"
    assert {entry.id.split(",")[0] for entry in feed.entries} == {"tag:digest.example"}
