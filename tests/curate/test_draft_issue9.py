"""Drafts an editor can trust (#9): each situation the issue found, as a unit test.

The stories are invented (the real pages are in test_draft_real_pages.py), built like
the pages behind the findings: indirect speech next to direct quotes, a fact sourced
"according to" a newspaper, a newsmaker in the headline, a partial quote that needs
its sentence, a no-comment, a speaker the engine could not name. The quotes are given
as explicit Quote values, including the engine's kinds of mistakes, so each rule is
tested whatever the quote engine does.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from curator.config import CurateSettings
from curator.curate.budget import quoted_passages
from curator.curate.budget import words_copied
from curator.curate.checks import budget_words
from curator.curate.checks import check_draft
from curator.curate.checks import draft_checks
from curator.curate.text import count_words
from curator.model import DraftCheck
from curator.model import DraftFlag
from curator.model import DraftQuote
from curator.model import Quote
from curator.model import QuoteKind
from curator.model import Source
from curator.model import SpeakerKind
from tests.curate.drafting import SETTINGS
from tests.curate.drafting import assert_trustworthy
from tests.curate.drafting import build
from tests.curate.drafting import make_article
from tests.curate.drafting import quote

DIRECT = QuoteKind.DIRECT
PARTIAL = QuoteKind.PARTIAL
INDIRECT = QuoteKind.INDIRECT
PERSON = SpeakerKind.PERSON
ROLE = SpeakerKind.ROLE
ORGANIZATION = SpeakerKind.ORGANIZATION
UNKNOWN = SpeakerKind.UNKNOWN


# --- a court story: a newsmaker, a lawyer's indirect speech, a no-comment ---------------

COURT = [
    "A Lakeport man admitted on Monday that he threatened to kill Councillor Ada Brenn, who had "
    "called the threats “an attack on every voter in this city,” the district attorney’s office "
    "said.",
    "Tomas Voss, 55, pleaded guilty to making threats by telephone and to keeping a rifle he was "
    "not allowed to own. He will be sentenced in February, according to the office.",
    "District Attorney Paul Okoye said in a release that the case shows free speech does not "
    "protect people who “make threats to harm officials simply because they disagree with them.”",
    "Rita Sand, Voss’s lawyer, told The Ledger in a statement that her client did not intend to "
    "cause harm to Brenn and did not make plans to do so.",
    "“Mr. Voss is passionate about his political beliefs and his right to express them,” she said "
    "in an email. “He has taken responsibility for the language he used.”",
    "Brenn asked the court for compassion in a letter she shared on Tuesday. “We must answer hate "
    "with something better than more hate,” she wrote. “I do not want him to suffer; I want him "
    "to change.”",
    "A spokesman for the county sheriff said the office was “unable to discuss individual cases” "
    "and declined to comment further.",
    "Brenn told reporters this week that the council is likely to keep its new security rules "
    "“for several more years”.",
    "Voss sent the messages over several weeks last spring, and the calls were “frequent and "
    "frightening,” one neighbour recalled. Police traced them to a phone registered at his home "
    "on the east side of the city and found the rifle in a locked cabinet in his garage in May.",
    "The council has since moved its public meetings to a larger hall with screening at the "
    "door, and members now publish their office hours a day in advance rather than a week ahead. "
    "Several members said the changes had made residents less willing to come to meetings at all.",
    "Threats against local officials have risen across the region in the past three years, and "
    "several neighbouring towns have hired private guards for their council chambers. The state "
    "legislature is due to debate a bill next month that would make threatening an elected "
    "official a separate offence, with longer sentences than for threats against other people.",
    "Voss has lived in Lakeport for most of his life and worked for many years as a delivery "
    "driver for a bakery on the harbour front, which closed last winter.",
]
COURT_ARTICLE = make_article(
    COURT, title="Lakeport Man Admits Threatening to Kill Councillor Brenn | The Ledger"
)
PARAPHRASE = "her client did not intend to cause harm to Brenn and did not make plans to do so"


def _c(text: str, speaker: str | None, kind: QuoteKind, cue: str = "said", **kw: object) -> Quote:
    return quote(COURT_ARTICLE, text, speaker, kw.pop("kind_of", PERSON), cue, kind, **kw)  # type: ignore[arg-type]


IN_THE_LEDE = _c("an attack on every voter in this city", "Councillor Ada Brenn", PARTIAL, "called")
SENTENCED = _c("He will be sentenced in February", "the office", INDIRECT, "according to",
               kind_of=ORGANIZATION)  # fmt: skip
OKOYE = _c("make threats to harm officials simply because they disagree with them.",
           "District Attorney Paul Okoye", PARTIAL)  # fmt: skip
SAND_INDIRECT = _c(PARAPHRASE, "Rita Sand", INDIRECT, "told", outlet="The Ledger")
SAND_1 = _c("Mr. Voss is passionate about his political beliefs and his right to express them",
            "Rita Sand", DIRECT)  # fmt: skip
SAND_2 = _c("He has taken responsibility for the language he used.", "Rita Sand", DIRECT)
BRENN_1 = _c("We must answer hate with something better than more hate", "Brenn", DIRECT, "wrote")
BRENN_2 = _c("I do not want him to suffer; I want him to change.", "Brenn", DIRECT, "wrote")
NO_COMMENT = _c("unable to discuss individual cases", "A spokesman for the county sheriff",
                PARTIAL, kind_of=ROLE)  # fmt: skip
YEARS = _c("for several more years", "Brenn", PARTIAL, "told")
NEIGHBOUR = _c("frequent and frightening", "one neighbour", PARTIAL, "recalled", kind_of=UNKNOWN)
COURT_QUOTES = [
    IN_THE_LEDE, SENTENCED, OKOYE, SAND_INDIRECT, SAND_1, SAND_2, BRENN_1, BRENN_2,
    NO_COMMENT, YEARS, NEIGHBOUR,
    dataclasses.replace(SAND_INDIRECT, kind=DIRECT),  # the engine's mistake: no marks there
]  # fmt: skip


def test_a_400_word_story_gets_the_seed_shape() -> None:
    assert count_words(COURT_ARTICLE.text) == 411
    assert budget_words(411, SETTINGS) == 102
    draft = build(COURT_ARTICLE, COURT_QUOTES)
    # one sentence of summary, the attribution line, an excerpt and three short quotes
    assert draft.summary == COURT[0]
    assert draft.attribution == (
        "Brenn wrote, “We must answer hate with something better than more hate”."
    )
    assert draft.excerpt == ("“I do not want him to suffer; I want him to change.”\n\n" + COURT[6])
    assert draft.quotes == (
        DraftQuote(text=SAND_1.text, speaker="Rita Sand", cue="said"),
        DraftQuote(text=OKOYE.text, speaker="District Attorney Paul Okoye", cue="said"),
        # the neighbour is not named by the engine: shown, attributed to nobody
        DraftQuote(text="frequent and frightening", speaker=None, cue="recalled"),
    )
    assert words_copied(draft, COURT_ARTICLE.text) == 102
    assert check_draft(draft, COURT_ARTICLE, SETTINGS, quotes=COURT_QUOTES) == ()
    assert_trustworthy(draft, COURT_ARTICLE)


def test_indirect_speech_is_never_put_in_quotation_marks() -> None:
    # the finding: "her client did not intend …" shown as the lawyer's words
    for settings in (SETTINGS, CurateSettings(excerpt_fraction=1.0)):
        draft = build(COURT_ARTICLE, COURT_QUOTES, settings=settings)
        shown = [q.text for q in draft.quotes] + quoted_passages(draft.attribution)
        assert PARAPHRASE not in shown
        assert not any(PARAPHRASE in passage for passage in quoted_passages(draft.excerpt))
    # left alone with the lawyer, the paraphrase is the attribution line, without marks
    draft = build(COURT_ARTICLE, [SAND_INDIRECT, SAND_1, SAND_2, OKOYE])
    assert draft.attribution == f"Rita Sand told The Ledger in a statement that {PARAPHRASE}."
    assert check_draft(draft, COURT_ARTICLE, SETTINGS) == ()


def test_a_fact_according_to_someone_is_neither_a_quote_nor_an_attribution() -> None:
    draft = build(COURT_ARTICLE, COURT_QUOTES, settings=CurateSettings(excerpt_fraction=1.0))
    assert SENTENCED.text not in [q.text for q in draft.quotes]
    assert "the office" not in draft.attribution.casefold()


def test_the_newsmaker_first_and_each_speaker_once_before_a_second() -> None:
    draft = build(COURT_ARTICLE, COURT_QUOTES, settings=CurateSettings(excerpt_fraction=1.0))
    assert draft.attribution.startswith("Brenn wrote")  # named in the headline
    speakers = [q.speaker for q in draft.quotes]
    # Sand (quoted most) and Okoye, then Sand's second, then Brenn's third (the attribution
    # line and the excerpt show two); the unnamed neighbour after everyone named; the
    # sheriff's no-comment is in the excerpt
    assert speakers == ["Rita Sand", "District Attorney Paul Okoye", "Rita Sand", "Brenn", None]


def test_no_comment_comes_last() -> None:
    paragraphs = [COURT[0], COURT[2], COURT[6], COURT[4]]
    article = make_article(paragraphs)
    quotes = [
        quote(article, OKOYE.text, OKOYE.speaker, kind=PARTIAL),
        quote(article, NO_COMMENT.text, NO_COMMENT.speaker, ROLE, kind=PARTIAL),
        quote(article, SAND_1.text, "Rita Sand", kind=DIRECT),
        quote(article, SAND_2.text, "Rita Sand", kind=DIRECT),
    ]
    draft = build(article, quotes, settings=CurateSettings(excerpt_fraction=1.0, min_quotes=3))
    assert [q.text for q in draft.quotes][-1] == NO_COMMENT.text


def test_the_same_quote_is_never_shown_twice() -> None:
    # the finding: one quote in the summary, the attribution line and the quote list
    for fraction in (0.15, 0.25, 0.5, 1.0):
        draft = build(
            COURT_ARTICLE, COURT_QUOTES, settings=CurateSettings(excerpt_fraction=fraction)
        )
        assert IN_THE_LEDE.text not in [q.text for q in draft.quotes]  # it is in the summary
        assert IN_THE_LEDE.text not in draft.attribution
        assert_trustworthy(draft, COURT_ARTICLE)


def test_a_partial_quote_keeps_enough_of_its_sentence() -> None:
    # the finding: "General Mark Milley said that “for several more years”" (no verb, no stop)
    only = [YEARS, SAND_1, OKOYE]
    draft = build(COURT_ARTICLE, only, settings=CurateSettings(excerpt_fraction=1.0))
    assert draft.attribution == (
        "Brenn told reporters this week that the council is likely to keep its new security "
        "rules “for several more years”."
    )


def test_speakers_the_engine_could_not_name_are_never_credited() -> None:
    named_but_unknown = dataclasses.replace(SAND_1, speaker="Sand", speaker_kind=UNKNOWN)
    quotes = [named_but_unknown, NEIGHBOUR, OKOYE, SAND_2, BRENN_1]
    for settings in (CurateSettings(excerpt_fraction=1.0, min_quotes=0), SETTINGS):
        draft = build(COURT_ARTICLE, quotes, settings=settings)
        assert not draft.attribution.startswith(("Sand", "One neighbour"))
        shown = {q.text: q.speaker for q in draft.quotes}
        assert shown.get(named_but_unknown.text) is None
        assert shown.get(NEIGHBOUR.text) is None
        # attributed quotes first
        named = [q.speaker is not None for q in draft.quotes]
        assert named == sorted(named, reverse=True)


def test_a_thin_draft_is_flagged_with_its_reason() -> None:
    settings = CurateSettings(excerpt_fraction=0.15)  # the old default: 61 words here
    draft = build(COURT_ARTICLE, COURT_QUOTES, settings=settings)
    assert draft.excerpt == ""
    assert len(draft.quotes) == 2  # min_quotes still honoured, with shorter quotes
    assert draft_checks(draft, COURT_ARTICLE, settings, quotes=COURT_QUOTES) == (
        DraftCheck(flag=DraftFlag.THIN, reason="no excerpt", where="excerpt"),
    )
    settings = CurateSettings(excerpt_fraction=0.1, min_quotes=3)
    draft = build(COURT_ARTICLE, COURT_QUOTES, settings=settings)
    checks = draft_checks(draft, COURT_ARTICLE, settings, quotes=COURT_QUOTES)
    assert [c.reason for c in checks if c.flag is DraftFlag.THIN] == [
        "no excerpt",
        f"{len(draft.quotes)} of min_quotes 3 quotes, while the article has 6 attributed quotes "
        "not shown elsewhere",
    ]


# --- the seed-style story (../shared/seed/, tests/data/quotes/t01-seed-sentences.json) --

T01 = json.loads(
    (Path(__file__).parent.parent / "data" / "quotes" / "t01-seed-sentences.json").read_text()
)
T01_PARAGRAPHS = T01["text"].split("\n\n")
# The seed post's own lead and closing sentence around the sentences the seed quotes, and
# one invented closing paragraph: 367 words, like the 370-word article of the finding.
SEED_STORY = [
    "Reports of gay men being tortured and imprisoned in Chechnya have been appearing for "
    "months, with horrifying first person accounts of former prisoners who had fled the regime "
    "of ultra-conservative nightmare president, Ramzan Kadyrov. There are reportedly many more "
    "seeking asylum from persecution—but they won’t find it in the U.S.",
    T01_PARAGRAPHS[0] + " Some have left without the safety net of a visa, judging it too "
    "dangerous to remain in the country for the time its been taking to go through the proper "
    "channels.",
    *T01_PARAGRAPHS[1:],
    "Those words have not manifested into needed action, perhaps because Vladimir Putin "
    "conducted an investigation and concluded that no violations against LGBT people in "
    "Chechnya were taking place.",
    "The network has helped dozens of people leave the region since the first reports appeared "
    "in April, and it is still paying for safe houses in several Russian cities while it waits "
    "for answers from the embassies it has approached.",
]
SEED_ARTICLE = make_article(
    SEED_STORY, title="U.S. Is Reportedly Denying Visas to Gay Men Being Persecuted In Chechnya"
)
SEED_QUOTES = [
    quote(
        SEED_ARTICLE,
        q["text"],
        q["speaker"],
        PERSON if "Haley" in q["speaker"] else ROLE,
        q["cue"],
        QuoteKind(q["kind"]),
        0.9,
        q["outlet"],
    )  # fmt: skip
    for q in T01["quotes"]
]
BUZZFEED = Source(
    id="buzzfeed", url="https://buzzfeed.example/feed", name="BuzzFeed News", outlet="BuzzFeed News"
)
STATE = "A spokesperson for the State Department"


def test_the_seed_style_story() -> None:
    # the finding: a no-comment and the network's spokesperson as the quotes, the
    # ambassador's "cannot be ignored" dropped, no excerpt
    assert count_words(SEED_ARTICLE.text) == 367
    draft = build(SEED_ARTICLE, SEED_QUOTES, source=BUZZFEED)
    assert draft.summary == SEED_STORY[0].split(". There")[0] + "."
    assert draft.attribution == (
        "The Russia LGBT Network spokesperson told BuzzFeed News that “negotiations have been "
        "difficult”."
    )
    # the State Department's no-comment is shown where it was said, not as a quote
    assert draft.excerpt == T01_PARAGRAPHS[2].split("“credible.” ")[1]
    assert draft.quotes == (
        DraftQuote(
            text="cannot be ignored",
            speaker="U.S. Ambassador to the United Nations Nikki Haley",
            cue="said",
        ),
        DraftQuote(text="continues to be concerned", speaker=STATE, cue="told", outlet="BuzzFeed"),
        DraftQuote(text="credible", speaker=STATE, cue="calling", outlet="BuzzFeed"),
    )
    assert check_draft(draft, SEED_ARTICLE, SETTINGS, quotes=SEED_QUOTES) == ()
    assert_trustworthy(draft, SEED_ARTICLE)


def test_the_seed_style_story_as_the_seed_post_ends() -> None:
    # with room for every quote (the seed post quotes far more than a budget allows), the
    # ambassador's words are there and the no-comment is last of all
    settings = CurateSettings(excerpt_fraction=1.0, max_quotes=10)
    draft = build(SEED_ARTICLE, SEED_QUOTES, source=BUZZFEED, settings=settings)
    texts = [q.text for q in draft.quotes] + quoted_passages(draft.excerpt)
    assert "cannot be ignored" in texts
    assert_trustworthy(draft, SEED_ARTICLE)
