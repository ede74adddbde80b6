"""Curation: drafts from articles (pure), filters, dedup.

Imports only curator.model, curator.errors and curator.config.
"""

from __future__ import annotations
