"""Golden cases: the exact quote set of every tuned article, and F1 floors (#4)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from curator.extract.quotes import find_quotes

from .golden import HELDOUT
from .golden import TUNED
from .golden import load

BENCH = Path(__file__).resolve().parents[3] / "bench" / "quotes_eval.py"


def _norm(value: str | None) -> str | None:
    return value.casefold() if value is not None else None


def test_golden_set_is_big_enough() -> None:
    cases = [load(p) for p in TUNED + HELDOUT]
    assert len(cases) >= 40
    assert sum(len(c.quotes) for c in cases) >= 150
    assert len(HELDOUT) >= len(cases) // 4


@pytest.mark.parametrize("path", TUNED, ids=lambda p: p.stem)
def test_golden_article(path: Path) -> None:
    case = load(path)
    got = find_quotes(case.text, case.blocks)
    actual = [(q.text, _norm(q.speaker), q.kind.value, _norm(q.cue), q.outlet) for q in got]
    expected = [
        (q["text"], _norm(q["speaker"]), q["kind"], _norm(q["cue"]), q["outlet"])
        for q in sorted(case.quotes, key=lambda q: case.span(q)[0])
    ]
    assert actual == expected


@pytest.mark.parametrize("path", TUNED + HELDOUT, ids=lambda p: p.stem)
def test_offsets_are_exact(path: Path) -> None:
    case = load(path)
    for q in find_quotes(case.text, case.blocks):
        assert case.text[q.start : q.end] == q.text
        assert 0.0 <= q.confidence <= 1.0


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("quotes_eval", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("quotes_eval", module)
    spec.loader.exec_module(module)
    return module


def test_eval_gate_tuned() -> None:
    m = _bench().evaluate(TUNED)
    assert m["f1"] >= 0.98
    assert m["e2e_f1"] >= 0.95


def test_eval_gate_heldout() -> None:
    m = _bench().evaluate(HELDOUT)
    assert m["precision"] >= 0.95
    assert m["f1"] >= 0.93
    assert m["e2e_f1"] >= 0.90
