"""build_draft: the seed's shape, and each rule on its own."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC
from datetime import datetime

import pytest

from curator.config import CurateSettings
from curator.curate.checks import budget_words
from curator.curate.checks import check_draft
from curator.curate.checks import words_quoted
from curator.curate.draft import attribution_line
from curator.curate.draft import build_draft
from curator.curate.draft import rank_quotes
from curator.curate.markdown import parse_markdown
from curator.curate.markdown import render_markdown
from curator.curate.text import count_words
from curator.model import Article
from curator.model import Block
from curator.model import BlockKind
from curator.model import Draft
from curator.model import DraftContent
from curator.model import DraftFlag
from curator.model import DraftQuote
from curator.model import DraftState
from curator.model import Entry
from curator.model import Quote
from curator.model import QuoteKind
from curator.model import Source
from curator.model import SpeakerKind

ROLE = SpeakerKind.ROLE
PERSON = SpeakerKind.PERSON
ORGANIZATION = SpeakerKind.ORGANIZATION
UNKNOWN = SpeakerKind.UNKNOWN
DIRECT = QuoteKind.DIRECT
PARTIAL = QuoteKind.PARTIAL
BLOCKQUOTE = QuoteKind.BLOCKQUOTE
INDIRECT = QuoteKind.INDIRECT

NOW = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)
SETTINGS = CurateSettings()
SOURCE = Source(
    id="harbour-ledger",
    url="https://ledger.example/feed.xml",
    name="The Harbour Ledger",
    outlet="The Ledger",
    tags=("labour", "ports"),
)

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


def make_article(
    paragraphs: Sequence[str | tuple[BlockKind, str]],
    *,
    title: str | None = "A Headline About Harbours",
    **fields: object,
) -> Article:
    """An Article whose text is the blocks joined by blank lines."""
    blocks: list[Block] = []
    parts: list[str] = []
    position = 0
    for paragraph in paragraphs:
        kind, body = paragraph if isinstance(paragraph, tuple) else (BlockKind.PARAGRAPH, paragraph)
        blocks.append(Block(kind=kind, start=position, end=position + len(body)))
        parts.append(body)
        position += len(body) + 2
    return Article(text="\n\n".join(parts), blocks=tuple(blocks), title=title, **fields)  # type: ignore[arg-type]


def make_entry(**fields: object) -> Entry:
    values: dict[str, object] = {
        "id": 1,
        "source_id": SOURCE.id,
        "key": "k1",
        "guid": None,
        "link": "https://ledger.example/entry",
        "title": "Entry Title Of The Story",
        "author": None,
        "summary": None,
        "content": None,
        "published_at": datetime(2024, 4, 30, tzinfo=UTC),
        "updated_at": None,
        "content_hash": "h",
        "first_seen_at": NOW,
        "last_seen_at": NOW,
    }
    values.update(fields)
    return Entry(**values)  # type: ignore[arg-type]


def quote(
    article: Article | str,
    text: str,
    speaker: str | None = "Lena Vale",
    speaker_kind: SpeakerKind = PERSON,
    cue: str | None = "said",
    kind: QuoteKind = PARTIAL,
    confidence: float = 0.9,
    outlet: str | None = None,
) -> Quote:
    """A Quote as the quote engine returns it, offsets found in the article body."""
    body = article if isinstance(article, str) else article.text
    assert body.count(text) == 1, text
    start = body.index(text)
    return Quote(
        text=text,
        speaker=speaker,
        speaker_kind=speaker_kind,
        cue=cue,
        kind=kind,
        start=start,
        end=start + len(text),
        confidence=confidence,
        outlet=outlet,
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
STORY_ATTRIBUTION = f"{A_UNION} told The Ledger that “talks have been difficult”"
STORY_QUOTES_RANKED = (
    DraftQuote(
        text="As records are confidential under port rules, we are unable to discuss individual "
        "cases.",
        speaker=AGENCY,
        cue="saying",
    ),
    DraftQuote(
        text="When a yard becomes dangerous, the first thing workers lose is the ability to "
        "leave it",
        speaker=OKAFOR,
        cue="said",
    ),
    DraftQuote(
        text="Permits are supposed to be a safety valve, not a trap.", speaker=OKAFOR, cue="said"
    ),
    DraftQuote(
        text="we were told that the agency is not going to issue permits for anyone from Northgate",
        speaker=A_UNION,
        cue="said",
        outlet="The Ledger",
    ),
    DraftQuote(text="cooperate fully with any inquiry", speaker="Tomas Bell", cue="said"),
)


def build(
    article: Article,
    quotes: Sequence[Quote] = (),
    *,
    entry: Entry | None = None,
    source: Source = SOURCE,
    settings: CurateSettings = SETTINGS,
) -> DraftContent:
    return build_draft(
        article=article,
        quotes=quotes,
        entry=entry or make_entry(),
        source=source,
        settings=settings,
    )


# --- the seed's shape -----------------------------------------------------------


def test_seed_shaped_draft() -> None:
    draft = build(STORY_ARTICLE, STORY_QUOTES)
    assert draft == DraftContent(
        headline=STORY_HEADLINE,
        summary=STORY_SUMMARY,
        attribution=STORY_ATTRIBUTION,
        # the paragraph with the attribution, shortened to its first sentence by the budget
        excerpt="A Harbour Workers Union spokesperson told The Ledger that “talks have been "
        "difficult” with managers of terminals that could take on workers from the yard.",
        quotes=STORY_QUOTES_RANKED,
        source_url="https://ledger.example/2024/05/northgate-permits",
        outlet="The Ledger",
        published_at=NOW,
        tags=("labour", "ports"),
    )
    article_words = count_words(STORY_ARTICLE.text)
    assert article_words == 623
    assert budget_words(article_words, SETTINGS) == 93
    assert words_quoted(draft) == 25 + 4 + (14 + 16 + 11 + 16 + 5)
    assert check_draft(draft, STORY_ARTICLE.text, SETTINGS) == ()


def test_seed_shaped_draft_with_a_larger_budget_keeps_the_whole_paragraph() -> None:
    settings = CurateSettings(excerpt_fraction=0.25)
    draft = build(STORY_ARTICLE, STORY_QUOTES, settings=settings)
    assert draft.excerpt == STORY[2]
    assert draft.attribution == STORY_ATTRIBUTION
    assert draft.quotes == STORY_QUOTES_RANKED
    assert check_draft(draft, STORY_ARTICLE.text, settings) == ()


def test_seed_shaped_draft_from_the_quote_engine() -> None:
    from curator.extract.quotes import find_quotes  # only to build realistic inputs

    quotes = find_quotes(STORY_ARTICLE.text, STORY_ARTICLE.blocks)
    draft = build(STORY_ARTICLE, quotes)
    assert draft.attribution == STORY_ATTRIBUTION
    assert draft.quotes[0] == STORY_QUOTES_RANKED[0]
    assert check_draft(draft, STORY_ARTICLE.text, SETTINGS) == ()


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
- speaker: A spokesperson for the Port Licensing Agency
  text: As records are confidential under port rules, we are unable to discuss individual cases.
  cue: saying
  outlet: null
- speaker: Dr. Ines Okafor
  text: When a yard becomes dangerous, the first thing workers lose is the ability to leave it
  cue: said
  outlet: null
- speaker: Dr. Ines Okafor
  text: Permits are supposed to be a safety valve, not a trap.
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
---

## Summary

Reports of dock workers being threatened and locked out at the Northgate terminal have been \
surfacing for months, with detailed accounts from workers who fled the yard run by operator Silas \
J. Marrow. Dozens more are now seeking transfers to other ports. But they won’t find them in the \
U.S. port system, according to the union representing them.

## Attribution

A Harbour Workers Union spokesperson told The Ledger that “talks have been difficult”

## Excerpt

> A Harbour Workers Union spokesperson told The Ledger that “talks have been difficult” with \
managers of terminals that could take on workers from the yard.
"""


