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
import re
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import news_gold

from curator.extract.pipeline import quotes_of
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


# --- the real-news gold set (tests/data/quotes/news) ----------------------------------

_POSSESSIVE = re.compile(r"[’']s?$")
_DETERMINER = re.compile(r"^(?:a|an|the)\s+", re.IGNORECASE)


def _norm(name: str) -> str:
    name = " ".join(name.replace("’", "'").split())
    return _DETERMINER.sub("", _POSSESSIVE.sub("", name)).casefold().strip(" ,.")


def speaker_matches(predicted: str | None, gold: news_gold.GoldQuote) -> bool:
    """Right speaker: the same name or role as the annotation, its resolution or an alias.

    A predicted name also counts when it contains, or is contained in, an accepted one
    at word boundaries and the shared part has a capitalised word ("veteran industry
    analyst Ken Doctor" / "Ken Doctor", "Noem" / "Kristi Noem"): the same person named
    more or less fully. Both unknown counts as right; one unknown as wrong.
    """
    accepted = [x for x in (gold.speaker, gold.resolved, *gold.aliases) if x]
    if predicted is None or not accepted:
        return predicted is None and not accepted
    mine = _norm(predicted)
    for name in accepted:
        theirs = _norm(name)
        if mine == theirs:
            return True
        shorter, longer = sorted((mine, theirs), key=len)
        if shorter and re.search(rf"(?:^|\W){re.escape(shorter)}(?:\W|$)", longer):
            original = predicted if len(mine) <= len(theirs) else name
            if any(w[:1].isupper() for w in original.split()[-2:]):
                return True
    return False


@dataclass
class Tally:
    predicted: int = 0
    expected: int = 0
    matched_predicted: int = 0
    matched_expected: int = 0
    right_predicted: int = 0  # matched and right speaker
    right_expected: int = 0

    def scores(self) -> dict[str, float]:
        def ratio(a: int, b: int) -> float:
            return a / b if b else 0.0

        def f1(p: float, r: float) -> float:
            return 2 * p * r / (p + r) if p + r else 0.0

        p = ratio(self.matched_predicted, self.predicted)
        r = ratio(self.matched_expected, self.expected)
        ep = ratio(self.right_predicted, self.predicted)
        er = ratio(self.right_expected, self.expected)
        return {"P": p, "R": r, "F1": f1(p, r), "e2e P": ep, "e2e R": er, "e2e F1": f1(ep, er)}


def evaluate_news(which: str, verbose: bool = False) -> dict[str, object]:
    kinds = {k: Tally() for k in news_gold.KINDS}
    attributed = right = unknown_marked = marked = 0
    ids = news_gold.annotated(which)
    for page_id in ids:
        page = news_gold.load(page_id)
        text = page.article.text
        predicted = quotes_of(page.article).quotes
        expected = [Expected(q.start, q.end, q.kind, q.speaker) for q in page.quotes]
        pairs = match(predicted, expected)
        by_pred = dict(pairs)
        by_exp = {j: i for i, j in pairs}
        for i, quote in enumerate(predicted):
            tally = kinds[quote.kind]
            tally.predicted += 1
            if i in by_pred:
                tally.matched_predicted += 1
                gold = page.quotes[by_pred[i]]
                ok = speaker_matches(quote.speaker, gold)
                tally.right_predicted += ok
                if quote.kind in ("direct", "partial"):
                    marked += 1
                    unknown_marked += quote.speaker is None
                if quote.kind == "direct" and quote.speaker is not None:
                    attributed += 1
                    right += ok
                if verbose and not ok:
                    print(
                        f"  {page_id[:12]} speaker {quote.speaker!r} != "
                        f"{gold.resolved or gold.speaker!r}  ({quote.kind}) {quote.text[:60]!r}"
                    )
            elif verbose:
                print(
                    f"  {page_id[:12]} extra  {quote.kind}: {quote.text[:70]!r} [{quote.speaker}]"
                )
        for j, gold in enumerate(page.quotes):
            tally = kinds[gold.kind]
            tally.expected += 1
            if j in by_exp:
                tally.matched_expected += 1
                tally.right_expected += speaker_matches(predicted[by_exp[j]].speaker, gold)
            elif verbose:
                print(
                    f"  {page_id[:12]} missed {gold.kind}: {text[gold.start : gold.end][:70]!r} "
                    f"[{gold.resolved}]"
                )
    return {
        "pages": len(ids),
        "kinds": {k: (t.expected, t.predicted, t.scores()) for k, t in kinds.items()},
        "speaker_precision": right / attributed if attributed else 0.0,
        "attributed_direct": attributed,
        "unknown_share": unknown_marked / marked if marked else 0.0,
    }


def print_news(which: str, verbose: bool) -> None:
    m = evaluate_news(which, verbose)
    print(
        f"news {which:8} pages={m['pages']}  speaker precision (attributed direct) "
        f"{m['speaker_precision']:.3f} of {m['attributed_direct']}  "
        f"unknown speaker share (matched direct+partial) {m['unknown_share']:.3f}"
    )
    kinds = m["kinds"]
    assert isinstance(kinds, dict)
    for kind, (n_exp, n_pred, sc) in kinds.items():
        print(
            f"   {kind:10} expected={n_exp:3} predicted={n_pred:3}  content P={sc['P']:.3f} "
            f"R={sc['R']:.3f} F1={sc['F1']:.3f}  end-to-end P={sc['e2e P']:.3f} "
            f"R={sc['e2e R']:.3f} F1={sc['e2e F1']:.3f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--verbose", "-v", action="store_true", help="list misses")
    parser.add_argument(
        "--news",
        choices=("dev", "heldout", "all", "none"),
        default="dev",
        help="which split of the real-news gold set to score (held-out: only at the start "
        "and the end of a tuning round)",
    )
    args = parser.parse_args()
    print(f"quote engine {ENGINE_VERSION}")
    if args.news != "none" and news_gold.corpus_available():
        for which in ("dev", "heldout") if args.news == "all" else (args.news,):
            print_news(which, args.verbose)
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
