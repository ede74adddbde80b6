"""build_draft: the seed's shape, and each rule on its own."""

from __future__ import annotations

import dataclasses
from datetime import UTC
from datetime import datetime

import pytest

from curator.config import CurateSettings
from curator.curate.budget import words_copied
from curator.curate.checks import budget_words
from curator.curate.checks import check_draft
from curator.curate.markdown import parse_markdown
from curator.curate.markdown import render_markdown
from curator.curate.text import count_words
from curator.model import Article
from curator.model import BlockKind
from curator.model import Draft
from curator.model import DraftContent
from curator.model import DraftFlag
from curator.model import DraftQuote
from curator.model import DraftState
from curator.model import Quote
from curator.model import QuoteKind
from curator.model import SpeakerKind
from tests.curate.drafting import NOW
from tests.curate.drafting import SETTINGS
from tests.curate.drafting import SOURCE
from tests.curate.drafting import build
from tests.curate.drafting import make_article
from tests.curate.drafting import make_entry
from tests.curate.drafting import quote

ROLE = SpeakerKind.ROLE
PERSON = SpeakerKind.PERSON
ORGANIZATION = SpeakerKind.ORGANIZATION
UNKNOWN = SpeakerKind.UNKNOWN
DIRECT = QuoteKind.DIRECT
PARTIAL = QuoteKind.PARTIAL
BLOCKQUOTE = QuoteKind.BLOCKQUOTE
INDIRECT = QuoteKind.INDIRECT

# An invented story, parallel to the seed's source: a lead, a paragraph the post
# attributes and quotes, an agency's partial and direct quotes, an official's words.
STORY = (
    "Reports of dock workers being threatened and locked out at the Northgate terminal have "
    "been surfacing for months, with detailed accounts from workers who fled the yard run by "
    "operator Silas J. Marrow. Dozens more are now seeking transfers to other ports. But they "
    "won’t find them in the U.S. port system, according to the union representing them.",
    "The union says there are about 40 workers waiting in hostels along the coast, trying to "
    "secure permits so they can move to other terminals. Some have left without a permit, "
    "judging it too dangerous to remain at Northgate for the months the applications have "
    "been taking.",
    "A Harbour Workers Union spokesperson told The Ledger that “talks have been difficult” with "
    "managers of terminals that could take on workers from the yard. She would not name the "
    "terminals the union was still approaching, because doing so could put any worker whose "
    "transfer succeeded at risk, but she said in an email to The Ledger on Tuesday that “we "
    "were told that the agency is not going to issue permits for anyone from Northgate.”",
    "A spokesperson for the Port Licensing Agency told The Ledger that the agency “continues to "
    "be concerned” about the reports from Northgate, calling accounts that at least 60 workers "
    "had been threatened “credible.” The spokesperson neither confirmed nor denied whether "
    "permits would be issued for any of the workers, saying, “As records are confidential "
    "under port rules, we are unable to discuss individual cases.”",
    "Commissioner Jane Roe said in mid-April that the reports of intimidation “cannot be "
    "ignored” in a statement that was praised for taking a stand against the alleged abuses "
    "at the yard. Those words have not turned into action, perhaps because Mr. Marrow’s "
    "company ran its own review and concluded that no rules had been broken at Northgate.",
    "Dr. Ines Okafor, who studies port labour at Eastmere University, said the pattern was "
    "familiar. “When a yard becomes dangerous, the first thing workers lose is the ability to "
    "leave it,” she said. “Permits are supposed to be a safety valve, not a trap.”",
    "The terminal handles about 2.5 million tonnes of cargo a year, according to figures "
    "published by the agency in Jan. 2016, and employs roughly 900 people on three shifts. Its "
    "owner, Marrow Holdings Ltd., did not respond to several requests for comment from The "
    "Ledger. A lawyer for the company, Tomas Bell, said on Wednesday that his client “rejects "
    "every allegation” and would “cooperate fully with any inquiry.”",
    "Northgate opened in 1998 as the second container terminal on the estuary, and for most of "
    "its history it was known as one of the quieter yards on the coast. That changed after the "
    "2019 sale to Marrow Holdings, workers said, when shift patterns were rewritten and several "
    "long-serving crane operators were dismissed without notice.",
    "Three former crane operators who spoke to The Ledger on condition of anonymity described "
    "being followed home after their shifts and receiving anonymous calls at night. One said "
    "he had reported the calls to the harbour police twice but had never been told whether "
    "anyone had looked into them. Another said he had moved his family to a relative’s house "
    "inland for several weeks last winter.",
    "The Port Licensing Agency is responsible for the permits that allow dock workers to move "
    "between terminals. Under rules adopted in 2012, a transfer can be approved within ten "
    "working days when a worker shows that staying at a terminal puts them at risk. The union "
    "says none of the applications filed since February has been decided.",
    "Union organisers plan to deliver a petition signed by more than 3,000 dock workers to the "
    "agency’s offices on Friday. The Ledger will update this story when the agency responds.",
)


