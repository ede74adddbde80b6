"""The real-news quote gold set (#9): pages of ../shared/corpora/article-extraction.

Usage:
  python bench/news_gold.py dump ID_PREFIX...     print a page's extracted body, paragraph by paragraph
  python bench/news_gold.py check [ID_PREFIX...]  check every annotation file against the pages

The annotations live in tests/data/quotes/news/<id12>.json (format: its README.md); the
page text itself is never copied into the repository: it is extracted again from the
corpus each time, and every annotated quote is located in it by its exact text.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from curator.extract import extract_article
from curator.model import Article

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "tests" / "data" / "quotes" / "news"
CORPUS = (
    Path(os.environ.get("CURATOR_SHARED", ROOT.parent / "shared"))
    / "corpora"
    / "article-extraction"
)
KINDS = ("direct", "partial", "blockquote", "indirect")


@dataclass(frozen=True)
class GoldQuote:
    start: int
    end: int
    kind: str
    speaker: str | None  # as written
    resolved: str | None  # a name or role
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class GoldPage:
    page_id: str
    split: str
    article: Article
    quotes: tuple[GoldQuote, ...]


def corpus_available() -> bool:
    return (CORPUS / "html").is_dir()


def split() -> dict[str, list[str]]:
    data: dict[str, list[str]] = json.loads((GOLD / "split.json").read_text())
    return data


def full_id(prefix: str) -> str:
    matches = [p.name.split(".")[0] for p in (CORPUS / "html").glob(f"{prefix}*.html.gz")]
    if len(matches) != 1:
        raise SystemExit(f"{prefix}: {len(matches)} pages match")
    return matches[0]


def page_article(page_id: str) -> Article:
    with gzip.open(CORPUS / "html" / f"{page_id}.html.gz", "rb") as f:
        return extract_article(f.read(), content_type="text/html; charset=utf-8")


def locate(text: str, needle: str, occurrence: int = 0) -> int:
    start = -1
    for _ in range(occurrence + 1):
        start = text.find(needle, start + 1)
        if start < 0:
            raise ValueError(f"not in the extracted text: {needle[:80]!r}")
    return start


def load(page_id: str) -> GoldPage:
    data = json.loads((GOLD / f"{page_id[:12]}.json").read_text(encoding="utf-8"))
    article = page_article(data["id"])
    quotes = []
    for q in data["quotes"]:
        if q["kind"] not in KINDS:
            raise ValueError(f"{page_id[:12]}: unknown kind {q['kind']!r}")
        start = locate(article.text, q["text"], q.get("occurrence", 0))
        quotes.append(
            GoldQuote(
                start=start,
                end=start + len(q["text"]),
                kind=q["kind"],
                speaker=q.get("speaker"),
                resolved=q.get("resolved", q.get("speaker")),
                aliases=tuple(q.get("aliases", ())),
            )
        )
    sets = split()
    which = "dev" if data["id"] in sets["dev"] else "heldout"
    return GoldPage(page_id=data["id"], split=which, article=article, quotes=tuple(quotes))


def annotated(which: str) -> list[str]:
    """Ids of one split that have an annotation file."""
    return [i for i in split()[which] if (GOLD / f"{i[:12]}.json").exists()]


def dump(page_id: str) -> None:
    article = page_article(page_id)
    print(f"# {page_id}  title: {article.title!r}  byline: {article.byline!r}")
    for number, block in enumerate(article.blocks):
        print(f"[{number} {block.kind}]")
        print(article.text[block.start : block.end])
        print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    dump_cmd = sub.add_parser("dump")
    dump_cmd.add_argument("ids", nargs="+")
    check_cmd = sub.add_parser("check")
    check_cmd.add_argument("ids", nargs="*")
    args = parser.parse_args()
    if args.command == "dump":
        for prefix in args.ids:
            dump(full_id(prefix))
        return
    ids = [full_id(p) for p in args.ids] or annotated("dev") + annotated("heldout")
    failures = 0
    for page_id in ids:
        try:
            page = load(page_id)
        except (ValueError, KeyError, json.JSONDecodeError) as e:
            failures += 1
            print(f"{page_id[:12]}: {type(e).__name__}: {e}")
            continue
        kinds = {k: sum(q.kind == k for q in page.quotes) for k in KINDS}
        print(f"{page_id[:12]} {page.split:8} ok  {kinds}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
