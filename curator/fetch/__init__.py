"""Fetching: the async HTTP client, HTTP semantics, politeness and feed parsing.

Imports only curator.model, curator.errors and curator.config.
"""

from __future__ import annotations

from curator.fetch.client import Fetcher as Fetcher
from curator.fetch.parse import parse_feed as parse_feed
from curator.fetch.policy import ADAPTIVE_PERIOD as ADAPTIVE_PERIOD
from curator.fetch.policy import adaptive_interval as adaptive_interval
from curator.fetch.policy import decide_source_state as decide_source_state
from curator.fetch.policy import is_due as is_due
from curator.fetch.policy import page_retry_at as page_retry_at
from curator.fetch.policy import paused_until as paused_until

__all__ = [
    "ADAPTIVE_PERIOD",
    "Fetcher",
    "adaptive_interval",
    "decide_source_state",
    "is_due",
    "page_retry_at",
    "parse_feed",
    "paused_until",
]
