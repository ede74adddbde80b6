from __future__ import annotations

import dataclasses
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from datetime import timezone

import pytest

from curator.curate.markdown import parse_markdown
from curator.curate.markdown import render_markdown
from curator.errors import DraftFormatError
from curator.model import Credit
from curator.model import Draft
from curator.model import DraftContent
from curator.model import DraftFlag
from curator.model import DraftQuote
from curator.model import DraftState

NOW = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)
CONTENT = DraftContent(
    headline="Ferry Board Agrees “Winter” Timetable: Fares #Frozen",
    summary="The ferry board met on Monday. It agreed a timetable for the winter.",
    attribution="Lena Vale told The Ledger that “the gates are ready”",
    excerpt="Lena Vale told The Ledger that “the gates are ready” before the storms.\n\n"
    "She said the crews had worked nights.",
    quotes=(
        DraftQuote(
            text="the gates are ready", speaker="Lena Vale", cue="told", outlet="The Ledger"
        ),
        DraftQuote(text='He said "no": # not yet', speaker=None, cue=None, outlet=None),
        DraftQuote(
            text="Wir warten – „bis Montag“, ça va ? 東京", speaker="Ade Koroma", cue="said"
        ),
    ),
    source_url="https://ledger.example/2024/05/ferry?a=1&b=2#top",
    outlet="The Ledger",
    published_at=NOW,
    tags=("ferries", "island: north"),
    also_reported_by=(
        Credit(outlet="The Courier", url="https://courier.example/ferry"),
        Credit(outlet="Quay Gazette", url="https://gazette.example/1"),
    ),
)


def make_draft(content: DraftContent = CONTENT, **fields: object) -> Draft:
    values: dict[str, object] = {
        "id": 42,
        "state": DraftState.NEW,
        "version": 3,
        "content": content,
        "source_id": "ledger",
        "entry_id": 7,
        "created_at": NOW,
        "updated_at": NOW,
    }
    values.update(fields)
    return Draft(**values)  # type: ignore[arg-type]


RENDERED = """\
---
id: 42
version: 3
state: new
headline: 'Ferry Board Agrees “Winter” Timetable: Fares #Frozen'
source_url: https://ledger.example/2024/05/ferry?a=1&b=2#top
outlet: The Ledger
published: '2024-05-01T09:30:00+00:00'
tags:
- ferries
- 'island: north'
also_reported_by:
- outlet: The Courier
  url: https://courier.example/ferry
- outlet: Quay Gazette
  url: https://gazette.example/1
quotes:
- speaker: Lena Vale
  text: the gates are ready
  cue: told
  outlet: The Ledger
- speaker: null
  text: 'He said "no": # not yet'
  cue: null
  outlet: null
- speaker: Ade Koroma
  text: Wir warten – „bis Montag“, ça va ? 東京
  cue: said
  outlet: null
---

## Summary

The ferry board met on Monday. It agreed a timetable for the winter.

## Attribution

Lena Vale told The Ledger that “the gates are ready”

## Excerpt

> Lena Vale told The Ledger that “the gates are ready” before the storms.
>
> She said the crews had worked nights.
"""


def test_render() -> None:
    assert render_markdown(make_draft()) == RENDERED


def test_round_trip() -> None:
    assert parse_markdown(render_markdown(make_draft())) == (3, CONTENT)


@pytest.mark.parametrize(
    "content",
    [
        CONTENT,
        dataclasses.replace(CONTENT, attribution="", excerpt="", quotes=()),
        dataclasses.replace(CONTENT, published_at=None, tags=(), also_reported_by=()),
        dataclasses.replace(CONTENT, source_url="", outlet=""),
        # lines that look like headings, or start with a backslash
        dataclasses.replace(
            CONTENT,
            summary="## Excerpt\n# One\n\\ two\n\\\\three\n---",
            attribution="## Summary",
            excerpt="## Summary\n> nested\n\n  indented",
        ),
        dataclasses.replace(CONTENT, headline="---", summary="yes"),
        dataclasses.replace(CONTENT, headline="null", summary="true"),
        dataclasses.replace(CONTENT, headline="2024-05-01", summary="3"),
        dataclasses.replace(CONTENT, headline="A " * 80 + "long one"),
        dataclasses.replace(
            CONTENT, quotes=(DraftQuote(text="line one\n\nline two: “x”", speaker="- dash"),)
        ),
        dataclasses.replace(CONTENT, summary="First paragraph.\n\nSecond paragraph."),
    ],
)
def test_round_trip_cases(content: DraftContent) -> None:
    assert parse_markdown(render_markdown(make_draft(content)))[1] == content


