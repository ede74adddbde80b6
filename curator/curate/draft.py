"""A draft post from an article and its quotes, in the shape of the seed post (#5).

``build_draft`` is pure: it reads an Article, its Quotes, the feed Entry and the
Source, and returns a DraftContent:

- **headline**: the article title (else the entry title), cleaned: tags and
  entities removed, white space collapsed, a site name suffix cut
  (see ``text.strip_site_suffix``; the source's name and outlet and the page's
  site name are always recognised).
- **summary**: the first sentences of the lead (the first paragraph blocks; short
  ones without a final full stop, such as "Advertisement", are skipped): one to three whole sentences, at most
  ``SUMMARY_MAX_WORDS`` words (the first sentence is kept whatever its length), taken
  from a second paragraph only while fewer than two sentences were taken. Without
  a body: the entry's summary, else the headline.
- **quotes**: ranked — a known speaker first, then direct > partial > blockquote >
  indirect, then newsworthiness (length in the 8–40 word sweet spot × confidence),
  then text order; near duplicates (token overlap ≥ ``NEAR_DUPLICATE``) of a better
  quote dropped; at most ``settings.max_quotes``.
- **attribution**: from the best quote with a known speaker, preferring one told to
  the source's outlet: ``<Speaker> told <Outlet> that “<text>”`` when the quote has
  an outlet or the cue is "told", else ``<Speaker> said “<text>”`` (direct and block
  quotes) or ``<Speaker> said that “<text>”``. For a partial quote up to five
  words of the article before the quotation mark, after "that" or after the cue,
  are kept ("said that the reports “cannot be ignored”"). Empty when no quote has a speaker.
- **excerpt**: whole sentences of the paragraph holding the attribution's quote (else
  the paragraph holding most of the ranked quotes, else the first paragraph after
  the summary), sentences used by the summary left out, continued into the next
  paragraph when shorter than ``EXCERPT_MIN_WORDS``; paragraphs joined by a blank line.
- **budget**: the words quoted (``checks.words_quoted``) are kept within
  ``checks.budget_words``: sentences are dropped from the excerpt (away from the
  attribution's sentence) down to one, then the lowest-ranked quotes down to
  ``settings.min_quotes``, then the excerpt, then the remaining quotes, and at last
  the attribution falls back to a quote short enough (or is left empty).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass

from curator.config import CurateSettings
from curator.curate.checks import budget_words
from curator.curate.checks import is_verbatim
from curator.curate.checks import words_quoted
from curator.curate.text import clean_headline
from curator.curate.text import clean_text
from curator.curate.text import count_words
from curator.curate.text import join_sentences
from curator.curate.text import name_key
from curator.curate.text import sentence_spans
from curator.curate.text import split_sentences
from curator.curate.text import words
from curator.model import Article
from curator.model import Block
from curator.model import BlockKind
from curator.model import DraftContent
from curator.model import DraftQuote
from curator.model import Entry
from curator.model import Quote
from curator.model import QuoteKind
from curator.model import Source
from curator.model import SpeakerKind

__all__ = [
    "EXCERPT_MIN_WORDS",
    "LEAD_MIN_WORDS",
    "NEAR_DUPLICATE",
    "SUMMARY_MAX_SENTENCES",
    "SUMMARY_MAX_WORDS",
    "attribution_line",
    "build_draft",
    "rank_quotes",
]

SUMMARY_MAX_WORDS = 60
SUMMARY_MAX_SENTENCES = 3
LEAD_MIN_WORDS = 5  # shorter paragraphs without a full stop ("Advertisement") are not the lead
EXCERPT_MIN_WORDS = 30
NEAR_DUPLICATE = 0.7  # shared words / words of the shorter quote
SWEET_SPOT = (8, 40)  # words

_KIND_ORDER = {QuoteKind.DIRECT: 0, QuoteKind.PARTIAL: 1, QuoteKind.BLOCKQUOTE: 2}
_OPENING_MARKS = "“‘\"'«‹„‚"
_BRIDGE_WORDS = r"((?:\s+[\w’'-]+(?:\.[\w’'-]+)*){0,5})"  # up to five words, no full stop
_BRIDGE_RE = re.compile(rf"\bthat{_BRIDGE_WORDS}\s*$")
_UNTITLED = "Untitled"
_FINAL_MARKS = (".", "!", "?", "…", "”", '"', "’", "'", "»")


# --- quotes -------------------------------------------------------------------


def _known(quote: Quote) -> bool:
    return bool(quote.speaker and quote.speaker.strip()) and (
        quote.speaker_kind is not SpeakerKind.UNKNOWN
    )


def _newsworthiness(quote: Quote) -> float:
    n = count_words(quote.text)
    low, high = SWEET_SPOT
    fit = 1.0 if low <= n <= high else (n / low if n < low else high / n)
    return fit * quote.confidence


def _rank_key(quote: Quote) -> tuple[int, int, float, int]:
    return (
        0 if _known(quote) else 1,
        _KIND_ORDER.get(quote.kind, 3),
        -_newsworthiness(quote),
        quote.start,
    )


def _near_duplicate(a: str, b: str) -> bool:
    wa = {w.casefold() for w in words(a)}
    wb = {w.casefold() for w in words(b)}
    if not wa or not wb:
        return wa == wb
    return len(wa & wb) / min(len(wa), len(wb)) >= NEAR_DUPLICATE


def rank_quotes(quotes: Sequence[Quote]) -> list[Quote]:
    """``quotes`` best first (see the module docstring), near duplicates removed."""
    kept: list[Quote] = []
    for quote in sorted(quotes, key=_rank_key):
        if not any(_near_duplicate(quote.text, k.text) for k in kept):
            kept.append(quote)
    return kept


# --- attribution --------------------------------------------------------------


def _outlet_for(quote: Quote, source: Source, names: Sequence[str]) -> str | None:
    """The outlet the attribution credits, or None for the "said" form."""
    if quote.outlet:
        key = name_key(quote.outlet)
        for name in names:
            other = name_key(name)
            if key and other and (key == other or other.startswith(key + " ")):
                return source.outlet
        return quote.outlet
    # "told reporters", "told the council": whoever it was, it was not an outlet we
    # can name, so the line says "said" rather than invent "told <our outlet>".
    return None


def _told_source(quote: Quote, source: Source, names: Sequence[str]) -> int:
    """0: told the source's outlet; 1: said to it otherwise; 2: told someone; 3: other."""
    told = bool(quote.cue) and str(quote.cue).casefold().startswith("told")
    outlet = _outlet_for(quote, source, names)
    if outlet == source.outlet and quote.outlet:
        return 0 if told else 1
    return 2 if told else 3


