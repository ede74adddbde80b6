"""Curation: a draft post per story, from an article and its quotes (pure).

- draft.py: build_draft — headline, summary, attribution line, excerpt, ranked quotes
- attribution.py: the attribution line, a full sentence (quote or paraphrase)
- ranking.py: principal voices first, one quote per speaker, no-comments last
- marks.py: which words stood inside quotation marks in the source
- budget.py: the copying budget (every copied word counts)
- checks.py: check_draft / draft_checks — verbatim, misquote, budget, no quotes, thin
- markdown.py: the Markdown + YAML front matter a reviewer edits
- filters.py: keep/block rules, min_words, max_age
- decide.py: decide_entry — one entry → drop / credit / new draft (an intent)
- dedup.py: story signatures (MinHash) and URL normalisation: one draft per story

Imports only curator.model, curator.errors and curator.config.
"""

from __future__ import annotations

from curator.curate.checks import check_draft as check_draft
from curator.curate.checks import draft_checks as draft_checks
from curator.curate.decide import decide_entry as decide_entry
from curator.curate.decide import story_url_of as story_url_of
from curator.curate.dedup import StorySignature as StorySignature
from curator.curate.dedup import find_same_story as find_same_story
from curator.curate.dedup import normalise_url as normalise_url
from curator.curate.dedup import signature_from_json as signature_from_json
from curator.curate.dedup import signature_to_json as signature_to_json
from curator.curate.dedup import story_signature as story_signature
from curator.curate.draft import build_draft as build_draft
from curator.curate.filters import check_article as check_article
from curator.curate.filters import check_entry as check_entry
from curator.curate.markdown import parse_markdown as parse_markdown
from curator.curate.markdown import render_markdown as render_markdown

__all__ = [
    "StorySignature",
    "build_draft",
    "check_article",
    "check_draft",
    "check_entry",
    "decide_entry",
    "draft_checks",
    "find_same_story",
    "normalise_url",
    "parse_markdown",
    "render_markdown",
    "signature_from_json",
    "signature_to_json",
    "story_signature",
    "story_url_of",
]