# --- headline -----------------------------------------------------------------


LEAD = "The ferry board met on Monday to discuss the winter timetable. It agreed on a plan."
ROOMY = CurateSettings(excerpt_fraction=1.0)  # no budget worries


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
    assert build(article).summary == "One is here. Two is here. Three is here."


def test_summary_stops_before_sixty_words_and_never_cuts_a_sentence() -> None:
    s1 = " ".join(["Word"] * 25) + "."
    s2 = " ".join(["More"] * 30) + "."
    s3 = " ".join(["Last"] * 6) + "."
    article = make_article([f"{s1} {s2} {s3}"])
    assert build(article).summary == f"{s1} {s2}"  # 55 words; with s3 it would be 61
    long = " ".join(["Long"] * 70) + "."
    article = make_article([f"{long} {s3}"])
    assert build(article).summary == long  # one sentence, kept whole


def test_summary_uses_the_next_paragraph_after_a_one_sentence_lead() -> None:
    article = make_article(
        [
            "The ferry board met on Monday in Port Alder.",
            "It agreed a new timetable. Fares stay the same. Crews get a rise.",
            "Nothing from here.",
        ]
    )
    assert build(article).summary == (
        "The ferry board met on Monday in Port Alder. It agreed a new timetable. "
        "Fares stay the same."
    )
    two = make_article(["The board met. It agreed a new timetable.", "Fares stay the same."])
    assert build(two).summary == "The board met. It agreed a new timetable."


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
    assert build(article).summary == "The Dr. said the U.S. ferry rules apply. The board agreed."


