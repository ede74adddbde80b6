"""Drafts of the 60 real-news gold pages (#9): what an editor would be shown.

Usage: python bench/drafts_eval.py [--verbose]

For every page of tests/data/quotes/news (dev and held-out) the page is extracted, its
quotes found by the engine and a draft built with the default settings, as `curator
fetch` would. Scored against the hand annotations, not against curate's own rules:

* **in marks, not marked in the source** — every passage the draft shows in quotation
  marks (quote list, summary, attribution line, excerpt) must lie inside quotation marks
  in the source (as the quote engine's own mark pairing finds them, independent of
  curate's) or inside a block quote or tweet (target: 0);
* **thin or enough quotes** — a draft with fewer than `min_quotes` quotes must carry the
  `thin` flag (target: 0 without);
* **speakers shown** — each quote in a draft with a speaker, compared with the
  annotated speaker of the quotation it comes from (bench/quotes_eval.py's rule).
Prints figures; asserts nothing (tests/curate/test_draft_real_pages.py pins them).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import news_gold
from quotes_eval import speaker_matches

from curator.config import CurateSettings
from curator.curate import build_draft
from curator.curate import check_draft
from curator.extract.pipeline import quotes_of
from curator.extract.quotes._marks import find_marks
from curator.model import BlockKind
from curator.model import DraftContent
from curator.model import DraftFlag
from curator.model import Entry
from curator.model import Source

_MARKED = ("direct", "partial", "blockquote")
_QUOTED_BLOCKS = (BlockKind.BLOCKQUOTE, BlockKind.TWEET)
_PASSAGE = re.compile(r"[“\"«]([^”\"»]+)[”\"»]")
_WORDS = re.compile(r"[\w'’-]+")
_FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "\u00a0": " "})


def _fold(text: str) -> str:
    """The words only: a comma moved inside a nested mark is typography, not a misquote."""
    words = (w.strip("'-") for w in _WORDS.findall(text.translate(_FOLD).casefold()))
    return " ".join(w for w in words if w)


def shown_in_marks(content: DraftContent) -> list[str]:
    passages = [q.text for q in content.quotes]
    for text in (content.summary, content.attribution, content.excerpt):
        passages += _PASSAGE.findall(text)
    return passages


@dataclass
class Figures:
    drafts: int = 0
    marked_passages: int = 0
    unmarked: list[str] = field(default_factory=list)
    thin: int = 0
    short_without_thin: list[str] = field(default_factory=list)
    with_excerpt: int = 0
    enough_quotes: int = 0
    speakers_shown: int = 0
    speakers_right: int = 0
    unknown_shown: int = 0
    wrong: list[str] = field(default_factory=list)
    seconds: float = 0.0


def evaluate(settings: CurateSettings | None = None) -> Figures:
    settings = settings or CurateSettings()
    figures = Figures()
    now = datetime(2026, 1, 1, tzinfo=UTC)
    for page_id in news_gold.annotated("dev") + news_gold.annotated("heldout"):
        page = news_gold.load(page_id)
        article = page.article
        text = article.text
        marked = [q for q in page.quotes if q.kind in _MARKED]
        marked_texts = [_fold(text[q.start : q.end]) for q in marked]
        spans = [(b.start, b.end) for b in article.blocks] or [(0, len(text))]
        in_source = [_fold(text[m.start : m.end]) for m in find_marks(text, spans)]
        in_source += [
            _fold(text[b.start : b.end]) for b in article.blocks if b.kind in _QUOTED_BLOCKS
        ]
        outlet = article.site_name or "The Outlet"
        source = Source(id="news", url="https://news.example/feed.xml", name=outlet, outlet=outlet)
        entry = Entry(
            id=1, source_id="news", key=page_id, guid=None, link=article.url,
            title=article.title, author=article.byline, summary=None, content=None,
            published_at=article.published_at, updated_at=None, content_hash=page_id,
            first_seen_at=now, last_seen_at=now,
        )  # fmt: skip
        started = time.perf_counter()
        quotes = quotes_of(article).quotes
        content = build_draft(
            article=article, quotes=quotes, entry=entry, source=source, settings=settings
        )
        flags = check_draft(content, article, settings, quotes=quotes)
        figures.seconds += time.perf_counter() - started
        figures.drafts += 1
        for passage in shown_in_marks(content):
            figures.marked_passages += 1
            folded = _fold(passage)
            pieces = [_fold(p) for p in re.split(r"…|\.\.\.", passage) if _fold(p)]
            if not all(any(p in m for m in in_source) for p in pieces):
                figures.unmarked.append(f"{page_id[:12]}: {passage[:80]!r}")
        figures.thin += DraftFlag.THIN in flags
        figures.with_excerpt += bool(content.excerpt.strip())
        if len(content.quotes) >= settings.min_quotes:
            figures.enough_quotes += 1
        elif DraftFlag.THIN not in flags:
            figures.short_without_thin.append(f"{page_id[:12]}: {len(content.quotes)} quotes")
        for quote in content.quotes:
            if quote.speaker is None:
                figures.unknown_shown += 1
                continue
            folded = _fold(quote.text)
            gold = next((g for g, m in zip(marked, marked_texts, strict=True) if folded in m), None)
            if gold is None:
                continue
            figures.speakers_shown += 1
            if speaker_matches(quote.speaker, gold):
                figures.speakers_right += 1
            else:
                figures.wrong.append(
                    f"{page_id[:12]}: {quote.speaker!r} != {gold.resolved!r} {quote.text[:50]!r}"
                )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--verbose", "-v", action="store_true", help="list every miss")
    args = parser.parse_args()
    if not news_gold.corpus_available():
        sys.exit(f"the article corpus is not at {news_gold.CORPUS}")
    f = evaluate()
    shown = f.speakers_right / f.speakers_shown if f.speakers_shown else 0.0
    print(
        f"drafts={f.drafts}  in marks but not marked in the source: {len(f.unmarked)} of "
        f"{f.marked_passages} passages  |  fewer than min_quotes without thin: "
        f"{len(f.short_without_thin)}  |  thin {f.thin}, with excerpt {f.with_excerpt}, "
        f"≥ min_quotes {f.enough_quotes}"
    )
    print(
        f"speakers shown in drafts: {f.speakers_right}/{f.speakers_shown} right "
        f"({shown:.3f}); quotes shown as 'speaker unknown': {f.unknown_shown}  |  "
        f"{1000 * f.seconds / max(f.drafts, 1):.1f} ms per page (quotes + draft + checks)"
    )
    if args.verbose:
        for line in f.unmarked + f.short_without_thin + f.wrong:
            print("  " + line)


if __name__ == "__main__":
    main()