def test_round_trip_other_time_zone_is_the_same_moment() -> None:
    here = datetime(2024, 5, 1, 11, 30, tzinfo=timezone(timedelta(hours=2)))
    content = dataclasses.replace(CONTENT, published_at=here)
    parsed = parse_markdown(render_markdown(make_draft(content)))[1]
    assert parsed == content
    assert parsed.published_at is not None and parsed.published_at.tzinfo is UTC


def test_flags_are_a_comment() -> None:
    draft = make_draft(flags=(DraftFlag.VERBATIM, DraftFlag.BUDGET))
    text = render_markdown(draft)
    assert text.startswith("---\n# flags: verbatim, budget\nid: 42\n")
    assert parse_markdown(text) == (3, CONTENT)


def test_editor_changes_to_white_space_are_harmless() -> None:
    text = RENDERED.replace("\n", "   \r\n").replace("## Attribution", "\n\n## Attribution")
    text = "\ufeff\n\n" + text + "\r\n\r\n\r\n"
    assert parse_markdown(text) == (3, CONTENT)
    no_final_newline = RENDERED.rstrip("\n")
    assert parse_markdown(no_final_newline) == (3, CONTENT)
    squeezed = RENDERED.replace("## Summary\n\n", "## Summary\n").replace("\n\n## ", "\n## ")
    assert parse_markdown(squeezed) == (3, CONTENT)
    indented = RENDERED.replace("\n> She", "\n   > She")
    assert parse_markdown(indented) == (3, CONTENT)


def test_edits_are_read() -> None:
    text = (
        RENDERED.replace("version: 3", "version: 4")
        .replace("It agreed a timetable", "It agreed a new timetable")
        .replace("- 'island: north'\n", "")
        .replace("'2024-05-01T09:30:00+00:00'", "2024-05-01 12:00")
        .replace("> She said the crews had worked nights.\n", ">She said so.  \n>\n>\n> More.\n")
    )
    version, content = parse_markdown(text)
    assert version == 4
    assert (
        content.summary
        == "The ferry board met on Monday. It agreed a new timetable for the winter."
    )
    assert content.tags == ("ferries",)
    assert content.published_at == datetime(2024, 5, 1, 12, 0, tzinfo=UTC)  # no zone: UTC
    assert content.excerpt == (
        "Lena Vale told The Ledger that “the gates are ready” before the storms.\n\n"
        "She said so.\n\nMore."
    )


def test_minimal_front_matter_and_flow_style() -> None:
    text = (
        "---\n"
        "{version: 1, headline: '  Short  ', tags: [a, b], quotes: [{text: hi, speaker: ''}],\n"
        " published: 2024-05-01T09:30:00+02:00, also_reported_by: null}\n"
        "---\n## Summary\nS.\n## Attribution\n## Excerpt\n"
    )
    version, content = parse_markdown(text)
    assert version == 1
    assert content == DraftContent(
        headline="Short",
        summary="S.",
        attribution="",
        excerpt="",
        quotes=(DraftQuote(text="hi"),),
        published_at=datetime(2024, 5, 1, 7, 30, tzinfo=UTC),
        tags=("a", "b"),
    )