def test_summary_without_blocks_splits_the_text_on_blank_lines() -> None:
    article = Article(text="Just the first.\n\nAnd the second.\n\nNot the third.", title="T")
    assert build(article).summary == "Just the first. And the second."


def test_summary_falls_back_to_the_entry_summary() -> None:
    entry = make_entry(summary="<p>The board met.</p><p>It agreed &amp; left. Then more.</p>")
    article = make_article([], title="Board Meets")
    draft = build(article, entry=entry)
    assert draft.summary == "The board met. It agreed & left. Then more."
    assert draft.excerpt == ""


# --- attribution --------------------------------------------------------------


def test_attribution_told_the_outlet() -> None:
    text = "Lena Vale told The Ledger that “the gates are ready” for winter."
    q = quote(text, "the gates are ready", cue="told", outlet="The Ledger")
    assert (
        attribution_line(q, SOURCE, text) == "Lena Vale told The Ledger that “the gates are ready”"
    )


def test_attribution_keeps_the_words_between_that_and_the_quote() -> None:
    text = "An agency spokesperson told The Ledger that the agency “continues to be concerned.”"
    q = quote(text, "continues to be concerned.", "an agency spokesperson", ROLE, "told",
              outlet="The Ledger")  # fmt: skip
    assert attribution_line(q, SOURCE, text) == (
        "An agency spokesperson told The Ledger that the agency “continues to be concerned.”"
    )
    text = "Commissioner Jane Roe said in mid-April that the reports “cannot be ignored” today."
    q = quote(text, "cannot be ignored", "Commissioner Jane Roe")
    assert attribution_line(q, SOURCE, text) == (
        "Commissioner Jane Roe said that the reports “cannot be ignored”"
    )
    # more than five words between "that" and the mark: no bridge
    text = "She called accounts that at least 60 workers had been threatened “credible.”"
    q = quote(text, "credible.", "She")
    assert attribution_line(q, SOURCE, text) == "She said that “credible.”"
    # no bridge across a sentence end
    text = "Roe said that it was over. Later “nothing” changed."
    q = quote(text, "nothing", "Roe")
    assert attribution_line(q, SOURCE, text) == "Roe said that “nothing”"
    # the quoted words are put on one line
    text = "Roe said: “One.\n\nTwo.”"
    q = quote(text, "One.\n\nTwo.", "Roe", kind=DIRECT)
    assert attribution_line(q, SOURCE, text) == "Roe said “One. Two.”"


def test_attribution_outlet_forms() -> None:
    text = "Vale told BuzzFeed that “it is over” and told reporters that “it is done” today."
    buzzfeed = Source(id="bf", url="https://bf.example/", name="BuzzFeed News",
                      outlet="BuzzFeed News")  # fmt: skip
    short = quote(text, "it is over", "Vale", cue="told", outlet="BuzzFeed")
    assert attribution_line(short, buzzfeed, text) == "Vale told BuzzFeed News that “it is over”"
    # "told reporters": no outlet was named, so nobody is credited with it
    told = quote(text, "it is done", "Vale", cue="told")
    assert attribution_line(told, buzzfeed, text) == "Vale said that “it is done”"
    # another outlet is credited as written
    other = dataclasses.replace(short, outlet="The Courier")
    assert attribution_line(other, buzzfeed, text) == "Vale told The Courier that “it is over”"


