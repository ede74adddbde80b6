"""A plain-text (``.txt``) body → Article (pure).

The text is taken as the body as it is, with these rules:

- every line is a paragraph: paragraphs are separated by blank lines or by a single
  newline;
- an indented line (a tab, or two or more spaces, before the text) belongs to a
  block quote; consecutive indented lines form one ``blockquote`` block (a block
  quote hard-wrapped over several lines stays one block, its lines joined by
  ``\\n``);
- leading and trailing spaces (the indentation too) are not part of a block's text; NUL and
  other control characters are removed; ``\\r\\n`` and ``\\r`` count as newlines.

Nothing is guessed: the first line is not taken as a title (pass ``title``).
"""

from __future__ import annotations

from curator.extract.blocks import build_body
from curator.extract.charset import clean_text
from curator.model import Article
from curator.model import BlockKind

MIN_INDENT_SPACES = 2  # one stray leading space is not a block quote


def _indented(line: str) -> bool:
    leading = line[: len(line) - len(line.lstrip())]
    return "\t" in leading or len(leading) >= MIN_INDENT_SPACES


def article_from_text(text: str, *, title: str | None = None) -> Article:
    """An Article whose body is ``text``: one block per line, indented lines are quotes."""
    text = clean_text(text.replace("\r\n", "\n").replace("\r", "\n"))
    pieces: list[tuple[BlockKind, str]] = []
    quote: list[str] = []
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped and _indented(line):
            quote.append(stripped)
            continue
        if quote:
            pieces.append((BlockKind.BLOCKQUOTE, "\n".join(quote)))
            quote = []
        if stripped:
            pieces.append((BlockKind.PARAGRAPH, stripped))
    if quote:
        pieces.append((BlockKind.BLOCKQUOTE, "\n".join(quote)))
    body, blocks = build_body(pieces)
    return Article(text=body, blocks=blocks, title=(title.strip() or None) if title else None)
