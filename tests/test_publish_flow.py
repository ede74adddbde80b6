"""Publishing end to end through the facade and the CLI: the offline sample, approved,
published to the static site and a webhook receiver; exactly once; taken down."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import feedparser
import pytest
import wpserver
from lxml import html as lxml_html
from publish.test_webhook import SECRET
from publish.test_webhook import Receiver
from publish.test_wordpress import posts_with_slug
from publish.test_wordpress import rest
from typer.testing import CliRunner

from curator import Curator
from curator import DraftFlag
from curator import DraftState
from curator import FieldChange
from curator import NotFoundError
from curator import make_curator
from curator.cli import app
from curator.config import load_settings

REPO = Path(__file__).resolve().parent.parent


def write_sources(tmp_path: Path, publish: str = "") -> Path:
    """The shipped sources.yaml (offline sample), with a publish section."""
    text = (REPO / "sources.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "file:curator/samples/feed.xml", (REPO / "curator/samples/feed.xml").as_uri()
    )
    path = tmp_path / "sources.yaml"
    path.write_text(publish + text, encoding="utf-8")
    return path


@contextmanager
def sample(tmp_path: Path, publish: str = "") -> Iterator[Curator]:
    settings = load_settings(
        write_sources(tmp_path, publish),
        database_url=f"sqlite:///{tmp_path / 'curator.db'}",
        data_dir=tmp_path / "data",
        env={},
    )
    with make_curator(settings, parse_workers=0) as facade:
        facade.upgrade()
        facade.fetch()
        yield facade


def test_approved_draft_reaches_the_static_site_once(tmp_path: Path) -> None:
    with sample(tmp_path) as facade:
        drafts = {d.content.headline: d for d in facade.list_drafts()}
        ferry = drafts["Ferry Operator Denies Permits to Stranded Island Workers"]
        assert facade.publish() == []  # nothing approved yet
        facade.approve(ferry.id, by="ed")
        (result,) = facade.publish()
        assert (result.target, result.draft_id, result.outcome) == ("site", ferry.id, "created")
        assert facade.get_draft(ferry.id).state is DraftState.PUBLISHED
        site = tmp_path / "data" / "site"
        index = (site / "index.html").read_text(encoding="utf-8")
        assert ferry.content.headline in index
        page = lxml_html.fromstring((site / f"posts/curator-{ferry.id}.html").read_bytes())
        assert page.xpath("string(//h1)") == ferry.content.headline
        assert page.xpath("//link[@rel='canonical']/@href") == [ferry.content.source_url]
        assert page.xpath("//blockquote")  # the excerpt
        feed = feedparser.parse(str(site / "feed.xml"))
        assert feed.bozo == 0
        assert [e.title for e in feed.entries] == [ferry.content.headline]

        (again,) = facade.publish()  # nothing is published twice
        assert again.outcome == "unchanged"
        rows = facade.publish_status()
        assert [(r.draft_id, r.target, r.outcome, r.removed) for r in rows] == [
            (ferry.id, "site", "created", False)
        ]

        taken = facade.unpublish(ferry.id, by="ed")
        assert [(r.draft_id, r.outcome) for r in taken] == [(ferry.id, "deleted")]
        assert not (site / f"posts/curator-{ferry.id}.html").exists()
        assert feedparser.parse(str(site / "feed.xml")).entries == []
        assert facade.publish() == []  # taken down stays down
        assert facade.publish_status()[0].removed


def test_webhook_target_delivers_each_post_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CURATOR_TEST_WEBHOOK_SECRET", SECRET)
    with Receiver() as receiver:
        publish = (
            "publish:\n"
            "  targets:\n"
            "    - {name: site, type: static}\n"
            f"    - {{name: hooks, type: webhook, url: '{receiver.url('/in')}',"
            " secret_env: CURATOR_TEST_WEBHOOK_SECRET}\n"
        )
        with sample(tmp_path, publish) as facade:
            for draft in facade.list_drafts():
                facade.approve(draft.id, by="ed")
            results = facade.publish()
            assert sorted((r.target, r.outcome) for r in results) == sorted(
                [("site", "created")] * 3 + [("hooks", "created")] * 3
            )
            assert len(receiver.deliveries) == 3 and all(d.valid for d in receiver.deliveries)
            only_hooks = facade.publish(["hooks"])
            assert only_hooks == []  # unchanged posts are not sent again
            assert len(receiver.deliveries) == 3
            with pytest.raises(NotFoundError, match="no publish target named 'nope'"):
                facade.publish(["nope"])


def test_a_forced_approval_is_published_with_its_override(tmp_path: Path) -> None:
    """Decided in #12: a flagged draft approved with --force and a note is published, and
    the override (flags, note, who) is in the ledger and the history."""
    with sample(tmp_path) as facade:
        draft = facade.list_drafts()[0]
        markdown = facade.draft_markdown(draft.id)
        first_quote = draft.content.quotes[0].text
        edited = facade.edit_draft(
            draft.id, markdown.replace(first_quote, "words nobody said", 1), by="ed"
        )
        assert DraftFlag.VERBATIM in edited.flags
        facade.approve(edited.id, by="ed", force=True, note="checked by phone")
        (result,) = facade.publish()
        assert (result.outcome, result.error) == ("created", None)
        assert facade.get_draft(draft.id).state is DraftState.PUBLISHED
        page = tmp_path / "data" / "site" / f"posts/curator-{draft.id}.html"
        assert "words nobody said" in page.read_text(encoding="utf-8")
        (row,) = facade.publish_status()
        assert row.override == "verbatim — checked by phone (by ed)"
        approved, published = facade.draft_history(draft.id)[-2:]
        assert approved.action == "approved" and approved.note == "checked by phone"
        assert (
            FieldChange(field="override", new="verbatim — checked by phone (by ed)")
            in approved.changes
        )
        assert published.action == "published" and published.by == "curator"
        assert published.note == (
            "published under a forced approval: verbatim — checked by phone (by ed)"
        )


def test_a_draft_flagged_after_approval_goes_back_to_review(tmp_path: Path) -> None:
    """A blocking flag its approval did not override (here: a tighter budget since) is no
    dead end: the draft goes back to review with the reason, and is not published."""
    with sample(tmp_path) as facade:
        draft = facade.list_drafts()[0]
        facade.approve(draft.id, by="ed")
    with sample(tmp_path, "curate:\n  excerpt_fraction: 0.01\n") as facade:
        (result,) = facade.publish()
        assert (result.outcome, result.error) == ("skipped", "sent back to review: budget")
        back = facade.get_draft(draft.id)
        assert back.state is DraftState.NEW and DraftFlag.BUDGET in back.flags
        last = facade.draft_history(draft.id)[-1]
        assert (last.action, last.by, last.note) == (
            "sent_back",
            "curator",
            "sent back to review: budget",
        )
        assert FieldChange(field="state", old="approved", new="new") in last.changes
        assert facade.publish() == []  # nothing approved now: nothing skipped again
        assert not (tmp_path / "data" / "site" / f"posts/curator-{draft.id}.html").exists()


def test_publish_cli_dry_run_status_and_unpublish(tmp_path: Path) -> None:
    sources = write_sources(tmp_path)
    flags = [
        "--sources",
        str(sources),
        "--database-url",
        f"sqlite:///{tmp_path / 'curator.db'}",
        "--data-dir",
        str(tmp_path / "data"),
    ]
    runner = CliRunner()
    assert runner.invoke(app, [*flags, "db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, [*flags, "fetch"]).exit_code == 0
    assert runner.invoke(app, [*flags, "drafts", "approve", "1", "--by", "ed"]).exit_code == 0
    dry = runner.invoke(app, [*flags, "publish", "--dry-run", "--json"])
    assert dry.exit_code == 0 and '"outcome": "would publish"' in dry.stdout
    assert not (tmp_path / "data" / "site").exists()
    done = runner.invoke(app, [*flags, "publish", "--json"])
    assert done.exit_code == 0 and '"outcome": "created"' in done.stdout
    status = runner.invoke(app, [*flags, "publish", "--status", "--json"])
    assert '"target": "site"' in status.stdout and '"removed": false' in status.stdout
    down = runner.invoke(app, [*flags, "unpublish", "1", "--by", "ed", "--json"])
    assert down.exit_code == 0 and '"outcome": "deleted"' in down.stdout
    missing = runner.invoke(app, [*flags, "unpublish", "999", "--by", "ed"])
    assert missing.exit_code == 2
    shutil.rmtree(tmp_path / "data")


def test_wordpress_target_creates_updates_nothing_twice_and_trashes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, wordpress: wpserver.WordPress
) -> None:
    """Through the facade against the real WordPress of tests/support/wpserver.py."""
    monkeypatch.setenv("CURATOR_TEST_WP_PASSWORD", wordpress.app_password)
    publish = (
        "publish:\n"
        "  targets:\n"
        f"    - {{name: wp, type: wordpress, url: '{wordpress.url}', user: {wordpress.user},"
        " password_env: CURATOR_TEST_WP_PASSWORD, status: publish}\n"
    )
    with sample(tmp_path, publish) as facade:
        draft = facade.list_drafts()[0]
        facade.approve(draft.id, by="ed")
        (created,) = facade.publish()
        assert (created.target, created.outcome, created.error) == ("wp", "created", None)
        assert created.remote_id is not None
        remote = rest(wordpress, "GET", f"/wp/v2/posts/{created.remote_id}")
        assert remote["slug"] == f"curator-{draft.id}"
        assert remote["status"] == "publish"
        assert draft.content.source_url in remote["content"]["rendered"]
        assert facade.publish() == []  # unchanged: not sent again
        assert len(posts_with_slug(wordpress, f"curator-{draft.id}")) == 1

        (trashed,) = facade.unpublish(draft.id, by="ed")
        assert (trashed.outcome, trashed.error) == ("deleted", None)
        status = rest(
            wordpress, "GET", f"/wp/v2/posts/{created.remote_id}", params={"context": "edit"}
        )
        assert status["status"] == "trash"