def test_a_date_without_time_is_midnight_utc() -> None:
    text = RENDERED.replace("'2024-05-01T09:30:00+00:00'", "2024-05-02")
    assert parse_markdown(text)[1].published_at == datetime(2024, 5, 2, tzinfo=UTC)
    text = RENDERED.replace("'2024-05-01T09:30:00+00:00'", "''")
    assert parse_markdown(text)[1].published_at is None


def _edit(old: str, new: str) -> str:
    assert old in RENDERED
    return RENDERED.replace(old, new, 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the draft is empty"),
        ("\n  \n", "the draft is empty"),
        ("## Summary\n\nS.\n", "line 1: expected the front matter to start with '---'"),
        (RENDERED.replace("---\n", "", 1), "line 1: expected the front matter to start with '---'"),
        (
            RENDERED.replace("\n---\n\n## Summary", "\n\n## Summary"),
            "line 1: the front matter is not closed by a '---' line",
        ),
        (_edit("version: 3", "version: [3"), "front matter: invalid YAML"),
        (_edit("outlet: The Ledger\n", "outlet: The Ledger\n  bad: indent\n"), "line 8: "),
        ("---\n- a list\n---\n## Summary\nS.\n## Attribution\n## Excerpt\n", "expected a mapping"),
        (_edit("id: 42\n", "id: 42\ncolour: red\n"), "front matter: unknown key 'colour'"),
        (_edit("version: 3\n", ""), "missing required key 'version'"),
        (
            _edit("version: 3", "version: three"),
            "version: expected a whole number ≥ 1, got 'three'",
        ),
        (_edit("version: 3", "version: 0"), "version: expected a whole number ≥ 1, got 0"),
        (_edit("version: 3", "version: true"), "version: expected a whole number ≥ 1, got True"),
        (_edit("id: 42", "id: x"), "id: expected a whole number ≥ 1, got 'x'"),
        (_edit("state: new", "state: done"), "state: expected one of new, approved"),
        (_edit("state: new", "state: [new]"), "state: expected one of"),
        (_edit("headline: 'Ferry", "hedline: 'Ferry"), "unknown key 'hedline'"),
        (
            _edit("headline: 'Ferry Board Agrees “Winter” Timetable: Fares #Frozen'\n", ""),
            "missing required key 'headline'",
        ),
        (
            _edit(
                "headline: 'Ferry Board Agrees “Winter” Timetable: Fares #Frozen'", "headline: ' '"
            ),
            "headline: must not be empty",
        ),
        (
            _edit("headline: 'Ferry Board Agrees “Winter” Timetable: Fares #Frozen'", "headline:"),
            "headline: expected a string, got null",
        ),
        (
            _edit(
                "headline: 'Ferry Board Agrees “Winter” Timetable: Fares #Frozen'", "headline: 12"
            ),
            "headline: expected a string, got int",
        ),
        (
            _edit("outlet: The Ledger\n", "outlet: [The Ledger]\n"),
            "outlet: expected a string, got list",
        ),
        (
            _edit("published: '2024-05-01T09:30:00+00:00'", "published: soon"),
            "published: not an ISO 8601 date and time: 'soon'",
        ),
        (
            _edit("published: '2024-05-01T09:30:00+00:00'", "published: 12"),
            "published: expected an ISO 8601 date and time, got int",
        ),
        (
            _edit("tags:\n- ferries\n- 'island: north'", "tags: ferries"),
            "tags: expected a list, got str",
        ),
        (_edit("- ferries\n", "- 12\n"), "tags[0]: expected a string, got int"),
        (
            _edit(
                "also_reported_by:\n- outlet: The Courier",
                "also_reported_by:\n- outlook: The Courier",
            ),
            "also_reported_by[0]: unknown key 'outlook' (known: outlet, url)",
        ),
        (
            _edit("  url: https://gazette.example/1\n", ""),
            "also_reported_by[1].url: expected a string, got null",
        ),
        (
            _edit("also_reported_by:\n", "also_reported_by:\n- just text\n"),
            "also_reported_by[0]: expected a mapping, got str",
        ),
        (_edit("  text: the gates are ready\n", ""), "quotes[0].text: expected a string, got null"),
        (
            _edit("  text: the gates are ready\n", "  text: ''\n"),
            "quotes[0].text: must not be empty",
        ),
        (_edit("  cue: told\n", "  cue: 1\n"), "quotes[0].cue: expected a string, got int"),
        (_edit("  cue: said\n", "  cue: said\n  when: today\n"), "quotes[2]: unknown key 'when'"),
        (_edit("quotes:\n", "quotes: {}\nx:\n"), "unknown key 'x'"),
        (
            _edit("quotes:\n- speaker: Lena Vale", "quotes: {}\nq:\n- speaker: Lena Vale"),
            "unknown key 'q'",
        ),
    ],
)
def test_front_matter_errors(text: str, message: str) -> None:
    with pytest.raises(DraftFormatError) as caught:
        parse_markdown(text)
    assert message in str(caught.value)


