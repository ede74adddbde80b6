"""The attribution line: a full sentence saying who said what (#5, #9).

``attribution_line`` renders one quote as a sentence with closing punctuation. Only
words that stood inside quotation marks in the source are put inside marks:

- a **direct** or **block** quote: ``<Speaker> <verb>, “<words>”`` — the verb is the
  quote's cue ("tweeted", "wrote"; a participle such as "saying" becomes "said"; "told"
  names the outlet when the quote has one), else "said";
- a **partial** quote keeps enough of its sentence to read: the source's words from the
  cue to the opening mark, at most ``BRIDGE_MAX_WORDS`` ("<Speaker> said in mid-April
  that the reports of this abuse “cannot be ignored”."), else the words after the
  last "that" ("<Speaker> said that its forces are likely to remain “for several more
  years”."); without either the quote cannot be read alone and ``render`` gives None;
- **indirect** speech is attributed paraphrase, without marks: the source's words from
  the cue ("<Speaker> told The Hill in a statement that her client did not intend …."),
  else "<Speaker> said that …".

A final "." goes after the closing mark unless the words end with "?", "!" or a full
stop of their own (direct quotes).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from curator.curate.text import count_words
from curator.curate.text import name_key
from curator.curate.text import sentence_spans
from curator.model import Quote
from curator.model import QuoteKind

__all__ = ["BRIDGE_MAX_WORDS", "attribution_line", "render", "told_source"]

BRIDGE_MAX_WORDS = 20  # source words kept between the cue and a partial quote
LEAD_IN_MAX_WORDS = 12  # source words kept between the cue and indirect speech

_OPENING = "“‘\"'«„‹"
_MARKS_RE = re.compile(r"[“”\"«»„]")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_FINITE = {
    "acknowledging": "acknowledged",
    "adding": "added",
    "admitting": "admitted",
    "announcing": "announced",
    "arguing": "argued",
    "asking": "asked",
    "calling": "called",
    "claiming": "claimed",
    "declaring": "declared",
    "describing": "described",
    "explaining": "explained",
    "insisting": "insisted",
    "noting": "noted",
    "posting": "posted",
    "promising": "promised",
    "quipping": "quipped",
    "recalling": "recalled",
    "replying": "replied",
    "saying": "said",
    "stating": "stated",
    "suggesting": "suggested",
    "telling": "told",
    "tweeting": "tweeted",
    "urging": "urged",
    "vowing": "vowed",
    "warning": "warned",
    "writing": "wrote",
}
# First words of reported speech written in lower case after "said that".
_LOWER = {"a", "about", "after", "all", "almost", "an", "as", "at", "because", "before", "for",
          "he", "her", "his", "if", "in", "it", "its", "many", "more", "most", "nearly", "no",
          "on", "only", "our", "she", "some", "that", "the", "their", "there", "these", "they",
          "this", "those", "we", "when", "while"}  # fmt: skip


def told_source(quote: Quote, names: Sequence[str]) -> int:
    """0: the quote was told to the source's outlet ("told BuzzFeed News"); 1: given to
    it otherwise ("said in an email to BuzzFeed News"); 2: neither."""
    key = name_key(quote.outlet or "")
    ours = bool(key) and any(
        (other := name_key(n)) and (other == key or other.startswith(key + " ")) for n in names
    )
    if not ours:
        return 2
    return 0 if (quote.cue or "").casefold().startswith("told") else 1


def _finite(cue: str) -> str | None:
    """The cue as a finite verb ("saying" → "said"); None when there is none."""
    word = " ".join(cue.split())
    folded = word.casefold()
    if folded in _FINITE:
        return _FINITE[folded]
    if not re.fullmatch(r"[a-z]+(?: [a-z]+)*", folded) or folded.endswith("ing"):
        return None
    if folded.startswith("according"):
        return None
    return word


def _speaker(quote: Quote) -> str:
    speaker = " ".join((quote.speaker or "").split())
    return speaker[:1].upper() + speaker[1:]


def _sentence(text: str, position: int) -> tuple[int, int]:
    """The sentence of ``text`` holding ``position`` (within its paragraph)."""
    start = max((m.end() for m in _PARAGRAPH_BREAK.finditer(text, 0, position)), default=0)
    following = _PARAGRAPH_BREAK.search(text, position)
    end = following.start() if following else len(text)
    for s, e in sentence_spans(text, start, end):
        if s <= position < e:
            return s, e
    return start, end


def _balanced(words: str) -> bool:
    """Whether every double quotation mark in ``words`` is paired (apostrophes aside)."""
    marks = _MARKS_RE.findall(words)
    opening = sum(m in "“«„" for m in marks)
    return opening * 2 == len(marks) - marks.count('"') and marks.count('"') % 2 == 0


def _lead_in(quote: Quote, text: str, before: int, most: int) -> tuple[str, str] | None:
    """(finite verb, the source's words between the cue and ``before``) when the cue
    stands before the quote in its sentence."""
    if not quote.cue or not quote.cue.strip():
        return None
    start, _ = _sentence(text, quote.start)
    cue = re.compile(rf"\b{re.escape(' '.join(quote.cue.split()))}\b", re.IGNORECASE)
    found = list(cue.finditer(text, start, before))
    if not found:
        return None
    verb = _finite(found[-1].group(0))
    between = " ".join(text[found[-1].end() : before].split())
    if verb is None or count_words(between) > most or not _balanced(between):
        return None
    return verb, between


def _after_that(quote: Quote, text: str, before: int) -> str | None:
    start, _ = _sentence(text, quote.start)
    found = list(re.finditer(r"\bthat\b", text[start:before]))
    if not found:
        return None
    between = " ".join(text[start + found[-1].end() : before].split())
    if count_words(between) > BRIDGE_MAX_WORDS or not _balanced(between):
        return None
    return between


def _close(words: str, marked: bool) -> str:
    """Closing punctuation: after the closing mark unless the words end a sentence."""
    if marked:
        ends = words.endswith(("?", "!")) or words.endswith((".", "…"))
        return f"“{words}”" if ends else f"“{words}”."
    return words if words.endswith((".", "?", "!", "…")) else f"{words}."


def _join(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def render(quote: Quote, text: str) -> str | None:
    """The attribution sentence for ``quote`` in ``text``; None when the quote cannot be
    read on its own (a partial quote whose sentence gives no lead-in)."""
    speaker = _speaker(quote)
    body = " ".join(quote.text.split())
    if quote.kind in (QuoteKind.DIRECT, QuoteKind.BLOCKQUOTE):
        verb = _finite(quote.cue or "") or "said"
        if verb.casefold().startswith("told"):
            verb = f"told {quote.outlet}" if quote.outlet else "said"
        body = re.sub(r"[,;:]([’'”\"]*)$", r"\1", body)  # ‘…attention,’” → ‘…attention’”
        return f"{speaker} {verb}, {_close(body, marked=True)}"
    if quote.kind is QuoteKind.PARTIAL:
        opening = quote.start - 1
        if not (0 <= opening < len(text) and text[opening] in _OPENING):
            return None
        words = body.rstrip(".,;:").rstrip()
        if lead := _lead_in(quote, text, opening, BRIDGE_MAX_WORDS):
            return f"{_join(speaker, *lead)} {_close(words, marked=True)}"
        if (between := _after_that(quote, text, opening)) is not None:
            return f"{_join(speaker, 'said that', between)} {_close(words, marked=True)}"
        return None
    words = body.rstrip(".,;:").rstrip()
    if lead := _lead_in(quote, text, quote.start, LEAD_IN_MAX_WORDS):
        return _close(_join(speaker, *lead, words), marked=False)
    first = words.split(" ", 1)[0]
    if first.casefold() in _LOWER:
        words = first.casefold() + words[len(first) :]
    return _close(_join(speaker, "said that", words), marked=False)


def attribution_line(quote: Quote, text: str) -> str:
    """The attribution sentence for ``quote`` (``render``, else "<Speaker> said “…”.")."""
    line = render(quote, text)
    if line is not None:
        return line
    words = " ".join(quote.text.split()).rstrip(".,;:").rstrip()
    return f"{_speaker(quote)} said {_close(words, marked=True)}"