STORY_ARTICLE = make_article(
    STORY,
    title="Port Agency Is Reportedly Refusing Permits to Dock Workers Threatened at "
    "Northgate | The Harbour Ledger",
    url="https://ledger.example/2024/05/northgate-permits?utm_source=feed",
    canonical_url="https://ledger.example/2024/05/northgate-permits",
    published_at=NOW,
)
A_UNION = "A Harbour Workers Union spokesperson"
AGENCY = "A spokesperson for the Port Licensing Agency"
OKAFOR = "Dr. Ines Okafor"


def _q(text: str, *args: object, **kwargs: object) -> Quote:
    return quote(STORY_ARTICLE, text, *args, **kwargs)  # type: ignore[arg-type]


# What find_quotes returns for STORY_ARTICLE (engine version 1), in text order.
STORY_QUOTES = (
    _q("But they won’t find them in the U.S. port system", "the union representing them",
       UNKNOWN, "according to", INDIRECT, 0.7),
    _q("there are about 40 workers waiting in hostels along the coast, trying to secure "
       "permits so they can move to other terminals", "The union", ORGANIZATION, "says",
       INDIRECT, 0.7),
    _q("talks have been difficult", A_UNION, ROLE, "told", PARTIAL, 0.9, outlet="The Ledger"),
    _q("we were told that the agency is not going to issue permits for anyone from Northgate",
       A_UNION, ROLE, "said", PARTIAL, 0.8, outlet="The Ledger"),
    _q("continues to be concerned", AGENCY, ROLE, "told", PARTIAL, 0.9, outlet="The Ledger"),
    _q("credible", AGENCY, ROLE, "calling", PARTIAL, 0.9, outlet="The Ledger"),
    _q("As records are confidential under port rules, we are unable to discuss individual "
       "cases.", AGENCY, ROLE, "saying", DIRECT, 0.8),
    _q("cannot be ignored", "Commissioner Jane Roe", PERSON, "said", PARTIAL, 0.9),
    _q("the pattern was familiar", OKAFOR, PERSON, "said", INDIRECT, 0.7),
    _q("When a yard becomes dangerous, the first thing workers lose is the ability to leave "
       "it", OKAFOR, PERSON, "said", DIRECT, 0.8),
    _q("Permits are supposed to be a safety valve, not a trap.", OKAFOR, PERSON, "said",
       DIRECT, 0.75),
    _q("The terminal handles about 2.5 million tonnes of cargo a year", "figures published by the agency in Jan. 2016",
       UNKNOWN, "according to", INDIRECT, 0.7),
    _q("rejects every allegation", "Tomas Bell", PERSON, "said", PARTIAL, 0.9),
    _q("cooperate fully with any inquiry", "Tomas Bell", PERSON, "said", PARTIAL, 0.9),
    _q("he had reported the calls to the harbour police twice but had never been told whether "
       "anyone had looked into them", "One", UNKNOWN, "said", INDIRECT, 0.7),
    _q("he had moved his family to a relative’s house inland for several weeks last winter",
       "Another", UNKNOWN, "said", INDIRECT, 0.7),
)  # fmt: skip

STORY_HEADLINE = (
    "Port Agency Is Reportedly Refusing Permits to Dock Workers Threatened at Northgate"
)
STORY_SUMMARY = (
    "Reports of dock workers being threatened and locked out at the Northgate terminal have "
    "been surfacing for months, with detailed accounts from workers who fled the yard run by "
    "operator Silas J. Marrow. Dozens more are now seeking transfers to other ports. But they "
    "won’t find them in the U.S. port system, according to the union representing them."
)
# The headline names the agency: its spokesperson is the principal voice, told The Ledger.
STORY_ATTRIBUTION = f"{AGENCY} told The Ledger that the agency “continues to be concerned”."
# What follows the attribution's sentence (the agency's no-comment is shown there, so it
# leaves the quote list).
STORY_EXCERPT = (
    "The spokesperson neither confirmed nor denied whether permits would be issued for any of "
    "the workers, saying, “As records are confidential under port rules, we are unable to "
    "discuss individual cases.”"
)
STORY_QUOTES_RANKED = (
    # one per speaker first: Dr. Okafor is the most quoted, then the others by quality
    DraftQuote(
        text="When a yard becomes dangerous, the first thing workers lose is the ability to "
        "leave it",
        speaker=OKAFOR,
        cue="said",
    ),
    DraftQuote(
        text="we were told that the agency is not going to issue permits for anyone from Northgate",
        speaker=A_UNION,
        cue="said",
        outlet="The Ledger",
    ),
    DraftQuote(text="cooperate fully with any inquiry", speaker="Tomas Bell", cue="said"),
    DraftQuote(text="cannot be ignored", speaker="Commissioner Jane Roe", cue="said"),
    # then second quotes (the agency has two already: the attribution line and the excerpt)
    DraftQuote(
        text="Permits are supposed to be a safety valve, not a trap.", speaker=OKAFOR, cue="said"
    ),
)
# Two of the lead's sentences: the third does not fit once the quotes are in.
STORY_SUMMARY_FITTING = STORY_SUMMARY[: STORY_SUMMARY.index("ports.") + 6]


