"""Joining block texts into an article body with exact offsets (pure)."""

from __future__ import annotations

from collections.abc import Iterable

from curator.model import Block
from curator.model import BlockKind

SEPARATOR = "\n\n"


def build_body(pieces: Iterable[tuple[BlockKind, str]]) -> tuple[str, tuple[Block, ...]]:
    """``(text, blocks)`` from ``(kind, block text)`` pairs, in order.

    Block texts are joined by a blank line, so ``text[block.start:block.end]`` is the
    block's text. Empty pieces are skipped; a piece must not contain a blank line.
    """
    parts: list[str] = []
    blocks: list[Block] = []
    offset = 0
    for kind, piece in pieces:
        if not piece:
            continue
        if parts:
            parts.append(SEPARATOR)
            offset += len(SEPARATOR)
        parts.append(piece)
        blocks.append(Block(kind=kind, start=offset, end=offset + len(piece)))
        offset += len(piece)
    return "".join(parts), tuple(blocks)
