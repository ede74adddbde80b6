from __future__ import annotations

import pytest

from curator.config import CurateSettings
from curator.curate.budget import words_copied
from curator.curate.checks import budget_words
from curator.curate.checks import check_draft
from curator.curate.checks import draft_checks
from curator.curate.checks import is_verbatim
from curator.curate.checks import normalise
from curator.curate.checks import quoted_passages
from curator.model import Article
from curator.model import Block
from curator.model import BlockKind
from curator.model import DraftCheck
from curator.model import DraftContent
from curator.model import DraftFlag
from curator.model import DraftQuote
from curator.model import Quote
from curator.model import QuoteKind
from curator.model import SpeakerKind

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


def test_words_copied_counts_every_copied_word_once() -> None:
    draft = content()
    # the attribution line is the article's words from "A spokesperson" to "this year" (18),
    # the excerpt 15, the quotes 7 + 4 (the second is inside the excerpt: counted once);
    # the summary "The gates are ready." is not the article's wording
    assert words_copied(draft, ARTICLE) == 18 + 15 + 7
    assert words_copied(content(excerpt="", quotes=(), attribution=""), ARTICLE) == 0
    # the summary counts too: a copied sentence, whatever field it is in
    lead = "The harbour master, Lena Vale, said the new tide gates were “ready for the winter.”"
    assert words_copied(content(summary=lead, excerpt="", quotes=(), attribution=""), ARTICLE) == 15
    # fewer than four words in a row are not copying ("told The Ledger")...
    assert words_copied(content(summary="She told The Ledger so.", excerpt="", quotes=(),
                                attribution=""), ARTICLE) == 0  # fmt: skip
    # ...unless quoted: a quote counts however short, and in full when not in the article
    short = (DraftQuote(text="a good start"), DraftQuote(text="never said at all"))
    assert words_copied(content(excerpt="", quotes=short, attribution=""), ARTICLE) == 3 + 4


def test_budget_words() -> None:
    assert budget_words(1000, SETTINGS) == 250  # the default: 25 %, at most 250
    assert budget_words(400, SETTINGS) == 100
    settings = CurateSettings(excerpt_fraction=0.15)
    assert budget_words(1000, settings) == 150
    assert budget_words(2000, settings) == 250  # excerpt_max_words
    assert budget_words(99, settings) == 14  # rounded down
    assert budget_words(0, settings) == 0
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
    draft = content()  # 40 words copied
    assert check_draft(draft, ARTICLE, SETTINGS, article_words=160) == ()  # budget 40
    assert check_draft(draft, ARTICLE, SETTINGS, article_words=159) == (DraftFlag.BUDGET,)
    # without article_words the article text is counted (55 words: budget 13)
    assert check_draft(draft, ARTICLE, SETTINGS) == (DraftFlag.BUDGET,)
    (check,) = draft_checks(draft, ARTICLE, SETTINGS)
    assert check.reason == (
        "40 words copied from the article; the budget is 13 (25% of 55 words, at most 250)"
    )


def test_check_draft_no_quotes_and_order() -> None:
    draft = content(quotes=(), excerpt="Not in the article at all.")
    flags = check_draft(draft, ARTICLE, SETTINGS, article_words=10)
    assert flags == (DraftFlag.VERBATIM, DraftFlag.BUDGET, DraftFlag.NO_QUOTES)
    assert check_draft(content(quotes=()), ARTICLE, SETTINGS, 1000) == (DraftFlag.NO_QUOTES,)


# --- honest quotation marks (#9) ---------------------------------------------------

INDIRECT = (
    "Sonya A. Zoghlin, Carlineo’s attorney, told The Hill in a statement that her client did "
    "not intend to cause harm to Omar and did not make plans to do so.\n\n"
    "“Pat Carlineo is passionate about his political beliefs,” she said in an email."
)