# --- the seed's shape -----------------------------------------------------------


def test_seed_shaped_draft() -> None:
    draft = build(STORY_ARTICLE, STORY_QUOTES)
    assert draft == DraftContent(
        headline=STORY_HEADLINE,
        summary=STORY_SUMMARY_FITTING,
        attribution=STORY_ATTRIBUTION,
        excerpt=STORY_EXCERPT,
        quotes=STORY_QUOTES_RANKED,
        source_url="https://ledger.example/2024/05/northgate-permits",
        outlet="The Ledger",
        published_at=NOW,
        tags=("labour", "ports"),
    )
    article_words = count_words(STORY_ARTICLE.text)
    assert article_words == 623
    assert budget_words(article_words, SETTINGS) == 155
    # every word is the article's: summary 42, the attribution line 17, excerpt 31, quotes
    assert words_copied(draft, STORY_ARTICLE.text) == 42 + 17 + 31 + (16 + 16 + 5 + 3 + 11)
    assert check_draft(draft, STORY_ARTICLE, SETTINGS, quotes=STORY_QUOTES) == ()


def test_seed_shaped_draft_on_a_smaller_budget() -> None:
    # 15 % (the old default): the summary's first sentence, the attribution and the
    # excerpt, and the quotes that still fit — shorter ones instead of the best
    settings = CurateSettings(excerpt_fraction=0.15)
    draft = build(STORY_ARTICLE, STORY_QUOTES, settings=settings)
    assert draft.summary == STORY_SUMMARY[: STORY_SUMMARY.index("Marrow.") + 7]
    assert (draft.attribution, draft.excerpt) == (STORY_ATTRIBUTION, STORY_EXCERPT)
    assert [q.text for q in draft.quotes] == [
        "cooperate fully with any inquiry",
        "cannot be ignored",
        "talks have been difficult",
    ]
    assert check_draft(draft, STORY_ARTICLE, settings, quotes=STORY_QUOTES) == ()
    # 10 %: no room for the excerpt once the quotes are in: flagged thin
    settings = CurateSettings(excerpt_fraction=0.1)
    draft = build(STORY_ARTICLE, STORY_QUOTES, settings=settings)
    assert (draft.attribution, draft.excerpt) == (STORY_ATTRIBUTION, "")
    assert check_draft(draft, STORY_ARTICLE, settings, quotes=STORY_QUOTES) == (DraftFlag.THIN,)


def test_seed_shaped_draft_from_the_quote_engine() -> None:
    from curator.extract.quotes import find_quotes  # only to build realistic inputs

    quotes = find_quotes(STORY_ARTICLE.text, STORY_ARTICLE.blocks)
    draft = build(STORY_ARTICLE, quotes)
    assert draft.attribution == STORY_ATTRIBUTION
    assert check_draft(draft, STORY_ARTICLE, SETTINGS, quotes=quotes) == ()


def test_seed_shaped_draft_as_markdown() -> None:
    content = build(STORY_ARTICLE, STORY_QUOTES)
    draft = Draft(
        id=17,
        state=DraftState.NEW,
        version=1,
        content=content,
        source_id=SOURCE.id,
        entry_id=1,
        created_at=NOW,
        updated_at=NOW,
    )
    markdown = render_markdown(draft)
    assert markdown == SEED_MARKDOWN
    assert parse_markdown(markdown) == (1, content)


SEED_MARKDOWN = """\
---
id: 17
version: 1
state: new
headline: Port Agency Is Reportedly Refusing Permits to Dock Workers Threatened at Northgate
source_url: https://ledger.example/2024/05/northgate-permits
outlet: The Ledger
published: '2024-05-01T09:30:00+00:00'
tags:
- labour
- ports
also_reported_by: []
quotes:
- speaker: Dr. Ines Okafor
  text: When a yard becomes dangerous, the first thing workers lose is the ability to leave it
  cue: said
  outlet: null
- speaker: A Harbour Workers Union spokesperson
  text: we were told that the agency is not going to issue permits for anyone from Northgate
  cue: said
  outlet: The Ledger
- speaker: Tomas Bell
  text: cooperate fully with any inquiry
  cue: said
  outlet: null
- speaker: Commissioner Jane Roe
  text: cannot be ignored
  cue: said
  outlet: null
- speaker: Dr. Ines Okafor
  text: Permits are supposed to be a safety valve, not a trap.
  cue: said
  outlet: null
---

## Summary

Reports of dock workers being threatened and locked out at the Northgate terminal have been \
surfacing for months, with detailed accounts from workers who fled the yard run by operator Silas \
J. Marrow. Dozens more are now seeking transfers to other ports.

## Attribution

A spokesperson for the Port Licensing Agency told The Ledger that the agency “continues to be \
concerned”.

## Excerpt

> The spokesperson neither confirmed nor denied whether permits would be issued for any of the \
workers, saying, “As records are confidential under port rules, we are unable to discuss \
individual cases.”
"""


