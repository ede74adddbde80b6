"""Quote engine evaluation over the golden set (tests/data/quotes).

Usage: python bench/quotes_eval.py [--verbose]

Matching (documented here and in tests/data/quotes/README.md):

* Spans. An expected quote's span is where its ``text`` occurs in the article (the
  ``occurrence``-th time, default the first). A predicted quote *matches* an expected
  one when their character spans overlap by at least 50 % of the longer of the two,
  and their kinds are compatible: ``direct`` and ``partial`` are one family (both are
  quotations in marks; which of the two is a matter of degree), ``blockquote`` and
  ``indirect`` only match themselves. Matching is one-to-one, best overlap first.
* Detection P/R/F1 counts matched predictions against all predictions / all expected.
* Speaker accuracy is over matched pairs: case-insensitive exact speaker strings
  (both ``None`` counts as equal).
* End-to-end F1 counts a prediction as a hit only when it matches *and* its speaker is
  right.

The tuned set (tests/data/quotes/*.json) was used while writing the engine; the
held-out set (tests/data/quotes/heldout/) was written before the engine existed and is
the better estimate. Both are hand-written and share an author with the engine, so
both overestimate accuracy on real news.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from curator.extract.quotes import ENGINE_VERSION
from curator.extract.quotes import find_quotes
from curator.model import Block
from curator.model import BlockKind
from curator.model import Quote

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "quotes"
FAMILY = {
    "direct": "marked",
    "partial": "marked",
    "blockquote": "blockquote",
    "indirect": "indirect",
}


@dataclass
class Expected:
    start: int
    end: int
    kind: str
    speaker: str | None


def load_case(path: Path) -> tuple[str, tuple[Block, ...], list[Expected]]:
    case = json.loads(path.read_text(encoding="utf-8"))
    text: str = case["text"]
    blocks: list[Block] = []
    if case.get("block_kinds"):
        pos = 0
        for para, kind in zip(text.split("\n\n"), case["block_kinds"], strict=True):
            blocks.append(Block(kind=BlockKind(kind), start=pos, end=pos + len(para)))
            pos += len(para) + 2
    expected = []
    for q in case["quotes"]:
        start = -1
        for _ in range(q.get("occurrence", 0) + 1):
            start = text.index(q["text"], start + 1)
        expected.append(Expected(start, start + len(q["text"]), q["kind"], q["speaker"]))
    return text, tuple(blocks), expected


def _overlap(a0: int, a1: int, b0: int, b1: int) -> float:
    inter = min(a1, b1) - max(a0, b0)
    return max(0, inter) / max(a1 - a0, b1 - b0, 1)


def match(pred: tuple[Quote, ...], exp: list[Expected]) -> list[tuple[int, int]]:
    pairs = []
    for i, pq in enumerate(pred):
        for j, e in enumerate(exp):
            if FAMILY[pq.kind] != FAMILY[e.kind]:
                continue
            ov = _overlap(pq.start, pq.end, e.start, e.end)
            if ov >= 0.5:
                pairs.append((ov, i, j))
    pairs.sort(reverse=True)
    used_p: set[int] = set()
    used_e: set[int] = set()
    out = []
    for _, i, j in pairs:
        if i not in used_p and j not in used_e:
            used_p.add(i)
            used_e.add(j)
            out.append((i, j))
    return out


def _same(a: str | None, b: str | None) -> bool:
    return (a or "").casefold() == (b or "").casefold()


def evaluate(paths: list[Path], verbose: bool = False) -> dict[str, float]:
    n_pred = n_exp = n_match = n_speaker = 0
    for path in paths:
        text, blocks, exp = load_case(path)
        pred = find_quotes(text, blocks)
        pairs = match(pred, exp)
        n_pred += len(pred)
        n_exp += len(exp)
        n_match += len(pairs)
        good = sum(_same(pred[i].speaker, exp[j].speaker) for i, j in pairs)
        n_speaker += good
        if verbose and (len(pairs) < max(len(pred), len(exp)) or good < len(pairs)):
            print(f"-- {path.name}")
            matched_p = {i for i, _ in pairs}
            matched_e = {j for _, j in pairs}
            for i, pq in enumerate(pred):
                if i not in matched_p:
                    print(f"   extra  {pq.kind}: {pq.text[:70]!r} [{pq.speaker}]")
            for j, e in enumerate(exp):
                if j not in matched_e:
                    print(f"   missed {e.kind}: {text[e.start : e.end][:70]!r} [{e.speaker}]")
            for i, j in pairs:
                if not _same(pred[i].speaker, exp[j].speaker):
                    print(f"   speaker {pred[i].speaker!r} != {exp[j].speaker!r}")

    def f1(p: float, r: float) -> float:
        return 2 * p * r / (p + r) if p + r else 0.0

    p = n_match / n_pred if n_pred else 0.0
    r = n_match / n_exp if n_exp else 0.0
    ep = n_speaker / n_pred if n_pred else 0.0
    er = n_speaker / n_exp if n_exp else 0.0
    return {
        "articles": len(paths),
        "expected": n_exp,
        "predicted": n_pred,
        "precision": p,
        "recall": r,
        "f1": f1(p, r),
        "speaker_accuracy": n_speaker / n_match if n_match else 0.0,
        "e2e_precision": ep,
        "e2e_recall": er,
        "e2e_f1": f1(ep, er),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--verbose", "-v", action="store_true", help="list misses")
    args = parser.parse_args()
    print(f"quote engine {ENGINE_VERSION}")
    for name, paths in (
        ("tuned", sorted(DATA.glob("*.json"))),
        ("held-out", sorted((DATA / "heldout").glob("*.json"))),
    ):
        m = evaluate(paths, args.verbose)
        print(
            f"{name:9} articles={m['articles']:.0f} expected={m['expected']:.0f} "
            f"predicted={m['predicted']:.0f}  detection P={m['precision']:.3f} "
            f"R={m['recall']:.3f} F1={m['f1']:.3f}  speaker acc={m['speaker_accuracy']:.3f}  "
            f"end-to-end P={m['e2e_precision']:.3f} R={m['e2e_recall']:.3f} F1={m['e2e_f1']:.3f}"
        )


if __name__ == "__main__":
    main()
