"""The quote and attribution engine (#4): pure, deterministic, stdlib only.

``find_quotes(text, blocks)`` returns the quotes of an article body in text order:
direct and partial quotations in any common quotation-mark style, block quotes, and
indirect (reported) speech, each with its speaker, cue and outlet when the text names
them. ``ENGINE_VERSION`` changes whenever results change; it is stored with quotes.
"""

from __future__ import annotations

from collections.abc import Sequence

from curator.extract.quotes._engine import find_quotes_impl
from curator.model import Block
from curator.model import Quote

ENGINE_VERSION = "3"

__all__ = ["ENGINE_VERSION", "find_quotes"]


def find_quotes(text: str, blocks: Sequence[Block] = ()) -> tuple[Quote, ...]:
    """Find the quotes in an article body (paragraphs separated by blank lines).

    ``blocks`` say which spans of ``text`` are paragraphs, block quotes, tweets or
    headings; without them every blank-line separated span is a paragraph. For every
    quote ``text[quote.start:quote.end] == quote.text``.
    """
    return find_quotes_impl(text, blocks)