# --- headline -----------------------------------------------------------------


LEAD = "The ferry board met on Monday to discuss the winter timetable. It agreed on a plan."
ROOMY = CurateSettings(excerpt_fraction=1.0)  # no budget worries
ATTRIBUTE = CurateSettings(excerpt_fraction=1.0, min_quotes=0)  # the line may take any quote


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Ferry Board Meets | The Harbour Ledger", "Ferry Board Meets"),
        ("Ferry Board Meets - BuzzFeed News", "Ferry Board Meets"),
        ("Ferry Board Meets — Site", "Ferry Board Meets"),
        ("Ferry board meets - the harbour ledger", "Ferry board meets"),  # source.name
        ("Ferry board meets - the ledger", "Ferry board meets"),  # source.outlet
        ("Ferry board meets -- quay gazette online", "Ferry board meets"),  # site_name
        ("  Ferry &amp; <i>Board</i>\n  Meets  ", "Ferry & Board Meets"),
    ],
)
def test_headline_is_cleaned(title: str, expected: str) -> None:
    article = make_article([LEAD], title=title, site_name="Quay Gazette Online")
    assert build(article).headline == expected


def test_headline_falls_back_to_the_entry_title() -> None:
    article = make_article([LEAD], title=None)
    entry = make_entry(title="Ferry &quot;Board&quot; Meets | The Harbour Ledger")
    assert build(article, entry=entry).headline == 'Ferry "Board" Meets'
    assert build(make_article([LEAD], title="  "), entry=entry).headline == ('Ferry "Board" Meets')


def test_headline_falls_back_to_the_first_sentence() -> None:
    article = make_article([LEAD], title=None)
    headline = "The ferry board met on Monday to discuss the winter timetable."
    assert build(article, entry=make_entry(title=None)).headline == headline
    empty = make_article([], title=None)
    draft = build(empty, entry=make_entry(title=None))
    assert (draft.headline, draft.summary) == ("Untitled", "Untitled")


# --- summary ------------------------------------------------------------------


def test_summary_takes_at_most_three_sentences() -> None:
    article = make_article(["One is here. Two is here. Three is here. Four is here."])
    assert build(article, settings=ROOMY).summary == "One is here. Two is here. Three is here."


def test_summary_stops_before_sixty_words_and_never_cuts_a_sentence() -> None:
    s1 = " ".join(["Word"] * 25) + "."
    s2 = " ".join(["More"] * 30) + "."
    s3 = " ".join(["Last"] * 6) + "."
    article = make_article([f"{s1} {s2} {s3}"])
    assert build(article, settings=ROOMY).summary == f"{s1} {s2}"  # 55 words; s3 would make 61
    long = " ".join(["Long"] * 70) + "."
    article = make_article([f"{long} {s3}"])
    assert build(article, settings=ROOMY).summary == long  # one sentence, kept whole


def test_summary_grows_only_while_the_budget_allows() -> None:
    article = make_article(["The board met on Monday in Port Alder. It agreed a new timetable."])
    assert count_words(article.text) == 13
    assert build(article, settings=CurateSettings(excerpt_fraction=0.5)).summary == (
        "The board met on Monday in Port Alder."  # 8 words: the first sentence only
    )
    # the first sentence is always there, even over the budget (the budget flag says so)
    assert build(article, settings=CurateSettings(excerpt_fraction=0.1)).summary == (
        "The board met on Monday in Port Alder."
    )
    # a first sentence too short to say anything takes the next with it
    article = make_article(["COLUMBIA, S.C. (AP) — The board met on Monday. It agreed."])
    assert build(article, settings=CurateSettings(excerpt_fraction=0.1)).summary == (
        "COLUMBIA, S.C. (AP) — The board met on Monday."
    )


def test_summary_uses_the_next_paragraph_after_a_one_sentence_lead() -> None:
    article = make_article(
        [
            "The ferry board met on Monday in Port Alder.",
            "It agreed a new timetable. Fares stay the same. Crews get a rise.",
            "Nothing from here.",
        ]
    )
    assert build(article, settings=ROOMY).summary == (
        "The ferry board met on Monday in Port Alder. It agreed a new timetable. "
        "Fares stay the same."
    )
    two = make_article(["The board met. It agreed a new timetable.", "Fares stay the same."])
    assert build(two, settings=ROOMY).summary == "The board met. It agreed a new timetable."