def _bridge(quote: Quote, text: str) -> str:
    """The article's words that lead into a partial quote after "that" or after the cue.

    "said in mid-April that the reports “cannot be ignored”" → "the reports";
    "said the plan was “a good start”" → "the plan was". At most five words.
    """
    if quote.kind is not QuoteKind.PARTIAL:
        return ""
    start = quote.start
    if not (0 < start <= len(text)) or text[start - 1] not in _OPENING_MARKS:
        return ""
    line_start = max(text.rfind("\n", 0, start - 1) + 1, start - 200)
    match = _BRIDGE_RE.search(text, line_start, start - 1)
    if match is None and quote.cue:
        outlet = rf"(?:\s+(?:to\s+)?{re.escape(quote.outlet)})?" if quote.outlet else ""
        after_cue = re.compile(rf"\b{re.escape(quote.cue)}{outlet}{_BRIDGE_WORDS}\s*$")
        match = after_cue.search(text, line_start, start - 1)
    return " ".join(match.group(1).split()) if match else ""


def attribution_line(
    quote: Quote, source: Source, article_text: str = "", names: Sequence[str] = ()
) -> str:
    """The attribution sentence for ``quote`` (without a final full stop).

    ``names`` are other names of the source's outlet (its name, the page's site name).
    """
    names = [n for n in (source.outlet, source.name, *names) if n]
    speaker = (quote.speaker or "").strip()
    speaker = speaker[:1].upper() + speaker[1:]
    text = " ".join(quote.text.split())  # one line, even for a quote over paragraphs
    bridge = _bridge(quote, article_text)
    that = f"that {bridge} " if bridge else "that "
    outlet = _outlet_for(quote, source, names)
    if outlet:
        return f"{speaker} told {outlet} {that}“{text}”"
    if quote.kind in (QuoteKind.DIRECT, QuoteKind.BLOCKQUOTE):
        return f"{speaker} said “{text}”"
    return f"{speaker} said {that}“{text}”"


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
        spans = tuple(sentence_spans(text, block.start, block.end))
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


# --- the draft ------------------------------------------------------------------


def _quote_span(quote: Quote, text: str) -> tuple[int, int] | None:
    if text[quote.start : quote.end] == quote.text:
        return quote.start, quote.end
    found = text.find(quote.text)
    return (found, found + len(quote.text)) if found >= 0 else None


def _summary(text: str, paras: Sequence[_Para], entry: Entry) -> tuple[str, set[tuple[int, int]]]:
    """The summary and the sentence spans of the article it used."""
    lead = [
        (p_i, span)
        for p_i, p in enumerate(paras)
        if p.kind is BlockKind.PARAGRAPH and _lead_like(text[p.start : p.end])
        for span in p.sentences
    ]
    chosen = [lead[i][1] for i in _pick_summary([(p_i, text[s:e]) for p_i, (s, e) in lead])]
    if chosen:
        return join_sentences([text[s:e] for s, e in chosen]), set(chosen)
    fallback = split_sentences(clean_text(entry.summary or ""))
    picked = _pick_summary([(0, sentence) for sentence in fallback])
    return join_sentences([fallback[i] for i in picked]), set()


