"""Article-body extraction: F1 / precision / recall and ms per page on the shared corpus.

Run: .venv/bin/python bench/extraction_eval.py [--bootstrap N] [--seed S] [--no-reference]

Scores ``curator.extract.extract_article`` (the ``text`` of the Article) and, as a
reference, plain ``trafilatura.extract(html, include_comments=False)`` over the 181
pages of ../shared/corpora/article-extraction (the Zyte article-extraction-benchmark),
with that benchmark's metric (see its README.md):

- tokens are ``\\w+`` matches (case and punctuation as they are);
- each text becomes the multiset of its contiguous 4-token shingles (1–3 tokens give
  one short shingle, no tokens give none);
- per page TP/FP/FN are the shared / prediction-only / reference-only shingle counts,
  divided by TP+FP+FN so every page weighs the same;
- precision is the mean of TP/(TP+FP) over pages with a non-empty prediction, recall
  the mean of TP/(TP+FN) over pages with a reference (both empty counts as 1);
  F1 = 2PR/(P+R) of the two means; accuracy is the share of pages whose token
  sequence equals the reference; ± is the standard deviation over bootstrap
  resamples of the pages (fixed seed).

The scoring functions here are also what tests/extract/test_article_corpus.py
gates on (it imports this module). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import statistics
import time
import warnings
from collections import Counter
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "article-extraction"
SHINGLE = 4
N_BOOTSTRAP = 1000
SEED = 20191119

_TOKEN = re.compile(r"\w+")

Counts = tuple[float, float, float]  # normalised TP, FP, FN of one page


@dataclass(frozen=True, slots=True)
class Page:
    id: str
    html: bytes
    reference: str
    url: str


@dataclass(frozen=True, slots=True)
class Scores:
    f1: float
    precision: float
    recall: float
    accuracy: float
    f1_std: float = 0.0
    precision_std: float = 0.0
    recall_std: float = 0.0
    accuracy_std: float = 0.0

    def line(self) -> str:
        return (
            f"F1 {self.f1:.3f} ± {self.f1_std:.3f}  P {self.precision:.3f} ± "
            f"{self.precision_std:.3f}  R {self.recall:.3f} ± {self.recall_std:.3f}  "
            f"accuracy {self.accuracy:.3f} ± {self.accuracy_std:.3f}"
        )


# --- the metric -------------------------------------------------------------------


def tokenize(text: str) -> list[str]:
    return _TOKEN.findall(text)


def shingles(text: str, n: int = SHINGLE) -> Counter[tuple[str, ...]]:
    tokens = tokenize(text)
    if not tokens:
        return Counter()
    if len(tokens) < n:
        return Counter([tuple(tokens)])
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def page_counts(reference: str, prediction: str) -> Counts:
    """Normalised (TP, FP, FN) of one page."""
    ref = shingles(reference)
    pred = shingles(prediction)
    tp = sum((ref & pred).values())
    fp = sum(pred.values()) - tp
    fn = sum(ref.values()) - tp
    total = tp + fp + fn
    if total == 0:
        return (0.0, 0.0, 0.0)
    return (tp / total, fp / total, fn / total)


def _precision(tp: float, fp: float, fn: float) -> float:
    return 1.0 if fp == fn == 0 else tp / (tp + fp)


def _recall(tp: float, fp: float, fn: float) -> float:
    return 1.0 if fp == fn == 0 else tp / (tp + fn)


def aggregate(counts: Sequence[Counts], exact: Sequence[bool]) -> Scores:
    """Corpus scores from per-page counts (no bootstrap)."""
    precisions = [_precision(*c) for c in counts if c[0] + c[1] > 0]
    recalls = [_recall(*c) for c in counts if c[0] + c[2] > 0]
    p = statistics.fmean(precisions) if precisions else 0.0
    r = statistics.fmean(recalls) if recalls else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    accuracy = statistics.fmean(exact) if exact else 0.0
    return Scores(f1=f1, precision=p, recall=r, accuracy=accuracy)


def evaluate(
    references: dict[str, str],
    predictions: dict[str, str],
    *,
    n_bootstrap: int = N_BOOTSTRAP,
    seed: int = SEED,
) -> Scores:
    """The benchmark's scores; a missing prediction counts as the empty string."""
    ids = sorted(references)
    counts = [page_counts(references[i], predictions.get(i) or "") for i in ids]
    exact = [tokenize(references[i]) == tokenize(predictions.get(i) or "") for i in ids]
    scores = aggregate(counts, exact)
    if n_bootstrap < 2:
        return scores
    rng = random.Random(seed)
    samples: list[Scores] = []
    n = len(ids)
    for _ in range(n_bootstrap):
        picks = [rng.randrange(n) for _ in range(n)]
        samples.append(aggregate([counts[k] for k in picks], [exact[k] for k in picks]))
    return Scores(
        f1=scores.f1,
        precision=scores.precision,
        recall=scores.recall,
        accuracy=scores.accuracy,
        f1_std=statistics.stdev(s.f1 for s in samples),
        precision_std=statistics.stdev(s.precision for s in samples),
        recall_std=statistics.stdev(s.recall for s in samples),
        accuracy_std=statistics.stdev(s.accuracy for s in samples),
    )


# --- the corpus and the extractors ---------------------------------------------------


def load_corpus(root: Path = CORPUS) -> list[Page]:
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for page_id in sorted(truth):
        with gzip.open(root / "html" / f"{page_id}.html.gz", "rb") as f:
            html = f.read()
        entry = truth[page_id]
        pages.append(Page(page_id, html, entry.get("articleBody") or "", entry.get("url") or ""))
    return pages


def curator_text(page: Page) -> str:
    from curator.errors import ExtractError
    from curator.extract import extract_article

    try:
        return extract_article(page.html, url=page.url).text
    except ExtractError:
        return ""


def trafilatura_text(page: Page) -> str:
    import trafilatura

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        text = trafilatura.extract(page.html.decode("utf-8"), include_comments=False)
    return text or ""


def run(
    extractor: Callable[[Page], str], pages: Iterable[Page]
) -> tuple[dict[str, str], list[float]]:
    """Predictions by page id and milliseconds per page (one process, one page at a time)."""
    predictions: dict[str, str] = {}
    times: list[float] = []
    for page in pages:
        start = time.perf_counter()
        predictions[page.id] = extractor(page)
        times.append((time.perf_counter() - start) * 1000)
    return predictions, times


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def report(
    name: str, pages: list[Page], extractor: Callable[[Page], str], n_bootstrap: int, seed: int
) -> None:
    extractor(pages[0])  # warm up imports and caches
    predictions, times = run(extractor, pages)
    scores = evaluate(
        {p.id: p.reference for p in pages}, predictions, n_bootstrap=n_bootstrap, seed=seed
    )
    print(f"{name:<12} {scores.line()}")
    print(
        f"{'':<12} median {statistics.median(times):.1f} ms/page, p90 "
        f"{percentile(times, 0.9):.1f} ms/page, total {sum(times) / 1000:.1f} s "
        f"({len(pages)} pages)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", type=int, default=N_BOOTSTRAP)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--no-reference", action="store_true", help="skip plain trafilatura")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()
    if not (args.corpus / "ground-truth.json").exists():
        raise SystemExit(f"corpus not found: {args.corpus}")
    pages = load_corpus(args.corpus)
    report("curator", pages, curator_text, args.bootstrap, args.seed)
    if not args.no_reference:
        report("trafilatura", pages, trafilatura_text, args.bootstrap, args.seed)


if __name__ == "__main__":
    main()