def test_summary_skips_short_and_non_paragraph_blocks() -> None:
    article = make_article(
        [
            (BlockKind.HEADING, "The ferry board met on Monday in Port Alder"),
            "Advertisement",
            "By Ines Okafor",
            (BlockKind.BLOCKQUOTE, "We will keep the fares low for everyone, always."),
            "The Dr. said the U.S. ferry rules apply. The board agreed.",
        ]
    )
    assert build(article, settings=ROOMY).summary == (
        "The Dr. said the U.S. ferry rules apply. The board agreed."
    )


def test_summary_without_blocks_splits_the_text_on_blank_lines() -> None:
    article = Article(text="Just the first.\n\nAnd the second.\n\nNot the third.", title="T")
    assert build(article, settings=ROOMY).summary == "Just the first. And the second."


def test_summary_falls_back_to_the_entry_summary() -> None:
    entry = make_entry(summary="<p>The board met.</p><p>It agreed &amp; left. Then more.</p>")
    article = make_article([], title="Board Meets")
    draft = build(article, entry=entry)
    assert draft.summary == "The board met. It agreed & left. Then more."
    assert draft.excerpt == ""


# --- attribution --------------------------------------------------------------


def test_attribution_prefers_a_quote_told_to_the_outlet() -> None:
    paragraphs = [
        "The ferry board met on Monday to agree the winter timetable for all routes.",
        "“We have done everything we could to keep the fares down this year,” Lena Vale said.",
        "Ade Koroma, the pilots’ leader, told The Ledger that the plan was “a good start.”",
        "The board will meet again in March, when the spring timetable is due to be agreed.",
    ]
    article = make_article(paragraphs)
    direct = quote(article, paragraphs[1][1:67], kind=DIRECT)
    told = quote(article, "a good start.", "Ade Koroma", cue="told", outlet="The Ledger")
    draft = build(article, [direct, told], settings=ATTRIBUTE)
    assert draft.attribution == "Ade Koroma told The Ledger that the plan was “a good start”."
    assert [q.text for q in draft.quotes] == [direct.text]  # never the attribution's again
    assert draft.excerpt == paragraphs[3]  # what follows the attribution's sentence


def test_attribution_leaves_min_quotes_for_the_list() -> None:
    paragraphs = [
        "The ferry board met on Monday to agree the winter timetable for all routes.",
        "“We have done everything we could to keep the fares down this year,” Lena Vale said.",
        "Ade Koroma, the pilots’ leader, told The Ledger that the plan was “a good start.” He "
        "said the crews would be paid for the extra crossings.",
    ]
    article = make_article(paragraphs)
    direct = quote(article, paragraphs[1][1:67], kind=DIRECT)
    told = quote(article, "a good start.", "Ade Koroma", cue="told", outlet="The Ledger")
    paraphrase = quote(article, "the crews would be paid for the extra crossings", "Ade Koroma",
                       kind=INDIRECT)  # fmt: skip
    # two quotes and min_quotes 2: both go to the list, the line is Koroma's paraphrase
    draft = build(article, [direct, told, paraphrase], settings=ROOMY)
    assert [q.text for q in draft.quotes] == [direct.text, told.text]
    assert draft.attribution == "Ade Koroma said the crews would be paid for the extra crossings."
    # without a paraphrase there is no attribution line rather than a repeated quote
    draft = build(article, [direct, told], settings=ROOMY)
    assert (draft.attribution, len(draft.quotes)) == ("", 2)


def test_attribution_falls_back_to_the_next_quote_with_a_speaker() -> None:
    paragraphs = [
        "The ferry board met on Monday to agree the winter timetable for all routes.",
        "“Fares must come down before the winter,” read a banner at the quay.",
        "Lena Vale, the harbour master, said that the gates were “ready for anything.”",
    ]
    article = make_article(paragraphs)
    nobody = quote(article, "Fares must come down before the winter,", None, UNKNOWN,
                   None, DIRECT)  # fmt: skip
    unknown = quote(article, "the gates were", "a banner", UNKNOWN, kind=INDIRECT)
    vale = quote(article, "ready for anything.", "Lena Vale")
    draft = build(article, [nobody, unknown, vale], settings=ATTRIBUTE)
    assert draft.attribution == "Lena Vale said that the gates were “ready for anything”."
    # an unknown speaker is never named; indirect speech is never a quote
    assert draft.quotes == (
        DraftQuote(text="Fares must come down before the winter,", speaker=None, cue=None),
    )