def test_attribution_said_forms() -> None:
    text = "“We are ready,” said a spokesperson. She said the gates were fine."
    direct = quote(text, "We are ready,", "a spokesperson", ROLE, kind=DIRECT)
    assert attribution_line(direct, SOURCE, text) == "A spokesperson said “We are ready,”"
    indirect = quote(text, "the gates were fine", "a spokesperson", ROLE, kind=INDIRECT)
    assert attribution_line(indirect, SOURCE, text) == (
        "A spokesperson said that “the gates were fine”"
    )
    block = dataclasses.replace(direct, kind=BLOCKQUOTE, speaker="dr. Vale")
    assert attribution_line(block, SOURCE, text) == "Dr. Vale said “We are ready,”"


def test_attribution_prefers_a_quote_told_to_the_outlet() -> None:
    paragraphs = [
        "The ferry board met on Monday to agree the winter timetable for all routes.",
        "“We have done everything we could to keep the fares down this year,” Lena Vale said.",
        "Ade Koroma, the pilots’ leader, told The Ledger that the plan was “a good start.”",
    ]
    article = make_article(paragraphs)
    direct = quote(article, paragraphs[1][1:67], kind=DIRECT)
    told = quote(article, "a good start.", "Ade Koroma", cue="told", outlet="The Ledger")
    draft = build(article, [direct, told], settings=ROOMY)
    assert draft.attribution == "Ade Koroma told The Ledger that the plan was “a good start.”"
    assert draft.quotes[0].text == direct.text  # the ranking itself is unchanged
    assert draft.excerpt == paragraphs[2]


def test_attribution_falls_back_to_the_next_quote_with_a_speaker() -> None:
    paragraphs = [
        "The ferry board met on Monday to agree the winter timetable for all routes.",
        "“Fares must come down before the winter,” read a banner at the quay.",
        "Lena Vale, the harbour master, said that the gates were “ready for anything.”",
    ]
    article = make_article(paragraphs)
    nobody = quote(article, "Fares must come down before the winter,", None, UNKNOWN,
                   None, DIRECT)  # fmt: skip
    unknown = quote(article, "that the gates were", "a banner", UNKNOWN, kind=INDIRECT)
    vale = quote(article, "ready for anything.", "Lena Vale")
    draft = build(article, [nobody, unknown, vale], settings=ROOMY)
    assert draft.attribution == "Lena Vale said that the gates were “ready for anything.”"
    assert [q.speaker for q in draft.quotes] == ["Lena Vale", None, "a banner"]


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
    assert draft.attribution == "Lena Vale said that the plan was “a good start”"


# --- ranking ------------------------------------------------------------------


RANK_TEXT = (
    "Alpha said one two three four five six seven eight nine ten. "
    "Beta said short words here. Gamma said “we will sail on Monday as we always have.” "
    "Delta: “eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen.” "
    "Epsilon read a sign: “ships sail at dawn every day of the week.” "
    "Zeta blocked: quay quay quay quay quay quay quay quay quay. "
    "Eta said “we will sail on Monday as we always do.” Theta said they “sail on Monday.”"
)


def _rank_quote(text: str, **kwargs: object) -> Quote:
    return quote(RANK_TEXT, text, **kwargs)  # type: ignore[arg-type]


def test_rank_quotes_order() -> None:
    indirect = _rank_quote("one two three four five six seven eight nine ten", speaker="Alpha",
                           kind=INDIRECT)  # fmt: skip
    short_partial = _rank_quote("short words here", speaker="Beta", kind=PARTIAL)
    direct = _rank_quote("we will sail on Monday as we always have.", speaker="Gamma",
                         kind=DIRECT, confidence=0.8)  # fmt: skip
    direct_sure = _rank_quote("eleven twelve thirteen fourteen fifteen sixteen seventeen "
                              "eighteen.", speaker="Delta", kind=DIRECT, confidence=0.9)  # fmt: skip
    anonymous = _rank_quote("ships sail at dawn every day of the week.", speaker=None,
                            speaker_kind=UNKNOWN, kind=DIRECT, confidence=1.0)  # fmt: skip
    block = _rank_quote("quay quay quay quay quay quay quay quay quay", speaker="Zeta",
                        kind=BLOCKQUOTE)  # fmt: skip
    ranked = rank_quotes([anonymous, indirect, block, short_partial, direct, direct_sure])
    assert ranked == [direct_sure, direct, short_partial, block, indirect, anonymous]


