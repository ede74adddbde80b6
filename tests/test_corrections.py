"""Corrections, withdrawal and review in bulk (#12), through the facade and the CLI, on
the shipped offline sample published to a real static site (and a webhook receiver).

A published post is corrected (edited → approved → published again: the page on disk
changes), taken down (the page is gone, the draft withdrawn, its history says so) and
republished. The reviewer's name comes from --by, CURATOR_REVIEWER or the login name.
"""

from __future__ import annotations

import json
import os
import pwd
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import html as lxml_html
from publish.test_webhook import SECRET
from publish.test_webhook import Receiver
from test_cli import CURATOR_BIN
from test_publish_flow import sample
from test_publish_flow import write_sources
from typer.testing import CliRunner

from curator import Curator
from curator import DraftState
from curator import FieldChange
from curator import InvalidTransitionError
from curator import NotFoundError
from curator import StaleVersionError
from curator.cli import app

FERRY = "Ferry Operator Denies Permits to Stranded Island Workers"
CORRECTED = "Ferry Operator Denies Permits to Island Workers, Union Says"


def page_of(tmp_path: Path, draft_id: int) -> Path:
    return tmp_path / "data" / "site" / f"posts/curator-{draft_id}.html"


def headline_on(page: Path) -> str:
    return str(lxml_html.fromstring(page.read_bytes()).xpath("string(//h1)"))


def retitle(facade: Curator, draft_id: int, headline: str, *, by: str = "ed") -> None:
    markdown = facade.draft_markdown(draft_id)
    old = facade.get_draft(draft_id).content.headline
    facade.edit_draft(
        draft_id, markdown.replace(f"headline: {old}\n", f"headline: {headline}\n"), by=by
    )


def ferry_id(facade: Curator) -> int:
    (draft,) = [d for d in facade.list_drafts() if d.content.headline == FERRY]
    return draft.id


def test_a_published_post_is_corrected_taken_down_and_republished(tmp_path: Path) -> None:
    with sample(tmp_path) as facade:
        draft_id = ferry_id(facade)
        facade.approve(draft_id, by="ed")
        facade.publish()
        page = page_of(tmp_path, draft_id)
        assert headline_on(page) == FERRY

        # A correction: checked before an editor opens, then saved as a new version.
        assert facade.check_editable(draft_id).state is DraftState.PUBLISHED
        retitle(facade, draft_id, CORRECTED, by="ana")
        corrected = facade.get_draft(draft_id)
        assert corrected.state is DraftState.NEW
        assert corrected.published_content is not None
        assert corrected.published_content.headline == FERRY
        edit = facade.draft_history(draft_id)[-1]
        assert (edit.action, edit.by) == ("edited", "ana")
        assert edit.changes == (
            FieldChange(field="state", old="published", new="new"),
            FieldChange(field="headline", old=FERRY, new=CORRECTED),
        )
        # Under review, the published post stays as it was.
        assert [r.outcome for r in facade.publish()] == ["unchanged"]
        assert headline_on(page) == FERRY
        with pytest.raises(InvalidTransitionError, match="is a correction of a published post"):
            facade.reject(draft_id, by="ana")

        facade.approve(draft_id, by="ed", note="union's wording")
        (result,) = facade.publish()
        assert (result.target, result.draft_id, result.outcome) == ("site", draft_id, "updated")
        assert headline_on(page) == CORRECTED
        republished = facade.get_draft(draft_id)
        assert (republished.state, republished.published_content) == (DraftState.PUBLISHED, None)

        # Taken down: the page is gone, the draft withdrawn, the history says who and where.
        (down,) = facade.unpublish(draft_id, by="lee", note="legal asked")
        assert (down.target, down.outcome) == ("site", "deleted")
        assert not page.exists()
        withdrawn = facade.get_draft(draft_id)
        assert withdrawn.state is DraftState.WITHDRAWN
        event = facade.draft_history(draft_id)[-1]
        assert (event.action, event.by, event.note) == (
            "unpublished",
            "lee",
            "taken down from site; legal asked",
        )
        assert event.changes == (FieldChange(field="state", old="published", new="withdrawn"),)
        assert facade.publish() == []  # a withdrawn draft stays down
        with pytest.raises(InvalidTransitionError, match="is withdrawn already"):
            facade.unpublish(draft_id, by="lee")

        again = facade.republish(draft_id, by="ed", note="cleared")
        assert again.state is DraftState.APPROVED
        assert facade.draft_history(draft_id)[-1].action == "republished"
        (back,) = facade.publish()
        assert (back.outcome, headline_on(page)) == ("created", CORRECTED)
        assert facade.get_draft(draft_id).state is DraftState.PUBLISHED
        (row,) = facade.publish_status()
        assert (row.removed, row.outcome) == (False, "created")