def test_no_quotes_no_attribution_and_the_no_quotes_flag() -> None:
    paragraphs = [
        LEAD,
        "The new timetable starts in November and runs until the end of March next year.",
    ]
    article = make_article(paragraphs)
    draft = build(article, [], settings=ROOMY)
    assert (draft.attribution, draft.quotes) == ("", ())
    assert draft.excerpt == paragraphs[1]
    flags = check_draft(draft, article.text, SETTINGS, article_words=1000)
    assert flags == (DraftFlag.NO_QUOTES,)


def test_quotes_that_are_not_in_the_article_are_ignored() -> None:
    article = make_article([LEAD, "Lena Vale said the plan was “a good start” for all."])
    real = quote(article, "a good start")
    made_up = dataclasses.replace(real, text="a great start", speaker="Ade Koroma")
    moved = dataclasses.replace(real, start=0, end=12)  # wrong offsets, text still found
    draft = build(article, [made_up, moved], settings=ROOMY)
    assert draft.quotes == (DraftQuote(text="a good start", speaker="Lena Vale", cue="said"),)
    # the words after the cue lead into the quote
    draft = build(article, [made_up, moved], settings=ATTRIBUTE)
    assert draft.attribution == "Lena Vale said the plan was “a good start”."


# --- quotes in the draft ----------------------------------------------------------


def test_draft_quotes_respect_max_and_min() -> None:
    paragraphs = [LEAD] + [
        f"Speaker {n} said that “the {n} harbour gates are not ready for the storms yet "
        f"number {n}.”"
        for n in ("one", "two", "three", "four")
    ]
    article = make_article(paragraphs)
    quotes = [
        quote(
            article,
            f"the {n} harbour gates are not ready for the storms yet number {n}.",
            f"Speaker {n}",
        )  # fmt: skip
        for n in ("one", "two", "three", "four")
    ]
    roomy = CurateSettings(excerpt_fraction=1.0, max_quotes=2, min_quotes=1)
    draft = build(article, quotes, settings=roomy)
    # near duplicates of each other: only the first survives the dedup
    assert [q.speaker for q in draft.quotes] == ["Speaker one"]


def test_draft_quotes_at_most_max_quotes() -> None:
    bodies = [
        "the gates are ready for winter",
        "fares will not rise this year at all",
        "crews deserve a proper pay rise now",
        "ferries will run every hour",
    ]
    paragraphs = [LEAD] + [f"Speaker {i} said “{b}.”" for i, b in enumerate(bodies)]
    paragraphs.insert(3, FILLER)  # what follows the attribution: the excerpt
    article = make_article(paragraphs)
    quotes = [quote(article, f"{b}.", f"Speaker {i}", kind=DIRECT) for i, b in enumerate(bodies)]
    roomy = CurateSettings(excerpt_fraction=1.0, max_quotes=2, min_quotes=1)
    draft = build(article, quotes, settings=roomy)
    # the best (8 words) is the attribution line, then 7 words and 6 words
    assert draft.attribution == "Speaker 1 said, “fares will not rise this year at all.”"
    assert draft.excerpt == FILLER
    assert [q.speaker for q in draft.quotes] == ["Speaker 2", "Speaker 0"]


# --- excerpt ------------------------------------------------------------------


FILLER = (
    "The board has met every Monday since the spring, and its members say the new timetable "
    "was the hardest they have had to agree in the ten years the harbour has been open."
)


def test_excerpt_leaves_out_the_summary_sentences() -> None:
    paragraph = (
        "The ferry board met on Monday in Port Alder to agree the timetable. "
        "It agreed that crossings would start at six. Fares stay the same. "
        "Lena Vale said the plan was “a good start for the island.” Crews will be paid more."
    )
    article = make_article([paragraph])
    draft = build(article, [quote(article, "a good start for the island.")],
                  settings=ROOMY)  # fmt: skip
    assert draft.summary == (
        "The ferry board met on Monday in Port Alder to agree the timetable. "
        "It agreed that crossings would start at six. Fares stay the same."
    )
    # one quote and min_quotes 2: it goes to the list, so the excerpt leaves it out too
    assert (draft.attribution, [q.text for q in draft.quotes]) == ("", ["a good start for the "
                                                                        "island."])  # fmt: skip
    assert draft.excerpt == "Crews will be paid more."


def test_excerpt_is_what_follows_the_attribution_into_the_next_paragraph_when_short() -> None:
    paragraphs = [
        LEAD,
        "Lena Vale said the plan was “a good start.” It was agreed by all.",
        "She added that the crews would be paid for the extra crossings this winter, and that "
        "the timetable would be reviewed in the spring by the whole board.",
        "Nothing else.",
    ]
    article = make_article(paragraphs)
    draft = build(article, [quote(article, "a good start.")], settings=ATTRIBUTE)
    assert draft.attribution == "Lena Vale said the plan was “a good start”."
    assert draft.excerpt == f"It was agreed by all.\n\n{paragraphs[2]}"
    assert check_draft(draft, article.text, SETTINGS, article_words=10_000) == (
        DraftFlag.NO_QUOTES,
    )