def test_rank_quotes_length_sweet_spot() -> None:
    text = "A said “" + " ".join(["w"] * 3) + "” and B said “" + " ".join(["x"] * 20)
    text += "” and C said “" + " ".join(["y"] * 60) + "” and D said “" + " ".join(["z"] * 6) + "”"
    three, twenty, sixty, six = (
        quote(text, " ".join([c] * n), speaker=c.upper(), kind=DIRECT, confidence=0.8)
        for c, n in (("w", 3), ("x", 20), ("y", 60), ("z", 6))
    )
    # 20 words: 1.0; 6 words: 0.75; 60 words: 0.67; 3 words: 0.375 (× confidence)
    assert rank_quotes([three, sixty, six, twenty]) == [twenty, six, sixty, three]


def test_rank_quotes_text_order_breaks_ties() -> None:
    text = "A said “ferries sail at six.” B said “crews want more pay.”"
    first = quote(text, "ferries sail at six.", "A", kind=DIRECT)
    second = quote(text, "crews want more pay.", "B", kind=DIRECT)
    assert rank_quotes([second, first]) == [first, second]


def test_rank_quotes_removes_near_duplicates() -> None:
    gamma = _rank_quote("we will sail on Monday as we always have.", speaker="Gamma", kind=DIRECT)
    eta = _rank_quote("we will sail on Monday as we always do.", speaker="Eta", kind=DIRECT,
                      confidence=0.5)  # fmt: skip
    partial = _rank_quote("sail on Monday.", speaker="Theta", kind=PARTIAL)
    other = _rank_quote("ships sail at dawn every day of the week.", speaker="Epsilon",
                        kind=DIRECT)  # fmt: skip
    assert rank_quotes([eta, partial, gamma, other]) == [gamma, other]


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
    article = make_article(paragraphs)
    quotes = [quote(article, f"{b}.", f"Speaker {i}", kind=DIRECT) for i, b in enumerate(bodies)]
    roomy = CurateSettings(excerpt_fraction=1.0, max_quotes=2, min_quotes=1)
    draft = build(article, quotes, settings=roomy)
    # 8 words, then 7 words (first in the text among the 7-word ones)
    assert [q.speaker for q in draft.quotes] == ["Speaker 1", "Speaker 2"]


# --- excerpt ------------------------------------------------------------------


def test_excerpt_leaves_out_the_summary_sentences() -> None:
    paragraph = (
        "The ferry board met on Monday in Port Alder to agree the timetable. "
        "It agreed that crossings would start at six. Fares stay the same. "
        "Lena Vale said the plan was “a good start for the island.”"
    )
    article = make_article([paragraph])
    draft = build(article, [quote(article, "a good start for the island.")],
                  settings=ROOMY)  # fmt: skip
    assert draft.summary == (
        "The ferry board met on Monday in Port Alder to agree the timetable. "
        "It agreed that crossings would start at six. Fares stay the same."
    )
    assert draft.excerpt == "Lena Vale said the plan was “a good start for the island.”"


def test_excerpt_runs_into_the_next_paragraph_when_short() -> None:
    paragraphs = [
        LEAD,
        "Lena Vale said the plan was “a good start.”",
        "She added that the crews would be paid for the extra crossings this winter, and that "
        "the timetable would be reviewed in the spring by the whole board.",
        "Nothing else.",
    ]
    article = make_article(paragraphs)
    draft = build(article, [quote(article, "a good start.")],
                  settings=ROOMY)  # fmt: skip
    assert draft.excerpt == f"{paragraphs[1]}\n\n{paragraphs[2]}"
    assert check_draft(draft, article.text, SETTINGS, article_words=10_000) == ()


def test_excerpt_collapses_white_space_inside_a_paragraph() -> None:
    paragraphs = [LEAD, "Lena Vale said\nthe plan was  “a good start.” It\nwas."]
    article = make_article(paragraphs)
    draft = build(article, [quote(article, "a good start.")],
                  settings=ROOMY)  # fmt: skip
    assert draft.excerpt == "Lena Vale said the plan was “a good start.” It was."


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