def _misquotes(draft: DraftContent, article: Article | str) -> list[tuple[str, str | None]]:
    return [
        (c.where, c.text)
        for c in draft_checks(draft, article, SETTINGS, article_words=1000)
        if c.flag is DraftFlag.MISQUOTE
    ]


def test_misquote_names_indirect_speech_shown_as_a_quote() -> None:
    paraphrase = "her client did not intend to cause harm to Omar"
    draft = content(
        summary="A man admitted threatening Omar.",
        attribution=f"Sonya A. Zoghlin said that “{paraphrase}”.",
        excerpt="",
        quotes=(
            DraftQuote(text="Pat Carlineo is passionate about his political beliefs"),
            DraftQuote(text="did not make plans to do so", speaker="Sonya A. Zoghlin"),
        ),
    )
    assert check_draft(draft, INDIRECT, SETTINGS, 1000) == (DraftFlag.MISQUOTE, DraftFlag.THIN)
    assert _misquotes(draft, INDIRECT) == [
        ("quote 2", "did not make plans to do so"),
        ("attribution", paraphrase),
    ]
    # the same words as paraphrase, without marks, are honest
    honest = content(
        summary="A man admitted threatening Omar.",
        attribution=f"Sonya A. Zoghlin told The Hill in a statement that {paraphrase}.",
        quotes=(DraftQuote(text="Pat Carlineo is passionate about his political beliefs"),),
        excerpt="“Pat Carlineo is passionate about his political beliefs,” she said in an email.",
    )
    assert check_draft(honest, INDIRECT, SETTINGS, 1000) == ()


def test_misquote_in_the_summary_and_an_edited_excerpt() -> None:
    draft = content(summary="Her lawyer said “her client did not intend to cause harm”.")
    assert _misquotes(draft, INDIRECT) == [("summary", "her client did not intend to cause harm")]
    # marks the source had are fine in the summary: the words stood inside them
    assert _misquotes(content(summary="He is “passionate about his political beliefs.”"),
                      INDIRECT) == []  # fmt: skip


def test_marked_in_the_source_in_any_style() -> None:
    article = (
        'The general told US media that forces would remain "for several more years".\n\n'
        "Noem later tweeted that the state’s meth epidemic “needs to be a dinner table "
        "conversation,” adding “we need everyone on it.”\n\n"
        "“This is the first paragraph of a long quote,\n\n"
        "“and this is its second,” she said. He called it ‘a farce’ and «a shame»."
    )
    quotes = (
        DraftQuote(text="for several more years"),
        DraftQuote(text="needs to be a dinner table conversation"),
        DraftQuote(text="we need everyone on it."),
        DraftQuote(text="This is the first paragraph of a long quote,\n\n“and this is its second"),
        DraftQuote(text="a farce"),
        DraftQuote(text="a shame"),
    )
    assert _misquotes(content(quotes=quotes, attribution="", excerpt=""), article) == []
    unmarked = (DraftQuote(text="the state’s meth epidemic"), DraftQuote(text="she said"))
    assert _misquotes(content(quotes=unmarked, attribution="", excerpt=""), article) == [
        ("quote 1", "the state’s meth epidemic"),
        ("quote 2", "she said"),
    ]


def test_a_block_quote_or_tweet_counts_as_marked() -> None:
    text = "Omar shared her letter.\n\nWe must teach the defendant love."
    blocks = (
        Block(kind=BlockKind.PARAGRAPH, start=0, end=23),
        Block(kind=BlockKind.BLOCKQUOTE, start=25, end=len(text)),
    )
    article = Article(text=text, blocks=blocks)
    draft = content(quotes=(DraftQuote(text="We must teach the defendant love."),), attribution="",
                    excerpt="Omar shared her letter.")  # fmt: skip
    assert _misquotes(draft, article) == []
    assert _misquotes(draft, text) == [("quote 1", "We must teach the defendant love.")]


