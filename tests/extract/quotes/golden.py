"""Loading the golden quote cases of tests/data/quotes (see its README.md)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from curator.model import Block
from curator.model import BlockKind

DATA = Path(__file__).resolve().parents[2] / "data" / "quotes"
TUNED = sorted(DATA.glob("*.json"))
HELDOUT = sorted((DATA / "heldout").glob("*.json"))


@dataclass(frozen=True)
class Case:
    id: str
    text: str
    blocks: tuple[Block, ...]
    quotes: tuple[dict[str, Any], ...]

    def span(self, quote: dict[str, Any]) -> tuple[int, int]:
        start = -1
        for _ in range(quote.get("occurrence", 0) + 1):
            start = self.text.index(quote["text"], start + 1)
        return start, start + len(quote["text"])


def load(path: Path) -> Case:
    raw = json.loads(path.read_text(encoding="utf-8"))
    text: str = raw["text"]
    blocks: list[Block] = []
    if raw.get("block_kinds"):
        pos = 0
        for para, kind in zip(text.split("\n\n"), raw["block_kinds"], strict=True):
            blocks.append(Block(kind=BlockKind(kind), start=pos, end=pos + len(para)))
            pos += len(para) + 2
    return Case(raw["id"], text, tuple(blocks), tuple(raw["quotes"]))