def test_excerpt_can_be_a_block_quote() -> None:
    paragraphs: list[str | tuple[BlockKind, str]] = [
        LEAD,
        (BlockKind.BLOCKQUOTE, "We will keep the fares low for everyone on the island."),
        (BlockKind.LIST_ITEM, "A list item with many words in it, more than the quote has."),
    ]
    article = make_article(paragraphs)
    q = quote(article, "We will keep the fares low for everyone on the island.", "Lena Vale",
              cue=None, kind=BLOCKQUOTE)  # fmt: skip
    draft = build(article, [q], settings=ROOMY)
    assert draft.excerpt == "We will keep the fares low for everyone on the island."
    assert draft.attribution == (
        "Lena Vale said “We will keep the fares low for everyone on the island.”"
    )


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


@pytest.mark.parametrize(
    ("budget", "excerpt_sentences", "speakers", "attribution"),
    [
        # Words quoted, counting an article word once (Lena Vale's quote and the
        # attribution's words are inside the excerpt's first sentence): 47.
        (47, 4, ["Tomas Bell", "Ade Koroma", "Lena Vale"], True),
        (46, 3, ["Tomas Bell", "Ade Koroma", "Lena Vale"], True),  # 41
        (40, 2, ["Tomas Bell", "Ade Koroma", "Lena Vale"], True),  # 37
        (36, 1, ["Tomas Bell", "Ade Koroma", "Lena Vale"], True),  # 27
        (26, 0, ["Tomas Bell", "Ade Koroma"], True),  # no excerpt: 14 + 4 = 18
        (17, 0, ["Tomas Bell"], True),  # below min_quotes: 8 + 4 = 12
        (11, 0, [], True),  # the attribution alone: 4
        (3, 0, [], False),  # nothing fits
    ],
)
def test_budget_shrinks_the_draft(
    budget: int, excerpt_sentences: int, speakers: list[str], attribution: bool
) -> None:
    settings = CurateSettings(excerpt_fraction=1.0, excerpt_max_words=budget)
    assert budget_words(count_words(BUDGET_ARTICLE.text), settings) == budget
    draft = build(BUDGET_ARTICLE, BUDGET_QUOTES, settings=settings)
    assert words_quoted(draft, BUDGET_ARTICLE.text) <= budget
    assert check_draft(draft, BUDGET_ARTICLE.text, settings) == (
        () if speakers else (DraftFlag.NO_QUOTES,)
    )
    assert draft.excerpt == " ".join(BUDGET_SENTENCES[:excerpt_sentences])
    assert [q.speaker for q in draft.quotes] == speakers
    expected = "Lena Vale told The Ledger that “the gates are ready”" if attribution else ""
    assert draft.attribution == expected


def test_budget_of_a_short_article() -> None:
    # 75 words: at most 11 words may be quoted with the default settings
    assert budget_words(count_words(BUDGET_ARTICLE.text), SETTINGS) == 11
    draft = build(BUDGET_ARTICLE, BUDGET_QUOTES)
    assert (draft.excerpt, draft.quotes) == ("", ())
    assert draft.attribution == "Lena Vale told The Ledger that “the gates are ready”"
    assert check_draft(draft, BUDGET_ARTICLE.text, SETTINGS) == (DraftFlag.NO_QUOTES,)


def test_budget_keeps_the_attribution_sentence_when_it_is_last() -> None:
    paragraphs = [
        LEAD,
        "The crews had worked nights for a month before the storms. The board thanked them. "
        "Lena Vale told The Ledger that “the gates are ready.”",
    ]
    article = make_article(paragraphs)
    q = quote(article, "the gates are ready.", cue="told", outlet="The Ledger")
    draft = build(article, [q], settings=CurateSettings(excerpt_fraction=1, excerpt_max_words=18))
    assert draft.excerpt == (
        "The board thanked them. Lena Vale told The Ledger that “the gates are ready.”"
    )


def test_budget_falls_back_to_a_shorter_attribution() -> None:
    paragraphs = [
        LEAD,
        "Lena Vale said “the gates are ready for every storm the winter can bring to the quay "
        "this year.” Ade Koroma said “fine.”",
    ]
    article = make_article(paragraphs)
    long = quote(article, "the gates are ready for every storm the winter can bring to the quay "
                 "this year.", kind=DIRECT)  # fmt: skip
    short = quote(article, "fine.", "Ade Koroma", kind=DIRECT)
    draft = build(article, [long, short], settings=CurateSettings(excerpt_max_words=6))
    assert draft.attribution == "Ade Koroma said “fine.”"
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
