"""Quote engine speed: articles per second on one core.

Usage: python bench/quotes_speed.py [--articles N]

1. Generated ~800-word news-style articles with ~6 quotes each (deterministic).
2. ../shared/bench/feed_farm.py ``make_article(i, k)`` pages, tags stripped crudely
   (paragraphs and the block quote become blocks), when that file is present.
"""

from __future__ import annotations

import argparse
import html
import importlib.util
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from curator.extract.quotes import find_quotes
from curator.model import Block
from curator.model import BlockKind

FEED_FARM = Path(__file__).resolve().parents[2] / "shared" / "bench" / "feed_farm.py"
WORDS = (
    "council budget vote agency market report quarter growth inflation police court ruling "
    "election campaign energy climate summit health hospital school strike talks deal company "
    "shares profit investors residents harbour ferry bridge housing rent water river weather "
    "plan review committee district week month year morning evening officials members public"
).split()
NAMES = ("Maria Lopez", "James Okafor", "Chen Wei", "Anna Novak", "Samir Haddad", "Ruth Adler")
ROLES = ("a spokesperson for the city council", "the agency's director", "a union representative")


def _words(x: int, n: int) -> str:
    out = []
    for _ in range(n):
        x = (1103515245 * x + 12345) % 2**31
        out.append(WORDS[x % len(WORDS)])
    return " ".join(out)


def _sentence(x: int, n: int) -> str:
    return _words(x, n).capitalize() + "."


def make_text(i: int) -> str:
    """About 800 words in 14 paragraphs with six quotes of mixed kinds."""
    name = NAMES[i % len(NAMES)]
    other = NAMES[(i + 3) % len(NAMES)]
    role = ROLES[i % len(ROLES)]
    surname = name.split()[-1]
    paras = [
        " ".join(_sentence(i * 97 + p * 7 + s, 10 + s % 7) for s in range(6)) for p in range(14)
    ]
    paras[1] = (
        f"“{_words(i * 5, 14).capitalize()},” said {name}, who leads the {_words(i, 2)} office."
    )
    paras[3] = (
        f"{role.capitalize()} told the Daily Courier that the plan “{_words(i * 3, 6)}” and would be reviewed."
    )
    paras[5] = f"{surname} said the plan would {_words(i * 11, 8)} by spring. {_sentence(i, 12)}"
    paras[7] = (
        f"“{_words(i * 13, 10).capitalize()}. {_words(i * 17, 9).capitalize()},” {other} said."
    )
    paras[9] = f"According to the {_words(i * 19, 2)} agency, {_words(i * 23, 12)}."
    paras[11] = f"“{_words(i * 29, 12).capitalize()},” she said. " + _sentence(i * 31, 14)
    return "\n\n".join(paras)


def farm_article(i: int) -> tuple[str, tuple[Block, ...]] | None:
    if not FEED_FARM.exists():
        return None
    spec = importlib.util.spec_from_file_location("feed_farm", FEED_FARM)
    if spec is None or spec.loader is None:
        return None
    module = sys.modules.get("feed_farm")
    if module is None:
        module = importlib.util.module_from_spec(spec)
        sys.modules["feed_farm"] = module
        spec.loader.exec_module(module)
    page = module.make_article(i // 20, i % 20).decode("utf-8")
    body = page.split("</h1>", 1)[1].split("</article>", 1)[0]
    parts: list[tuple[BlockKind, str]] = []
    for m in re.finditer(r"<(p|blockquote)[^>]*>(.*?)</\1>", body, re.S):
        kind = BlockKind.BLOCKQUOTE if m.group(1) == "blockquote" else BlockKind.PARAGRAPH
        text = html.unescape(re.sub(r"<[^>]+>", "", m.group(2))).strip()
        if text and "byline" not in m.group(0)[:30]:
            parts.append((kind, text))
    blocks = []
    pos = 0
    for kind, text in parts:
        blocks.append(Block(kind=kind, start=pos, end=pos + len(text)))
        pos += len(text) + 2
    return "\n\n".join(t for _, t in parts), tuple(blocks)


def measure(articles: list[tuple[str, tuple[Block, ...]]], rounds: int = 3) -> tuple[float, float]:
    best = float("inf")
    quotes = 0
    for _ in range(rounds):
        t0 = time.perf_counter()
        quotes = sum(len(find_quotes(text, blocks)) for text, blocks in articles)
        best = min(best, time.perf_counter() - t0)
    return len(articles) / best, quotes / len(articles)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000)
    args = parser.parse_args()
    generated = [(make_text(i), ()) for i in range(args.articles)]
    words = sum(len(t.split()) for t, _ in generated) / len(generated)
    rate, per = measure(generated)  # type: ignore[arg-type]
    print(f"generated: {rate:,.0f} articles/s/core  ({words:.0f} words, {per:.1f} quotes/article)")
    farm = [farm_article(i) for i in range(args.articles)]
    if all(a is not None for a in farm):
        pages = [a for a in farm if a is not None]
        words = sum(len(t.split()) for t, _ in pages) / len(pages)
        rate, per = measure(pages)
        print(
            f"feed_farm: {rate:,.0f} articles/s/core  ({words:.0f} words, {per:.1f} quotes/article)"
        )
    else:
        print(f"feed_farm: skipped ({FEED_FARM} not found)")


if __name__ == "__main__":
    main()