def test_quotes_must_be_a_list() -> None:
    text = (
        RENDERED[: RENDERED.index("quotes:")]
        + "quotes: nope\n---\n"
        + RENDERED.split("\n---\n", 1)[1]
    )
    with pytest.raises(DraftFormatError, match="quotes: expected a list, got str"):
        parse_markdown(text)


def test_yaml_error_names_the_line() -> None:
    text = _edit("outlet: The Ledger\n", "outlet: The Ledger\n  bad: indent\n")
    with pytest.raises(DraftFormatError, match=r"^line 8: front matter: invalid YAML: "):
        parse_markdown(text)


BODY_START = RENDERED.index("## Summary")
FRONT = RENDERED[:BODY_START]  # the front matter and a blank line: 31 lines


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "missing section '## Summary'"),
        (
            "Some text\n## Summary\nS.\n## Attribution\n## Excerpt\n",
            "line 32: text before '## Summary' (put it in a section): 'Some text'",
        ),
        (
            "## Summary\n\n## Attribution\nA.\n## Excerpt\n> E.\n",
            "line 32: section '## Summary' is empty",
        ),
        ("## Summary\n   \n\n## Attribution\n## Excerpt\n", "section '## Summary' is empty"),
        (
            "## Summary\nS.\n## Excerpt\n> E.\n",
            "line 34: unexpected section '## Excerpt' (expected '## Attribution')",
        ),
        ("## Summary\nS.\n## Attribution\n", "missing section '## Excerpt'"),
        ("## Summary\nS.\n", "missing section '## Attribution'"),
        (
            "## Attribution\nA.\n## Summary\nS.\n## Excerpt\n",
            "unexpected section '## Attribution' (expected '## Summary')",
        ),
        (
            "## Summary\nS.\n## Attribution\n## Excerpt\n> E.\n## Excerpt\n",
            "line 37: unexpected section '## Excerpt' (the excerpt is the last section)",
        ),
        (
            "## Summary\nS.\n## Attribution\n## Excerpt\n> E.\nnot quoted\n",
            "line 37: excerpt: expected a blockquote line starting with '>', got 'not quoted'",
        ),
        (
            "## Summary\nS.\n## Attribution\n## Excerpt\n\n    > code block\n",
            "line 37: excerpt: expected a blockquote line starting with '>'",
        ),
    ],
)
def test_body_errors(body: str, message: str) -> None:
    with pytest.raises(DraftFormatError) as caught:
        parse_markdown(FRONT + body)
    assert message in str(caught.value)


def test_other_headings_are_text() -> None:
    body = "## Summary\nS.\n## Notes\n## Attribution\n### Said\n## Excerpt\n> E.\n"
    content = parse_markdown(FRONT + body)[1]
    assert (content.summary, content.attribution, content.excerpt) == (
        "S.\n## Notes",
        "### Said",
        "E.",
    )


def test_error_is_a_draft_format_error_with_a_message() -> None:
    with pytest.raises(DraftFormatError) as caught:
        parse_markdown("nothing")
    assert caught.value.message == "line 1: expected the front matter to start with '---'"
    assert caught.value.draft_id is None