def test_a_correction_reaches_every_target_it_went_to(
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
            draft_id = ferry_id(facade)
            facade.approve(draft_id, by="ed")
            facade.publish()
            assert len(receiver.deliveries) == 1
            retitle(facade, draft_id, CORRECTED)
            facade.approve(draft_id, by="ed")
            results = facade.publish()
            assert sorted((r.target, r.outcome) for r in results) == [
                ("hooks", "created"),  # a receiver's answer is "created" (sent again)
                ("site", "updated"),
            ]
            assert len(receiver.deliveries) == 2
            assert headline_on(page_of(tmp_path, draft_id)) == CORRECTED

            # Taken down from one target only: still online on the other, not withdrawn.
            (down,) = facade.unpublish(draft_id, ["hooks"], by="lee")
            assert (down.target, down.outcome) == ("hooks", "deleted")
            assert facade.get_draft(draft_id).state is DraftState.PUBLISHED
            assert facade.draft_history(draft_id)[-1].note == (
                "taken down from hooks; still online on site"
            )
            # The takedown from hooks lasts; the site's page is there, unchanged.
            assert [(r.target, r.outcome) for r in facade.publish()] == [("site", "unchanged")]
            with pytest.raises(InvalidTransitionError, match="is not online on hooks"):
                facade.unpublish(draft_id, ["hooks"], by="lee")
            facade.unpublish(draft_id, by="lee")
            assert facade.get_draft(draft_id).state is DraftState.WITHDRAWN


def test_unpublish_touches_no_other_draft(tmp_path: Path) -> None:
    """The takedown lists its own draft only, and does not send back another approved
    draft that the publisher's check would (that is `publish`'s business)."""
    with sample(tmp_path) as facade:
        ferry, other = ferry_id(facade), max(d.id for d in facade.list_drafts())
        facade.approve(ferry, by="ed")
        facade.publish()
        facade.approve(other, by="ed")
    with sample(tmp_path, "curate:\n  excerpt_fraction: 0.01\n") as facade:
        results = facade.unpublish(ferry, by="lee")
        assert [(r.draft_id, r.outcome) for r in results] == [(ferry, "deleted")]
        assert facade.get_draft(other).state is DraftState.APPROVED
        (skipped,) = facade.publish()
        assert (skipped.draft_id, skipped.error) == (other, "sent back to review: budget")


def test_unpublish_refuses_a_draft_that_is_not_online(tmp_path: Path) -> None:
    with sample(tmp_path) as facade:
        draft_id = ferry_id(facade)
        with pytest.raises(InvalidTransitionError, match=f"draft {draft_id} is not online"):
            facade.unpublish(draft_id, by="lee")
        with pytest.raises(NotFoundError):
            facade.unpublish(99999, by="lee")
        with pytest.raises(NotFoundError):
            facade.republish(99999, by="lee")
        with pytest.raises(InvalidTransitionError, match="only withdrawn drafts can be"):
            facade.republish(draft_id, by="lee")


def test_bulk_review_reports_each_draft(tmp_path: Path) -> None:
    with sample(tmp_path) as facade:
        first, second, third = sorted(d.id for d in facade.list_drafts())
        facade.approve(second, by="ed")
        results = facade.approve_many([first, second, 99999, third], by="ana", note="ok")
        assert [(r.draft_id, r.ok, r.error_kind) for r in results] == [
            (first, True, None),
            (second, False, "refused"),
            (99999, False, "not_found"),
            (third, True, None),
        ]
        assert results[0].draft is not None and results[0].draft.state is DraftState.APPROVED
        assert results[1].error == f"draft {second} is already approved"
        assert results[1].draft is not None and results[1].draft.version == 2
        assert (results[2].error, results[2].draft) == ("no draft with id 99999", None)

        rejected = facade.reject_many([first], by="ana", note="no")
        assert [(r.ok, r.error_kind) for r in rejected] == [(False, "refused")]


def test_a_stale_edit_carries_the_current_draft(tmp_path: Path) -> None:
    with sample(tmp_path) as facade:
        draft_id = ferry_id(facade)
        seen = facade.draft_markdown(draft_id)  # version 1
        retitle(facade, draft_id, CORRECTED, by="ana")  # now version 2
        with pytest.raises(StaleVersionError) as stale:
            facade.edit_draft(draft_id, seen.replace(FERRY, "Mine", 1), by="ben")
        assert stale.value.current is not None
        assert (stale.value.current.version, stale.value.current.content.headline) == (
            2,
            CORRECTED,
        )
        with pytest.raises(StaleVersionError) as approving:
            facade.approve(draft_id, by="ben", version=1)
        assert approving.value.current == facade.get_draft(draft_id)
        # version= overrides the front matter's (the web's form carries it apart).
        edited = facade.edit_draft(draft_id, seen.replace(FERRY, "Mine", 1), by="ben", version=2)
        assert edited.content.headline == "Mine"


# --- the CLI ----------------------------------------------------------------------------


def cli_flags(tmp_path: Path) -> list[str]:
    return [
        "--sources",
        str(write_sources(tmp_path)),
        "--database-url",
        f"sqlite:///{tmp_path / 'curator.db'}",
        "--data-dir",
        str(tmp_path / "data"),
    ]


@pytest.fixture
def cli(tmp_path: Path) -> list[str]:
    flags = cli_flags(tmp_path)
    runner = CliRunner()
    assert runner.invoke(app, [*flags, "db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, [*flags, "fetch"]).exit_code == 0
    return flags


def test_unknown_draft_ids_exit_2_in_every_command(cli: list[str]) -> None:
    runner = CliRunner()
    env = {"CURATOR_REVIEWER": "ed", "EDITOR": "false"}
    for args in (
        ["drafts", "show", "99999"],
        ["drafts", "history", "99999"],
        ["drafts", "approve", "99999"],
        ["drafts", "reject", "99999"],
        ["drafts", "reopen", "99999"],
        ["drafts", "edit", "99999"],
        ["unpublish", "99999"],
        ["republish", "99999"],
    ):
        result = runner.invoke(app, [*cli, *args], env=env)
        assert result.exit_code == 2, (args, result.output)
        assert "no draft with id 99999" in result.stderr, args


def test_refused_and_stale_exit_5_and_6(cli: list[str], tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"CURATOR_REVIEWER": "ed", "EDITOR": "false"}
    assert runner.invoke(app, [*cli, "drafts", "reject", "2"], env=env).exit_code == 0
    # A rejected draft is refused before the editor opens (EDITOR=false would exit 1).
    edit = runner.invoke(app, [*cli, "drafts", "edit", "2"], env=env)
    assert (edit.exit_code, edit.stderr.strip()) == (
        5,
        "error: draft 2 is rejected; reopen it first",
    )
    approve = runner.invoke(app, [*cli, "drafts", "approve", "2"], env=env)
    assert approve.exit_code == 5
    assert runner.invoke(app, [*cli, "unpublish", "1"], env=env).exit_code == 5
    assert runner.invoke(app, [*cli, "republish", "1"], env=env).exit_code == 5
    stale = runner.invoke(app, [*cli, "drafts", "approve", "1", "--version", "7"], env=env)
    assert stale.exit_code == 6
    mixed = runner.invoke(app, [*cli, "drafts", "approve", "2", "99999"], env=env)
    assert mixed.exit_code == 1  # two kinds of failure


def test_unpublish_and_republish_in_the_cli(cli: list[str], tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"CURATOR_REVIEWER": "ed", "COLUMNS": "200"}
    assert runner.invoke(app, [*cli, "drafts", "approve", "1", "2"], env=env).exit_code == 0
    published = runner.invoke(app, [*cli, "publish"], env=env)
    assert published.exit_code == 0, published.output
    assert runner.invoke(app, [*cli, "drafts", "approve", "3"], env=env).exit_code == 0

    down = runner.invoke(app, [*cli, "unpublish", "1", "--note", "takedown"], env=env)
    assert down.exit_code == 0, down.output
    assert "unpublish draft 1" in down.stdout and "publish\n" not in down.stdout
    rows = [line for line in down.stdout.splitlines() if line.startswith("│")]
    assert len(rows) == 1 and "deleted" in rows[0]  # this draft only: no other's skip
    assert down.stdout.rstrip().endswith("draft 1 is withdrawn")
    assert not page_of(tmp_path, 1).exists()
    assert page_of(tmp_path, 2).exists()  # still online
    assert not page_of(tmp_path, 3).exists()  # approved, not published: a takedown sends none

    history = runner.invoke(app, [*cli, "drafts", "history", "1"], env=env)
    assert "unpublished by ed — taken down from site; takedown" in history.stdout
    assert "    state: published → withdrawn" in history.stdout

    again = runner.invoke(app, [*cli, "republish", "1"], env=env)
    assert again.exit_code == 0, again.output
    assert "`curator publish` puts it back online" in again.stdout
    assert runner.invoke(app, [*cli, "publish"], env=env).exit_code == 0
    assert page_of(tmp_path, 1).exists()


def test_history_shows_old_and_new_as_a_word_diff(cli: list[str]) -> None:
    runner = CliRunner()
    env = {"CURATOR_REVIEWER": "ed", "COLUMNS": "200"}
    markdown = runner.invoke(app, [*cli, "drafts", "show", "1", "--markdown"]).stdout
    edited = markdown.replace("Dozens of seasonal workers", "Forty seasonal workers", 1)
    edited = edited.replace(f"headline: {FERRY}", f"headline: {CORRECTED}", 1)
    script = Path(cli[cli.index("--data-dir") + 1]).parent / "edit.py"
    script.write_text(
        "import sys, pathlib\n"
        f"pathlib.Path(sys.argv[1]).write_text({edited!r}, encoding='utf-8')\n",
        encoding="utf-8",
    )
    editor = f"{sys.executable} {script}"
    done = runner.invoke(app, [*cli, "drafts", "edit", "1"], env={**env, "EDITOR": editor})
    assert done.exit_code == 0, done.output
    history = runner.invoke(app, [*cli, "drafts", "history", "1"], env=env).stdout
    assert f"    headline: {FERRY} → {CORRECTED}" not in history  # long: a word diff
    assert "    headline: Ferry Operator Denies Permits to [-Stranded-]" in history
    assert "Island [-Workers-]{+Workers, Union Says+}" in history
    assert "    summary: [-Dozens of-]{+Forty+} seasonal workers" in history
    shown = runner.invoke(app, [*cli, "drafts", "show", "1"], env=env).stdout
    assert "edited by ed" in shown and "[-Dozens of-]{+Forty+}" in shown


def _env_without_login() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("CURATOR_") and k not in {"USER", "LOGNAME", "USERNAME", "LNAME"}
    }
    env["COLUMNS"] = "200"
    return env


def test_the_reviewer_without_user_is_the_login_name(tmp_path: Path, cli: list[str]) -> None:
    """$USER unset (cron, containers): the login name from the password database, never
    "unknown"; CURATOR_REVIEWER and --by come first."""
    env = _env_without_login()
    login = pwd.getpwuid(os.getuid()).pw_name

    def approve(draft_id: str, *extra: str, **more: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(CURATOR_BIN), *cli, "drafts", "approve", draft_id, *extra],
            env={**env, **more},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    assert approve("1").returncode == 0
    assert approve("2", CURATOR_REVIEWER="desk").returncode == 0
    assert approve("3", "--by", "ana", CURATOR_REVIEWER="desk").returncode == 0
    runner = CliRunner()
    approvals = [
        json.loads(
            runner.invoke(app, [*cli, "drafts", "history", i, "--json"]).stdout.split("\n")[-2]
        )
        for i in ("1", "2", "3")
    ]
    assert [(a["action"], a["by"]) for a in approvals] == [
        ("approved", login),
        ("approved", "desk"),
        ("approved", "ana"),
    ]


def test_a_forced_approval_in_the_cli_is_published_and_shown(cli: list[str]) -> None:
    runner = CliRunner()
    env = {"CURATOR_REVIEWER": "ed", "COLUMNS": "250"}
    invent = f"{sys.executable} {Path(__file__).parent / 'data' / 'editors' / 'invent_quote.py'}"
    edited = runner.invoke(app, [*cli, "drafts", "edit", "1"], env={**env, "EDITOR": invent})
    assert "flagged: verbatim" in edited.stdout, edited.output
    forced = runner.invoke(
        app, [*cli, "drafts", "approve", "1", "--force", "--note", "on tape"], env=env
    )
    assert forced.exit_code == 0, forced.output
    published = runner.invoke(app, [*cli, "publish", "--json"], env=env)
    assert published.exit_code == 0, published.output
    assert [json.loads(line)["outcome"] for line in published.stdout.splitlines()] == ["created"]
    status = runner.invoke(app, [*cli, "publish", "--status"], env=env)
    assert "override" in status.stdout and "verbatim — on tape (by ed)" in status.stdout
    (row,) = [
        json.loads(x)
        for x in runner.invoke(app, [*cli, "publish", "--status", "--json"]).stdout.splitlines()
    ]
    assert row["override"] == "verbatim — on tape (by ed)"
