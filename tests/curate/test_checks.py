from __future__ import annotations

import pytest

from curator.config import CurateSettings
from curator.curate.checks import budget_words
from curator.curate.checks import check_draft
from curator.curate.checks import is_verbatim
from curator.curate.checks import normalise
from curator.curate.checks import quoted_passages
from curator.curate.checks import words_quoted
from curator.model import DraftContent
from curator.model import DraftFlag
from curator.model import DraftQuote

ARTICLE = (
    "The harbour master, Lena Vale, said the new tide gates were “ready for the winter.”\n\n"
    "A spokesperson for the Ferry Board told The Ledger that the board “will not raise fares "
    "this year,” adding: “We know it’s been a hard season.”\n\n"
    "Pilots' leader Ade Koroma called the plan «a good start», and said: „Wir warten.“"
)
SETTINGS = CurateSettings()


def content(**changes: object) -> DraftContent:
    values: dict[str, object] = {
        "headline": "Tide gates ready",
        "summary": "The gates are ready.",
        "attribution": "A spokesperson for the Ferry Board told The Ledger that the board "
        "“will not raise fares this year”",
        "excerpt": "The harbour master, Lena Vale, said the new tide gates were "
        "“ready for the winter.”",
        "quotes": (
            DraftQuote(text="We know it’s been a hard season.", speaker="A spokesperson"),
            DraftQuote(text="ready for the winter.", speaker="Lena Vale"),
        ),
    }
    values.update(changes)
    return DraftContent(**values)  # type: ignore[arg-type]


def test_normalise() -> None:
    assert normalise("«a»  „b“ “c” ‘d’ it’s\n\n‹e› ...…") == '"a" "b" "c" \'d\' it\'s \'e\' ......'


@pytest.mark.parametrize(
    "quoted",
    [
        "will not raise fares this year",
        "will not raise fares this year.",  # a trailing full stop or comma is ignored
        "will not raise fares this year,",
        "We know it's been a hard season.",  # straight apostrophe vs curly
        'The harbour master, Lena Vale, said the new tide gates were "ready for the winter."',
        "ready for the\n   winter",  # white space
        "a good start",
        'Ade Koroma called the plan "a good start"',  # « » vs straight
        "said: “Wir warten.”",  # „ “ vs “ ”
        "",
    ],
)
def test_is_verbatim(quoted: str) -> None:
    assert is_verbatim(quoted, ARTICLE)


@pytest.mark.parametrize(
    "quoted",
    [
        "will not raise prices this year",
        "Will not raise fares this year",  # case matters
        "ready for winter",
        "this year. We know",  # the text is "this year,” adding: “We know"
    ],
)
def test_is_not_verbatim(quoted: str) -> None:
    assert not is_verbatim(quoted, ARTICLE)


def test_quoted_passages() -> None:
    assert quoted_passages("X told Y that “a b” and said “c.”") == ["a b", "c."]
    assert quoted_passages('X said "straight one" and «guillemets»') == [
        "straight one",
        "guillemets",
    ]
    assert quoted_passages("X said „so“ and « spaced »") == ["so", "spaced"]
    assert quoted_passages("Nobody said anything") == []


def test_words_quoted_counts_excerpt_quotes_and_attribution() -> None:
    draft = content()
    # excerpt 15 + quotes 7 + 4 + attribution's quoted words 6
    assert words_quoted(draft) == 15 + 7 + 4 + 6
    assert words_quoted(content(excerpt="", quotes=(), attribution="")) == 0


def test_budget_words() -> None:
    assert budget_words(1000, SETTINGS) == 150
    assert budget_words(2000, SETTINGS) == 250  # excerpt_max_words
    assert budget_words(99, SETTINGS) == 14  # rounded down
    assert budget_words(0, SETTINGS) == 0
    settings = CurateSettings(excerpt_fraction=0.29, excerpt_max_words=1000)
    assert budget_words(100, settings) == 29  # not 28 through float error


def test_check_draft_clean() -> None:
    assert check_draft(content(), ARTICLE, SETTINGS, article_words=1000) == ()


def test_check_draft_verbatim_quote() -> None:
    edited = (DraftQuote(text="We know it has been a hard season.", speaker="A spokesperson"),)
    flags = check_draft(content(quotes=edited), ARTICLE, SETTINGS, article_words=1000)
    assert flags == (DraftFlag.VERBATIM,)


def test_check_draft_verbatim_excerpt() -> None:
    flags = check_draft(content(excerpt="The tide gates are ready."), ARTICLE, SETTINGS, 1000)
    assert flags == (DraftFlag.VERBATIM,)


def test_check_draft_verbatim_excerpt_must_be_contiguous() -> None:
    # two real sentences, but not next to each other in the article
    excerpt = (
        "The harbour master, Lena Vale, said the new tide gates were “ready for the winter.”"
        "\n\nPilots' leader Ade Koroma called the plan «a good start»"
    )
    flags = check_draft(content(excerpt=excerpt), ARTICLE, SETTINGS, 1000)
    assert flags == (DraftFlag.VERBATIM,)


def test_check_draft_verbatim_attribution() -> None:
    attribution = "A spokesperson told The Ledger that the board “will never raise fares”"
    flags = check_draft(content(attribution=attribution), ARTICLE, SETTINGS, 1000)
    assert flags == (DraftFlag.VERBATIM,)
    # words outside the quotation marks are not checked
    attribution = "A board official told The Ledger that fares “will not raise fares this year”"
    assert check_draft(content(attribution=attribution), ARTICLE, SETTINGS, 1000) == ()


def test_check_draft_curly_and_straight_marks_pass() -> None:
    straight = content(
        excerpt='The harbour master, Lena Vale, said the new tide gates were "ready for the winter."',
        quotes=(DraftQuote(text="We know it's been a hard season"),),
        attribution='Ade Koroma said "a good start"',
    )
    assert check_draft(straight, ARTICLE, SETTINGS, 1000) == ()


def test_check_draft_budget() -> None:
    draft = content()  # 32 words quoted, 28 distinct words of the article
    assert words_quoted(draft) == 32
    assert words_quoted(draft, ARTICLE) == 28
    assert check_draft(draft, ARTICLE, SETTINGS, article_words=187) == ()  # budget 28
    assert check_draft(draft, ARTICLE, SETTINGS, article_words=186) == (DraftFlag.BUDGET,)
    # without article_words the article text is counted (55 words: budget 8)
    assert check_draft(draft, ARTICLE, SETTINGS) == (DraftFlag.BUDGET,)


def test_check_draft_no_quotes_and_order() -> None:
    draft = content(quotes=(), excerpt="Not in the article at all.")
    flags = check_draft(draft, ARTICLE, SETTINGS, article_words=10)
    assert flags == (DraftFlag.VERBATIM, DraftFlag.BUDGET, DraftFlag.NO_QUOTES)
    assert check_draft(content(quotes=()), ARTICLE, SETTINGS, 1000) == (DraftFlag.NO_QUOTES,)