def _excerpt_spans(
    text: str,
    paras: Sequence[_Para],
    used: set[tuple[int, int]],
    anchor: tuple[int, int] | None,
    selected: Sequence[tuple[int, int]],
) -> tuple[list[tuple[int, int]], int]:
    """The excerpt's sentence spans and the index of the sentence holding the anchor."""
    candidates = [(p, [span for span in p.sentences if span not in used]) for p in paras]
    candidates = [(p, spans) for p, spans in candidates if spans]
    if not candidates:
        return [], 0
    at = anchor[0] if anchor else -1
    holding = [c for c in candidates if c[1][0][0] <= at < c[0].end]
    if holding:
        best = holding[0]
    else:

        def holds(candidate: tuple[_Para, list[tuple[int, int]]]) -> tuple[int, int]:
            para = candidate[0]
            return sum(1 for s, _ in selected if para.start <= s < para.end), -para.start

        best = max(candidates, key=holds)
    spans = list(best[1])
    following = [c for c in candidates if c[0].index == best[0].index + 1]
    if following and sum(count_words(text[s:e]) for s, e in spans) < EXCERPT_MIN_WORDS:
        spans += following[0][1]
    anchor_sentence = next((i for i, (s, e) in enumerate(spans) if s <= at < e), 0)
    return spans, anchor_sentence


def build_draft(
    *,
    article: Article,
    quotes: Sequence[Quote],
    entry: Entry,
    source: Source,
    settings: CurateSettings,
) -> DraftContent:
    """A draft post for one article (see the module docstring)."""
    text = article.text
    names = [n for n in (source.outlet, source.name, article.site_name) if n]
    headline = clean_headline(article.title or "", names) or clean_headline(
        entry.title or "", names
    )
    paras = _paragraphs(article)
    summary, used = _summary(text, paras, entry)
    headline = headline or (split_sentences(summary)[:1] or [_UNTITLED])[0]
    summary = summary or headline

    # Quotes, best first: only those really in the article.
    spans: dict[Quote, tuple[int, int]] = {}
    for quote in quotes:
        span = _quote_span(quote, text)
        if span and quote.text.strip() and is_verbatim(quote.text, text):
            if span != (quote.start, quote.end):  # offsets of another version of the text
                quote = dataclasses.replace(quote, start=span[0], end=span[1])
            spans[quote] = span
    ranked = rank_quotes(list(spans))
    selected = ranked[: settings.max_quotes]
    speakers = sorted(
        (q for q in sorted(spans, key=_rank_key) if _known(q)),
        key=lambda q: _told_source(q, source, names),
    )
    attribution_quote = speakers[0] if speakers else None
    anchor = attribution_quote or (selected[0] if selected else None)
    excerpt_spans, anchor_sentence = _excerpt_spans(
        text, paras, used, spans[anchor] if anchor else None, [spans[q] for q in selected]
    )

    def content() -> DraftContent:
        return DraftContent(
            headline=headline,
            summary=summary,
            attribution=attribution_line(attribution_quote, source, text, names)
            if attribution_quote
            else "",
            excerpt=_excerpt_text(text, excerpt_spans),
            quotes=tuple(
                DraftQuote(text=q.text, speaker=q.speaker, cue=q.cue, outlet=q.outlet)
                for q in selected
            ),
            source_url=article.canonical_url or article.url or entry.link or "",
            outlet=source.outlet,
            published_at=article.published_at or entry.published_at,
            tags=source.tags,
        )

    # The budget: a shorter excerpt, fewer quotes, no excerpt, no quotes, a short attribution.
    budget = budget_words(count_words(text), settings)
    while words_quoted(content(), text) > budget and len(excerpt_spans) > 1:
        if anchor_sentence < len(excerpt_spans) - 1:
            excerpt_spans.pop()
        else:
            excerpt_spans.pop(0)
            anchor_sentence -= 1
    while words_quoted(content(), text) > budget and len(selected) > settings.min_quotes:
        selected.pop()
    if words_quoted(content(), text) > budget:
        excerpt_spans = []
    while words_quoted(content(), text) > budget and selected:
        selected.pop()
    for fallback in [*speakers, None]:
        if words_quoted(content(), text) <= budget:
            break
        attribution_quote = fallback
    return content()


def _excerpt_text(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """Sentences joined by a space within a paragraph and by a blank line between."""
    paragraphs: list[list[str]] = []
    previous_end = None
    for s, e in spans:
        if previous_end is None or re.search(r"\n[ \t]*\n", text[previous_end:s]):
            paragraphs.append([])
        paragraphs[-1].append(text[s:e])
        previous_end = e
    return "\n\n".join(join_sentences(p) for p in paragraphs)
