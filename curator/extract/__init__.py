"""Extraction stage: HTML pages and plain-text bodies → Article (pure; no I/O)."""

from __future__ import annotations

from curator.extract.article import MAX_PAGE_BYTES as MAX_PAGE_BYTES
from curator.extract.article import extract_article as extract_article
from curator.extract.txt import article_from_text as article_from_text

__all__ = ["MAX_PAGE_BYTES", "article_from_text", "extract_article"]
