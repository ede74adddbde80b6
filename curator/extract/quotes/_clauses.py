"""Pure checks on token runs: non-speech quotations and reported-speech clauses."""

from __future__ import annotations

import re

from curator.extract.quotes._lexicon import CLAUSE_AUX
from curator.extract.quotes._lexicon import CUE_VERBS
from curator.extract.quotes._lexicon import DETERMINERS
from curator.extract.quotes._lexicon import KNOWN_AS
from curator.extract.quotes._lexicon import PRONOUNS
from curator.extract.quotes._lexicon import SENTENCE_CAPS
from curator.extract.quotes._lexicon import WORK_WORDS
from curator.extract.quotes._lexicon import ZERO_THAT_CUES
from curator.extract.quotes._marks import Mark
from curator.extract.quotes._text import Tok

WORD = re.compile(r"[^\W_]+(?:[’'][^\W_]+)*")
_TITLE_SMALL = frozenset("a an the of and or for to in on at by with from as vs nor but".split())


def not_speech(text: str, toks: list[Tok], qi: int, mark: Mark, cued_after: bool) -> bool:
    """Titles, names, terms and nicknames in quotation marks."""
    quoted = text[mark.start : mark.end]
    for k in range(max(0, qi - 3), qi):
        if toks[k].low in WORK_WORDS:
            return True
    before = text[max(0, mark.open_start - 40) : mark.open_start]
    if KNOWN_AS.search(before):
        return True
    words = WORD.findall(quoted)
    if not words:
        return True
    nxt = toks[qi + 1] if qi + 1 < len(toks) else None
    prev = toks[qi - 1] if qi > 0 else None
    if (
        len(words) <= 3
        and quoted[-1] not in ".?!"
        and "," not in text[mark.end : mark.close_end]
        and prev is not None
        and prev.text[0].isalpha()
        and nxt is not None
        and nxt.cap
        and nxt.text not in SENTENCE_CAPS
        and words[0][0].isupper()
    ):
        return True  # Dwayne “The Rock” Johnson
    if not cued_after and len(words) <= 10 and quoted[-1] not in "?!":
        if all(w[0].isupper() or w[0].isdigit() or w in _TITLE_SMALL for w in words):
            prev_text = toks[qi - 1].text if qi > 0 else ""
            if prev_text != ":" and not (len(words) > 3 and prev_text == ","):
                return True  # Title Case: a title or a name
    return False


def that_clause(toks: list[Tok], k: int, end: int) -> tuple[int, int] | None:
    for j in range(k + 1, min(end, k + 14)):
        t = toks[j]
        if t.low == "that":
            return (j + 1, end) if end - j > 3 else None
        if t.quote >= 0 or t.text in ",:;" or t.low in CUE_VERBS or t.low == "and":
            break
    if toks[k].low not in ZERO_THAT_CUES or k + 1 >= end:
        return None
    first = toks[k + 1]
    if not first.word or first.low in ("in", "on", "at", "to", "that", "it's", "goodbye", "so"):
        return None
    if first.cap and first.low not in PRONOUNS and first.low not in DETERMINERS:
        return None
    for j in range(k + 1, min(end, k + 7)):
        low = toks[j].low
        if low in CLAUSE_AUX or low.endswith(
            ("n’t", "n't", "’ve", "'ve", "’s", "’re", "’ll", "’d")
        ):
            return (k + 1, end)
        if j > k + 1 and toks[k + 1].low in PRONOUNS and low.endswith("ed"):
            return (k + 1, end)
        if toks[j].text in ",;:" or toks[j].quote >= 0:
            break
    return None


def trailing_clause(toks: list[Tok], k: int, s0: int, end: int) -> tuple[int, int] | None:
    """`The vote passed 61 to 40, officials said.`"""
    tail = end - k - 1
    if tail > 4:
        return None
    for j in range(k + 1, end):
        if toks[j].quote >= 0 or toks[j].text in ",;:":
            return None
    c = k - 1
    while c > s0 and toks[c].text != ",":
        if toks[c].quote >= 0 or k - c > 8:
            return None
        c -= 1
    if toks[c].text != "," or c - s0 < 4:
        return None
    if toks[s0].quote >= 0:
        return None
    return (s0, c)