def test_verbatim_names_the_quote_that_failed() -> None:
    edited = (
        DraftQuote(text="ready for the winter."),
        DraftQuote(text="We know it has been a hard season.", speaker="A spokesperson"),
    )
    checks = draft_checks(content(quotes=edited), ARTICLE, SETTINGS, article_words=1000)
    assert checks == (
        DraftCheck(
            flag=DraftFlag.VERBATIM,
            reason="quoted words not in the article",
            where="quote 2",
            text="We know it has been a hard season.",
        ),
    )


# --- thin drafts (#9) --------------------------------------------------------------------


def _quote(text: str, speaker: str | None, kind: QuoteKind = QuoteKind.PARTIAL) -> Quote:
    start = ARTICLE.index(text)
    return Quote(
        text=text,
        speaker=speaker,
        speaker_kind=SpeakerKind.PERSON if speaker else SpeakerKind.UNKNOWN,
        cue="said",
        kind=kind,
        start=start,
        end=start + len(text),
        confidence=0.9,
    )


ARTICLE_QUOTES = (
    _quote("ready for the winter.", "Lena Vale"),
    _quote("will not raise fares this year", "A spokesperson for the Ferry Board"),
    _quote(
        "We know it’s been a hard season.", "A spokesperson for the Ferry Board", QuoteKind.DIRECT
    ),  # fmt: skip
    _quote("a good start", "Ade Koroma"),
    _quote("Wir warten.", None, QuoteKind.DIRECT),  # speaker unknown: not counted
    _quote("the new tide gates were", "Lena Vale", QuoteKind.INDIRECT),  # not marked: not counted
)


def test_thin_without_an_excerpt() -> None:
    checks = draft_checks(content(excerpt=""), ARTICLE, SETTINGS, article_words=1000)
    assert checks == (DraftCheck(flag=DraftFlag.THIN, reason="no excerpt", where="excerpt"),)


def test_thin_with_fewer_quotes_than_min_quotes_while_the_article_has_more() -> None:
    one = content(quotes=(DraftQuote(text="a good start", speaker="Ade Koroma"),))
    settings = CurateSettings(min_quotes=3)
    # the excerpt shows Lena Vale's quote and the attribution the spokesperson's first:
    # "We know it’s been a hard season." and "a good start" are left
    assert draft_checks(one, ARTICLE, settings, quotes=ARTICLE_QUOTES, article_words=1000) == (
        DraftCheck(
            flag=DraftFlag.THIN,
            reason="1 of min_quotes 3 quotes, while the article has 2 attributed quotes not "
            "shown elsewhere",
            where="quotes",
        ),
    )
    two = content(quotes=(DraftQuote(text="a good start"), DraftQuote(text="We know it’s been a "
                  "hard season.")))  # fmt: skip
    # two of three, and the article has no more to give: still thin, and it says why
    assert draft_checks(two, ARTICLE, settings, quotes=ARTICLE_QUOTES, article_words=1000) == (
        DraftCheck(
            flag=DraftFlag.THIN,
            reason="2 of min_quotes 3 quotes: the article has no more attributed quotes in "
            "quotation marks",
            where="quotes",
        ),
    )
    assert (
        check_draft(two, ARTICLE, CurateSettings(min_quotes=2), 1000, quotes=ARTICLE_QUOTES) == ()
    )
    # without the article's quotes only the excerpt is checked
    assert check_draft(one, ARTICLE, settings, 1000) == ()


def test_flags_in_model_order() -> None:
    draft = content(
        quotes=(),
        excerpt="",
        attribution="Lena Vale said “the new tide gates were” ready, “not ready”.",
    )
    flags = check_draft(draft, ARTICLE, SETTINGS, article_words=10, quotes=ARTICLE_QUOTES)
    assert flags == (
        DraftFlag.VERBATIM,
        DraftFlag.MISQUOTE,
        DraftFlag.BUDGET,
        DraftFlag.NO_QUOTES,
        DraftFlag.THIN,
    )