def test_excerpt_before_the_attribution_when_nothing_follows() -> None:
    paragraphs = [LEAD, f"{FILLER} Lena Vale said the plan was “a good start.”"]
    article = make_article(paragraphs)
    draft = build(article, [quote(article, "a good start.")], settings=ATTRIBUTE)
    assert draft.excerpt == FILLER


def test_excerpt_collapses_white_space_inside_a_paragraph() -> None:
    paragraphs = [LEAD, "Lena Vale said\nthe plan was  “a good start.” It\nwas  agreed."]
    article = make_article(paragraphs)
    draft = build(article, [quote(article, "a good start.")], settings=ATTRIBUTE)
    assert draft.attribution == "Lena Vale said the plan was “a good start”."
    assert draft.excerpt == "It was agreed."


def test_excerpt_without_speakers_uses_the_paragraph_with_most_quotes() -> None:
    paragraphs = [
        LEAD,
        "The timetable is long and has many parts for the winter months ahead of us.",
        "Signs read “no sailing” and “gates shut” all along the quay on Tuesday.",
    ]
    article = make_article(paragraphs)
    quotes = [
        quote(article, "no sailing", None, UNKNOWN, None),
        quote(article, "gates shut", None, UNKNOWN, None),
    ]
    draft = build(article, quotes, settings=ROOMY)
    assert draft.attribution == ""
    assert draft.excerpt == paragraphs[2]
    assert draft.quotes == ()  # the excerpt shows them


def test_excerpt_can_be_a_block_quote() -> None:
    paragraphs: list[str | tuple[BlockKind, str]] = [
        LEAD,
        (BlockKind.BLOCKQUOTE, "We will keep the fares low for everyone on the island."),
        (BlockKind.BLOCKQUOTE, "And we will run the ferries every hour, all through the winter."),
        (BlockKind.LIST_ITEM, "A list item with many words in it, more than the quote has."),
    ]
    article = make_article(paragraphs)
    q = quote(article, "We will keep the fares low for everyone on the island.", "Lena Vale",
              cue=None, kind=BLOCKQUOTE)  # fmt: skip
    draft = build(article, [q], settings=ATTRIBUTE)
    assert draft.attribution == (
        "Lena Vale said, “We will keep the fares low for everyone on the island.”"
    )
    assert draft.excerpt == "And we will run the ferries every hour, all through the winter."


# --- the budget ---------------------------------------------------------------


BUDGET_STORY = [
    "The ferry board met on Monday in Port Alder to agree the winter timetable. It went well.",
    "Lena Vale told The Ledger that “the gates are ready” before the storms. She said the crews "
    "had worked nights for a month. The board thanked them. Then it moved on to fares.",
    "Ade Koroma said “fares will not rise this year.” Crews want a pay rise. "
    "Tomas Bell said “we will talk about pay in the spring.”",
]
BUDGET_ARTICLE = make_article(BUDGET_STORY)
BUDGET_QUOTES = [
    quote(BUDGET_ARTICLE, "the gates are ready", cue="told", outlet="The Ledger"),
    quote(BUDGET_ARTICLE, "fares will not rise this year.", "Ade Koroma", kind=DIRECT),
    quote(BUDGET_ARTICLE, "we will talk about pay in the spring.", "Tomas Bell", kind=DIRECT),
]
BUDGET_SENTENCES = [  # of BUDGET_STORY[1]: 13, 10, 4 and 6 words
    "Lena Vale told The Ledger that “the gates are ready” before the storms.",
    "She said the crews had worked nights for a month.",
    "The board thanked them.",
    "Then it moved on to fares.",
]
BUDGET_LEAD = "The ferry board met on Monday in Port Alder to agree the winter timetable."
VALE_LINE = "Lena Vale told The Ledger that “the gates are ready”."
NO_FLAGS: tuple[DraftFlag, ...] = ()
THIN = (DraftFlag.THIN,)


