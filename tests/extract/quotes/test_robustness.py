"""Purity, offsets and pathological inputs of the quote engine."""

from __future__ import annotations

import pytest

from curator.extract.quotes import find_quotes
from curator.model import Block
from curator.model import BlockKind

ARTICLE = (
    "“We will rebuild,” said Mayor Ana Ruiz. “It will take a year.”\n\n"
    "Ruiz told the Harbour Courier that the pier would reopen in May.\n\n"
    "According to the port authority, 40 ships were delayed."
)


def test_deterministic_and_pure() -> None:
    first = find_quotes(ARTICLE)
    assert find_quotes(ARTICLE) == first
    assert len(first) == 4


def test_quotes_are_in_text_order_with_exact_offsets() -> None:
    quotes = find_quotes(ARTICLE)
    assert [q.start for q in quotes] == sorted(q.start for q in quotes)
    for q in quotes:
        assert ARTICLE[q.start : q.end] == q.text


def test_blocks_given_or_not_give_the_same_paragraph_quotes() -> None:
    blocks = []
    pos = 0
    for para in ARTICLE.split("\n\n"):
        blocks.append(Block(kind=BlockKind.PARAGRAPH, start=pos, end=pos + len(para)))
        pos += len(para) + 2
    assert find_quotes(ARTICLE, tuple(blocks)) == find_quotes(ARTICLE)


@pytest.mark.parametrize("text", ["", "\n\n", "   ", "“", "”", '"', "''", "‘’", "said."])
def test_degenerate_inputs(text: str) -> None:
    for q in find_quotes(text):
        assert text[q.start : q.end] == q.text


@pytest.mark.parametrize(
    "text",
    [
        "“" * 100_000,
        '"' * 100_000,
        "“unclosed " * 10_000,
        "said " * 20_000,
        "said said said. " * 6_000,
        "he said, “" * 10_000,
        "``a '' " * 14_000,
        "Smith said that " * 6_000,
        ("“Quote here,” he said. " * 10 + "\n\n") * 400,
    ],
    ids=[
        "curly-opens",
        "straight",
        "unclosed",
        "said",
        "said-sentences",
        "cue-opens",
        "newswire",
        "said-that",
        "many-paragraphs",
    ],
)
def test_pathological_inputs_finish_with_exact_offsets(text: str) -> None:
    for q in find_quotes(text):
        assert text[q.start : q.end] == q.text
