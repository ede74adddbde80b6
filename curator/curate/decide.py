"""Curating one entry, decided without I/O: drop it, credit it to a draft, or draft it.

The facade reads what the decision needs (the entry, its article and quotes, whether
the story is tombstoned, the recent stories) and the store applies the intent in one
transaction, like reader's update decider.
"""

from __future__ import annotations

from collections.abc import Sequence

from curator.config import CurateSettings
from curator.curate.checks import check_draft
from curator.curate.dedup import StorySignature
from curator.curate.dedup import find_same_story
from curator.curate.dedup import normalise_url
from curator.curate.dedup import signature_to_json
from curator.curate.dedup import story_signature
from curator.curate.draft import build_draft
from curator.curate.filters import check_article
from curator.model import Article
from curator.model import CreditEntry
from curator.model import CurationIntent
from curator.model import DropEntry
from curator.model import Entry
from curator.model import NewDraft
from curator.model import Quote
from curator.model import Source

TOMBSTONED = "removed earlier: the story was rejected or taken down"


def story_url_of(article: Article, entry: Entry) -> tuple[str, str]:
    """The story's URL as shown, and normalised (what "one draft per story" compares)."""
    url = article.canonical_url or article.url or entry.link or ""
    return url, normalise_url(url)


def decide_entry(
    *,
    entry: Entry,
    article: Article,
    article_id: int,
    quotes: Sequence[Quote],
    source: Source,
    settings: CurateSettings,
    tombstoned: bool,
    candidates: Sequence[tuple[int, str, StorySignature]],
    extraction_version: str,
) -> tuple[CurationIntent, StorySignature | None]:
    """What to do with one extracted entry, and its story's signature when drafted."""
    url, story_url = story_url_of(article, entry)
    reason = check_article(article, source.filters)
    if reason is None and tombstoned:
        reason = TOMBSTONED
    if reason is not None:
        return DropEntry(entry_id=entry.id, source_id=source.id, reason=reason), None
    signature = story_signature(title=article.title or entry.title, text=article.text)
    same = find_same_story(
        url=story_url,
        signature=signature,
        candidates=candidates,
        threshold=settings.dedup_threshold,
    )
    if same is not None:
        credit = CreditEntry(
            draft_id=same, entry_id=entry.id, source_id=source.id, outlet=source.outlet, url=url
        )
        return credit, None
    content = build_draft(
        article=article, quotes=quotes, entry=entry, source=source, settings=settings
    )
    draft = NewDraft(
        entry_id=entry.id,
        source_id=source.id,
        article_id=article_id,
        content=content,
        flags=check_draft(content, article, settings, quotes=quotes),
        story_url=story_url,
        outlet=source.outlet,
        url=url,
        extraction_version=extraction_version,
        signature=signature_to_json(signature),
    )
    return draft, signature
