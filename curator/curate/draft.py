"""A draft post from an article and its quotes, in the shape of the seed post (#5, #9).

``build_draft`` is pure: it reads an Article, its Quotes, the feed Entry and the
Source, and returns a DraftContent:

- **headline**: the article title (else the entry title), cleaned: tags and
  entities removed, white space collapsed, a site name suffix cut
  (see ``text.strip_site_suffix``; the source's name and outlet and the page's
  site name are always recognised).
- **summary**: the lead's sentences (the first paragraph blocks; short ones without a
  final full stop, such as "Advertisement", are skipped): the first always, up to
  ``SUMMARY_MAX_SENTENCES`` whole sentences and ``SUMMARY_MAX_WORDS`` words when the
  budget allows, taken from a second paragraph only while fewer than two sentences were
  taken. Without a body: the entry's summary, else the headline.
- **quotes**: only words that stood inside quotation marks (or a block quote) in the
  source (``marks``), ranked by ``ranking.rank_quotes`` (principal voices first, one
  per speaker before a second, no-comments last); never one the summary, the
  attribution line or the excerpt already shows; a quote whose speaker is unknown is
  shown without a speaker. At most ``settings.max_quotes``.
- **attribution**: a full sentence (``attribution.render``) from an attributed quote
  outside the summary: principal voices first, then one told to the source's outlet,
  then quotes before paraphrase, no-comments last. A quoted one is used only when at
  least ``settings.min_quotes`` other attributed quotes are left for the list;
  otherwise indirect speech is rendered as paraphrase, without marks, or the line is
  empty.
- **excerpt**: the sentences that follow the attribution's sentence in its paragraph
  (else the paragraph holding most quotes, else the first after the summary), continued
  into the next paragraph while shorter than ``EXCERPT_MIN_WORDS``; before the
  attribution's sentence when nothing follows it.
- **budget** (``budget.Copying``; every copied word counts, the summary's too): the
  draft is filled in order of priority, each part only if it still fits — the
  summary's first sentence, the attribution line, ``min_quotes`` quotes (shorter ones
  are taken when the best do not fit), the longest excerpt that leaves room for them,
  more quotes up to ``max_quotes``, and more summary sentences.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass

from curator.config import CurateSettings
from curator.curate.attribution import render
from curator.curate.attribution import told_source
from curator.curate.budget import Copying
from curator.curate.budget import budget_words
from curator.curate.marks import MarkedText
from curator.curate.ranking import Voices
from curator.curate.ranking import is_boilerplate
from curator.curate.ranking import is_known
from curator.curate.ranking import near_duplicate
from curator.curate.ranking import newsworthiness
from curator.curate.ranking import rank_quotes
from curator.curate.text import clean_headline
from curator.curate.text import clean_text
from curator.curate.text import count_words
from curator.curate.text import join_sentences
from curator.curate.text import sentence_spans
from curator.curate.text import split_sentences
from curator.model import Article
from curator.model import Block
from curator.model import BlockKind
from curator.model import DraftContent
from curator.model import DraftQuote
from curator.model import Entry
from curator.model import Quote
from curator.model import QuoteKind
from curator.model import Source

__all__ = [
    "ATTRIBUTION_MAX_WORDS",
    "EXCERPT_MIN_WORDS",
    "LEAD_MIN_WORDS",
    "SUMMARY_MAX_SENTENCES",
    "SUMMARY_MAX_WORDS",
    "SUMMARY_MIN_WORDS",
    "build_draft",
]

SUMMARY_MAX_WORDS = 60
SUMMARY_MIN_WORDS = 8
SUMMARY_MAX_SENTENCES = 3
LEAD_MIN_WORDS = 5  # shorter paragraphs without a full stop ("Advertisement") are not the lead
EXCERPT_MIN_WORDS = 30
ATTRIBUTION_MAX_WORDS = 30  # longer lines come after shorter candidates

_KIND_ORDER = {QuoteKind.DIRECT: 0, QuoteKind.PARTIAL: 1, QuoteKind.BLOCKQUOTE: 2}
_UNTITLED = "Untitled"
_FINAL_MARKS = (".", "!", "?", "…", "”", '"', "’", "'", "»")
Span = tuple[int, int]


# --- article structure --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Para:
    index: int  # position in the article's blocks
    kind: BlockKind
    start: int
    end: int
    sentences: tuple[tuple[int, int], ...]


def _paragraphs(article: Article) -> list[_Para]:
    text = article.text
    blocks: Sequence[Block] = article.blocks
    if not blocks:
        blocks = [
            Block(kind=BlockKind.PARAGRAPH, start=m.start(), end=m.end())
            for m in re.finditer(r"(?:(?!\n[ \t]*\n)[\s\S])+", text)
            if m.group(0).strip()
        ]
    paras: list[_Para] = []
    for index, block in enumerate(blocks):
        if block.kind not in (BlockKind.PARAGRAPH, BlockKind.BLOCKQUOTE):
            continue
        spans = tuple(
            (s, e)
            for s, e in sentence_spans(text, block.start, block.end)
            if count_words(text[s:e])
        )  # a lone "..." is no sentence
        if spans:
            paras.append(_Para(index, block.kind, block.start, block.end, spans))
    return paras


def _lead_like(paragraph: str) -> bool:
    """Whether a paragraph can be part of the lead: a sentence, not a label."""
    return count_words(paragraph) >= LEAD_MIN_WORDS or paragraph.rstrip().endswith(_FINAL_MARKS)


def _pick_summary(sentences: Sequence[tuple[int, str]]) -> list[int]:
    """Which of ``(paragraph, sentence)`` make the summary (indexes into sentences)."""
    chosen: list[int] = []
    total = 0
    for i, (para, sentence) in enumerate(sentences):
        n = count_words(sentence)
        if chosen and (
            len(chosen) >= SUMMARY_MAX_SENTENCES
            or total + n > SUMMARY_MAX_WORDS
            or (para != sentences[chosen[-1]][0] and len(chosen) >= 2)
        ):
            break
        chosen.append(i)
        total += n
    return chosen


# --- the parts -------------------------------------------------------------------


def _quote_span(quote: Quote, text: str) -> Span | None:
    if text[quote.start : quote.end] == quote.text:
        return quote.start, quote.end
    found = text.find(quote.text)
    return (found, found + len(quote.text)) if found >= 0 else None


def _located(quotes: Sequence[Quote], marked: MarkedText) -> list[Quote]:
    """The quotes really in the article, with offsets into its text."""
    text = marked.text
    located: list[Quote] = []
    for quote in quotes:
        span = _quote_span(quote, text)
        if span and quote.text.strip() and marked.find(quote.text)[0]:
            if span != (quote.start, quote.end):  # offsets of another version of the text
                quote = dataclasses.replace(quote, start=span[0], end=span[1])
            located.append(quote)
    return located


def _overlaps(quote: Quote, spans: Sequence[Span]) -> bool:
    return any(quote.start < e and s < quote.end for s, e in spans)


def _summary(text: str, paras: Sequence[_Para], entry: Entry) -> tuple[list[str], list[Span]]:
    """The summary's candidate sentences, best first, and their spans in the article
    (none when they come from the entry's summary)."""
    lead = [
        (p_i, span)
        for p_i, p in enumerate(paras)
        if p.kind is BlockKind.PARAGRAPH and _lead_like(text[p.start : p.end])
        for span in p.sentences
    ]
    chosen = [lead[i][1] for i in _pick_summary([(p_i, text[s:e]) for p_i, (s, e) in lead])]
    if chosen:
        return [text[s:e] for s, e in chosen], chosen
    fallback = split_sentences(clean_text(entry.summary or ""))
    picked = _pick_summary([(0, sentence) for sentence in fallback])
    return [fallback[i] for i in picked], []


def _excerpt_options(
    text: str,
    paras: Sequence[_Para],
    used: Sequence[Span],
    anchor: Span | None,
    quotes: Sequence[Quote],
) -> list[list[Span]]:
    """The excerpts to try, best first: from the preferred place (see the module
    docstring) longest first, then its later parts, then the same from each later and each
    earlier paragraph, then none.
    None of them holds a sentence of ``used`` or of the ``anchor``."""
    candidates = [
        (p, [span for span in p.sentences if span not in used])
        for p in paras
        # not a label such as "SOURCE: News agencies" or "You may also like..."
        if count_words(text[p.start : p.end]) >= LEAD_MIN_WORDS
    ]
    candidates = [(p, spans) for p, spans in candidates if spans]
    if not candidates:
        return [[]]

    def extend(at: int, run: list[Span]) -> list[Span]:
        following = at + 1
        while (
            following < len(candidates)
            and candidates[following][0].index == candidates[following - 1][0].index + 1
            and sum(count_words(text[s:e]) for s, e in run) < EXCERPT_MIN_WORDS
        ):
            run = run + candidates[following][1]
            following += 1
        return run

    def parts(run: list[Span]) -> list[list[Span]]:
        """Its contiguous parts: from its first sentence longest first, then its second…"""
        return [run[i:j] for i in range(len(run)) for j in range(len(run), i, -1)]

    options: list[list[Span]] = []
    preferred = None
    if anchor is not None:
        preferred = next(
            (at for at, (p, _) in enumerate(candidates) if p.start <= anchor[0] < p.end), None
        )
    if preferred is not None and anchor is not None:
        spans = candidates[preferred][1]
        after = extend(preferred, [(s, e) for s, e in spans if s >= anchor[1]])
        before = [(s, e) for s, e in spans if e <= anchor[0]]
        options += parts(after) or [before[len(before) - n :] for n in range(len(before), 0, -1)]
    else:
        counts = [sum(p.start <= q.start < p.end for q in quotes) for p, _ in candidates]
        preferred = counts.index(max(counts))
        options += parts(extend(preferred, candidates[preferred][1]))
    order = [*range(preferred + 1, len(candidates)), *range(preferred - 1, -1, -1)]
    for at in order:
        options += parts(extend(at, candidates[at][1]))
    if anchor is not None:
        options = [o for o in options if not any(s < anchor[1] and anchor[0] < e for s, e in o)]
    unique = list({tuple(o): o for o in options}.values())
    return [*unique, []]


def _excerpt_text(text: str, spans: Sequence[Span]) -> str:
    """Sentences joined by a space within a paragraph and by a blank line between."""
    paragraphs: list[list[str]] = []
    previous_end = None
    for s, e in spans:
        if previous_end is None or re.search(r"\n[ \t]*\n", text[previous_end:s]):
            paragraphs.append([])
        paragraphs[-1].append(text[s:e])
        previous_end = e
    return "\n\n".join(join_sentences(p) for p in paragraphs)


def _sentence_of(spans: Sequence[Span], position: int) -> Span | None:
    return next(((s, e) for s, e in spans if s <= position < e), None)


# --- the draft ------------------------------------------------------------------


@dataclass(slots=True)
class _Plan:
    """The parts of a draft being filled within the budget."""

    summary: list[str]
    attribution: str = ""
    excerpt: str = ""
    quotes: list[Quote] = dataclasses.field(default_factory=list)

    def texts(self) -> list[str]:
        return [join_sentences(self.summary), self.attribution, self.excerpt]


class _Builder:
    """The decisions of ``build_draft`` for one article (see the module docstring)."""

    def __init__(self, article: Article, quotes: Sequence[Quote], headline: str, entry: Entry,
                 source: Source, settings: CurateSettings) -> None:  # fmt: skip
        self.text = text = article.text
        self.settings = settings
        self.names = [n for n in (source.outlet, source.name, article.site_name) if n]
        self.paras = _paragraphs(article)
        self.sentences, self.summary_spans = _summary(text, self.paras, entry)
        self.copying = Copying(text)
        self.budget = budget_words(count_words(text), settings)
        marked = MarkedText(text, article.blocks)
        lead = self.summary_spans[:1]
        located = _located(quotes, marked)
        self.usable = [q for q in located if not _overlaps(q, lead)]
        self.listable = [q for q in self.usable if marked.is_marked_span(q.start, q.end)]
        lede = next(
            (text[p.start : p.end] for p in self.paras if lead and p.start <= lead[0][0] < p.end),
            "",
        )
        self.voices = Voices(located, headline=headline, lede=lede)
        self._distinct: list[Quote] | None = None  # the attributed quotes, no near duplicates

    def cost(self, plan: _Plan, more: Sequence[Quote] = ()) -> int:
        return self.copying.count_parts(plan.texts(), [q.text for q in [*plan.quotes, *more]])

    def fits(self, plan: _Plan, more: Sequence[Quote] = ()) -> bool:
        return self.cost(plan, more) <= self.budget

    def _spare(self, quote: Quote) -> bool:
        """Whether ``min_quotes`` attributed quotes are left for the list without it."""
        if self._distinct is None:
            self._distinct = rank_quotes([q for q in self.listable if is_known(q)], self.voices)
        others = [q for q in self._distinct if q is not quote]
        others = [q for q in others if not near_duplicate(q.text, quote.text)]
        return len(others) >= self.settings.min_quotes

    def attributions(self) -> list[tuple[Quote, str]]:
        """Candidates for the attribution line, best first, with their lines."""
        found = []
        for quote in self.usable:
            quoted = quote in self.listable
            paraphrase = quote.kind is QuoteKind.INDIRECT and not (
                quote.cue or ""
            ).casefold().startswith("according")
            if (
                not is_known(quote)
                or not (quoted or paraphrase)
                or (quoted and not self._spare(quote))
            ):
                continue
            line = render(quote, self.text)
            if line is None:
                continue
            key = (
                is_boilerplate(quote.text),
                self.voices.level(quote),
                told_source(quote, self.names),
                count_words(line) > ATTRIBUTION_MAX_WORDS,
                not quoted,
                _KIND_ORDER.get(quote.kind, 3),
                -newsworthiness(quote),
                quote.start,
            )
            found.append((key, quote, line))
        return [(quote, line) for _, quote, line in sorted(found, key=lambda f: f[0])]

    def fill(self, plan: _Plan, ranked: Sequence[Quote], limit: int) -> None:
        """Add quotes in rank order while fewer than ``limit``, each only if it fits."""
        for quote in ranked:
            if len(plan.quotes) >= limit:
                break
            if quote not in plan.quotes and self.fits(plan, [quote]):
                plan.quotes.append(quote)
        plan.quotes.sort(key=ranked.index)

    def _anchor(self, quote: Quote) -> Span:
        """From the start of the sentence a quote starts in to the end of the one it ends in."""
        spans = [s for p in self.paras for s in p.sentences]
        first = _sentence_of(spans, quote.start) or (quote.start, quote.end)
        last = _sentence_of(spans, max(quote.end - 1, quote.start)) or first
        return first[0], max(first[1], last[1])

    def build(self) -> tuple[_Plan, Quote | None]:
        # The first sentence, or more while they are too short to say anything ("COLUMBIA,
        # S.C.", a headline split at a quoted full stop).
        first = next(
            (
                k
                for k in range(1, len(self.sentences) + 1)
                if count_words(" ".join(self.sentences[:k])) >= SUMMARY_MIN_WORDS
            ),
            len(self.sentences),
        )
        plan = _Plan(summary=self.sentences[: max(first, 1)])
        chosen: Quote | None = None
        for quote, line in self.attributions():
            if self.fits(dataclasses.replace(plan, attribution=line)):
                chosen, plan.attribution = quote, line
                break
        anchor = self._anchor(chosen) if chosen else None
        options = _excerpt_options(self.text, self.paras, self.summary_spans, anchor, self.listable)
        shown = [chosen] if chosen else []
        minimum = self.settings.min_quotes
        ranked = rank_quotes([q for q in self.listable if q is not chosen], self.voices, shown)
        # min_quotes counts the list: the longest excerpt that leaves room for them and
        # shows none of them (a quote is never shown twice)
        need = min(minimum, sum(is_known(q) for q in ranked))
        bare = dataclasses.replace(plan, quotes=[])
        self.fill(bare, ranked, minimum)
        chosen_plan: tuple[_Plan, list[Span], list[Quote]] = (bare, [], ranked)
        # An excerpt only costs words and takes quotes from the list: when the draft
        # without one cannot hold `need` quotes, no excerpt can.
        orders: dict[frozenset[int], list[Quote]] = {frozenset(): ranked}
        for spans in options[:-1] if sum(is_known(q) for q in bare.quotes) >= need else []:
            trial = dataclasses.replace(plan, excerpt=_excerpt_text(self.text, spans), quotes=[])
            if not self.fits(trial):
                continue
            inside = [q for q in ranked if _overlaps(q, spans)]
            key = frozenset(id(q) for q in inside)
            if key not in orders:
                orders[key] = rank_quotes(
                    [q for q in ranked if q not in inside], self.voices, [*shown, *inside]
                )
            self.fill(trial, orders[key], minimum)
            if sum(is_known(q) for q in trial.quotes) >= need:
                chosen_plan = (trial, spans, orders[key])
                break
        plan, excerpt_spans, ranked = chosen_plan
        self.fill(plan, ranked, self.settings.max_quotes)
        # More of the lead, while it fits and shows nothing the draft already shows.
        taken = [(q.start, q.end) for q in [*shown, *plan.quotes]] + list(excerpt_spans)
        for k in range(len(plan.summary) + 1, len(self.sentences) + 1):
            span = self.summary_spans[k - 1] if self.summary_spans else None
            if span and any(s < span[1] and span[0] < e for s, e in taken):
                break
            longer = dataclasses.replace(plan, summary=self.sentences[:k])
            if not self.fits(longer):
                break
            plan = longer
        return plan, chosen


def build_draft(
    *,
    article: Article,
    quotes: Sequence[Quote],
    entry: Entry,
    source: Source,
    settings: CurateSettings,
) -> DraftContent:
    """A draft post for one article (see the module docstring)."""
    names = [n for n in (source.outlet, source.name, article.site_name) if n]
    headline = clean_headline(article.title or "", names) or clean_headline(
        entry.title or "", names
    )
    builder = _Builder(article, quotes, headline, entry, source, settings)
    plan, _ = builder.build()
    summary = join_sentences(plan.summary)
    headline = headline or (split_sentences(summary)[:1] or [_UNTITLED])[0]
    return DraftContent(
        headline=headline,
        summary=summary or headline,
        attribution=plan.attribution,
        excerpt=plan.excerpt,
        quotes=tuple(
            DraftQuote(
                text=q.text,
                speaker=q.speaker if is_known(q) else None,
                cue=q.cue,
                outlet=q.outlet,
            )
            for q in plan.quotes
        ),
        source_url=article.canonical_url or article.url or entry.link or "",
        outlet=source.outlet,
        published_at=article.published_at or entry.published_at,
        tags=source.tags,
    )