@pytest.mark.parametrize(
    ("budget", "summary", "attribution", "excerpt", "speakers", "flags"),
    [
        # In order of priority: the lead's first sentence (14 words), the attribution line
        # (9: all the article's words), min_quotes quotes (8 + 6), the longest excerpt
        # after the attribution's sentence that fits (the next paragraph would show the
        # quotes again), more quotes, more of the lead.
        (60, 1, VALE_LINE, [1, 2, 3], ["Tomas Bell", "Ade Koroma"], NO_FLAGS),
        (57, 2, VALE_LINE, [1, 2], ["Tomas Bell", "Ade Koroma"], NO_FLAGS),
        (50, 1, VALE_LINE, [1], ["Tomas Bell", "Ade Koroma"], NO_FLAGS),
        (46, 2, VALE_LINE, [2], ["Tomas Bell", "Ade Koroma"], NO_FLAGS),  # a later sentence
        (40, 1, VALE_LINE, [], ["Tomas Bell", "Ade Koroma"], THIN),  # no room for an excerpt
        (37, 2, VALE_LINE, [], ["Tomas Bell"], THIN),  # below min_quotes
        (31, 1, VALE_LINE, [], ["Ade Koroma"], THIN),  # a shorter quote instead
        (25, 1, VALE_LINE, [], [], (DraftFlag.NO_QUOTES, DraftFlag.THIN)),
        (20, 1, "", [], ["Ade Koroma"], THIN),  # no attribution line fits
        (13, 1, "", [], [], (DraftFlag.BUDGET, DraftFlag.NO_QUOTES, DraftFlag.THIN)),
    ],
)
def test_budget_fills_the_draft_in_order_of_priority(
    budget: int,
    summary: int,
    attribution: str,
    excerpt: list[int],
    speakers: list[str],
    flags: tuple[DraftFlag, ...],
) -> None:
    settings = CurateSettings(excerpt_fraction=1.0, excerpt_max_words=budget)
    assert budget_words(count_words(BUDGET_ARTICLE.text), settings) == budget
    draft = build(BUDGET_ARTICLE, BUDGET_QUOTES, settings=settings)
    assert draft.summary == " ".join([BUDGET_LEAD, "It went well."][:summary])
    assert draft.attribution == attribution
    assert draft.excerpt == " ".join(BUDGET_SENTENCES[i] for i in excerpt)
    assert [q.speaker for q in draft.quotes] == speakers
    assert check_draft(draft, BUDGET_ARTICLE, settings, quotes=BUDGET_QUOTES) == flags
    if DraftFlag.BUDGET not in flags:
        assert words_copied(draft, BUDGET_ARTICLE.text) <= budget
    else:  # the first sentence of the lead is always there
        assert words_copied(draft, BUDGET_ARTICLE.text) == 14


def test_budget_of_a_short_article() -> None:
    # 75 words: at most 18 words may be copied with the default settings (25 %)
    assert budget_words(count_words(BUDGET_ARTICLE.text), SETTINGS) == 18
    draft = build(BUDGET_ARTICLE, BUDGET_QUOTES)
    assert (draft.summary, draft.attribution, draft.excerpt) == (BUDGET_LEAD, "", "")
    assert [q.text for q in draft.quotes] == ["the gates are ready"]  # 14 + 4 words
    assert check_draft(draft, BUDGET_ARTICLE, SETTINGS, quotes=BUDGET_QUOTES) == THIN


def test_budget_falls_back_to_a_shorter_attribution() -> None:
    paragraphs = [
        LEAD,
        "Lena Vale said “the gates are ready for every storm the winter can bring to the quay "
        "this year.” Ade Koroma said “fine.” Tomas Bell said “we agree.” Ines Roe said “yes.”",
    ]
    article = make_article(paragraphs)
    long = quote(article, "the gates are ready for every storm the winter can bring to the quay "
                 "this year.", kind=DIRECT)  # fmt: skip
    short = quote(article, "fine.", "Ade Koroma", kind=DIRECT)
    others = [quote(article, "we agree.", "Tomas Bell", kind=DIRECT),
              quote(article, "yes.", "Ines Roe", kind=DIRECT)]  # fmt: skip
    # the first sentence of the lead (11 words) and "Ade Koroma said fine" (4)
    settings = CurateSettings(excerpt_fraction=1.0, excerpt_max_words=15, min_quotes=0)
    draft = build(article, [long, short, *others], settings=settings)
    assert draft.attribution == "Ade Koroma said, “fine.”"
    assert (draft.excerpt, draft.quotes) == ("", ())


# --- the rest of the content ----------------------------------------------------


def test_source_url_outlet_published_and_tags() -> None:
    article = make_article([LEAD], canonical_url="https://a.example/c", url="https://a.example/u",
                           published_at=NOW)  # fmt: skip
    entry = make_entry(link="https://a.example/e")
    draft = build(article, entry=entry)
    assert (draft.source_url, draft.outlet, draft.published_at, draft.tags) == (
        "https://a.example/c",
        "The Ledger",
        NOW,
        ("labour", "ports"),
    )
    assert draft.also_reported_by == ()
    draft = build(make_article([LEAD], url="https://a.example/u"), entry=entry)
    assert (draft.source_url, draft.published_at) == (
        "https://a.example/u",
        datetime(2024, 4, 30, tzinfo=UTC),
    )
    draft = build(make_article([LEAD]), entry=entry)
    assert draft.source_url == "https://a.example/e"
    draft = build(make_article([LEAD]), entry=make_entry(link=None, published_at=None))
    assert (draft.source_url, draft.published_at) == ("", None)
