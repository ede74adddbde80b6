"""Which quotes a draft carries first: the story's principal voices (#9).

``rank_quotes`` orders the quotes a draft may show (the caller passes only quotes that
stood inside quotation marks in the source):

1. attributed quotes before quotes whose speaker is unknown, and no-comment boilerplate
   ("declined to comment", "unable to discuss individual cases", "did not respond")
   after everything else;
2. one quote per speaker before a second from the same speaker (quotes already shown,
   such as the attribution line's, count as that speaker's first);
3. within a round, the principal voices first: speakers named in the headline, then
   in the lede, then the most-quoted speaker;
4. then direct > partial > block quote, newsworthiness (length in the 8–40 word sweet
   spot × confidence), and text order.

A near duplicate (shared words ≥ ``NEAR_DUPLICATE`` of the shorter quote) of a better
quote, or of a quote already shown, is dropped. Speakers are the same voice when their
names match ignoring case, a leading article and a possessive, or when one name ends
the other ("Noem", "Gov. Kristi Noem").
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable
from collections.abc import Sequence

from curator.curate.text import count_words
from curator.curate.text import words
from curator.model import Quote
from curator.model import QuoteKind
from curator.model import SpeakerKind

__all__ = [
    "NEAR_DUPLICATE",
    "SWEET_SPOT",
    "Voices",
    "is_boilerplate",
    "is_known",
    "near_duplicate",
    "newsworthiness",
    "rank_quotes",
]

NEAR_DUPLICATE = 0.7  # shared words / words of the shorter quote
SWEET_SPOT = (8, 40)  # words

_KIND_ORDER = {QuoteKind.DIRECT: 0, QuoteKind.PARTIAL: 1, QuoteKind.BLOCKQUOTE: 2}
_BOILERPLATE_RE = re.compile(
    r"\b(?:no (?:further )?comment|(?:declin|refus)\w*\s+(?:to\s+)?(?:further\s+)?comment"
    r"|(?:unable|not able|cannot|can't|can’t|could not|couldn't|couldn’t|will not|won't|won’t"
    r"|would not|wouldn't|wouldn’t|did not|didn't|didn’t|does not|doesn't|doesn’t|do not"
    r"|don't|don’t)(?:\s+\w+){0,2}?\s+(?:comment|discuss|respond|speculate|be reached)\w*)",
    re.IGNORECASE,
)
_ARTICLES = {"a", "an", "the"}
# Words of a name that do not tell voices apart (titles and roles).
_GENERIC = {
    "ambassador", "attorney", "chairman", "chief", "co", "corp", "department", "dr", "gen",
    "general", "gov", "governor", "inc", "jr", "mr", "mrs", "ms", "news", "office", "president",
    "prof", "rep", "sen", "senator", "spokesman", "spokesperson", "spokeswoman", "sr", "st",
    "u.s", "us",
}  # fmt: skip


def is_known(quote: Quote) -> bool:
    """Whether the quote has a speaker the draft may name."""
    return bool(quote.speaker and quote.speaker.strip()) and (
        quote.speaker_kind is not SpeakerKind.UNKNOWN
    )


def is_boilerplate(text: str) -> bool:
    """A no-comment: "declined to comment", "we are unable to discuss individual cases"."""
    return bool(_BOILERPLATE_RE.search(text))


def newsworthiness(quote: Quote) -> float:
    n = count_words(quote.text)
    low, high = SWEET_SPOT
    fit = 1.0 if low <= n <= high else (n / low if n < low else high / n)
    return fit * quote.confidence


@functools.lru_cache(maxsize=4096)
def _word_set(text: str) -> frozenset[str]:
    return frozenset(w.casefold() for w in words(text))


def near_duplicate(a: str, b: str) -> bool:
    wa, wb = _word_set(a), _word_set(b)
    if not wa or not wb:
        return wa == wb
    return len(wa & wb) / min(len(wa), len(wb)) >= NEAR_DUPLICATE


def _name_words(name: str) -> list[str]:
    found = [w.casefold() for w in words(name)]
    found = [re.sub(r"['’]s$|['’]$", "", w) for w in found]
    while found and found[0] in _ARTICLES:
        found = found[1:]
    return found


def _distinctive(name: str) -> list[str]:
    """The capitalised words of a name that are not titles or roles ("Haley", "State")."""
    found = [re.sub(r"['’]s$", "", w) for w in words(name)]
    return [w for w in found if w[:1].isupper() and w.casefold() not in _GENERIC | _ARTICLES]


def _same_voice(a: list[str], b: list[str]) -> bool:
    if not a or not b:
        return False
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    return long[len(long) - len(short) :] == short and short[-1] not in _GENERIC


class Voices:
    """The speakers of an article's quotes, grouped, with its principal voices."""

    def __init__(self, quotes: Iterable[Quote], *, headline: str = "", lede: str = "") -> None:
        self._names: list[list[str]] = []  # per voice: the longest name's words
        self._written: list[str] = []  # and that name as written
        self._voice: dict[Quote, int] = {}
        counts: Counter[int] = Counter()
        for quote in sorted(quotes, key=lambda q: q.start):
            if not is_known(quote):
                continue
            voice = self._find(quote.speaker or "")
            self._voice[quote] = voice
            if not is_boilerplate(quote.text):
                counts[voice] += 1
        self._level: dict[int, int] = {}  # voice → 0 headline, 1 lede, 2 most quoted
        top = max(counts.values(), default=0)
        for voice, n in counts.items():
            if n == top and n >= 2:
                self._level[voice] = 2
        for level, text in ((1, lede), (0, headline)):
            named = {re.sub(r"['’]s$", "", w) for w in words(text)}
            for voice, name in enumerate(self._written):
                if (distinctive := _distinctive(name)) and distinctive[-1] in named:
                    self._level[voice] = level

    def _find(self, written: str) -> int:
        name = _name_words(written)
        for voice, known in enumerate(self._names):
            if _same_voice(name, known):
                if len(name) > len(known):
                    self._names[voice], self._written[voice] = name, written
                return voice
        self._names.append(name)
        self._written.append(written)
        return len(self._names) - 1

    def voice(self, quote: Quote) -> int | None:
        """The voice of a quote (None for an unknown speaker)."""
        if quote in self._voice:
            return self._voice[quote]
        if not is_known(quote):
            return None
        name = _name_words(quote.speaker or "")
        return next((v for v, n in enumerate(self._names) if _same_voice(name, n)), None)

    def level(self, quote: Quote) -> int:
        """0: the speaker is named in the headline, 1: in the lede, 2: the most quoted
        (at least twice), 3: another voice."""
        voice = self.voice(quote)
        return self._level.get(voice, 3) if voice is not None else 3


def _quality(quote: Quote) -> tuple[int, float, int]:
    return _KIND_ORDER.get(quote.kind, 3), -newsworthiness(quote), quote.start


def rank_quotes(
    quotes: Sequence[Quote], voices: Voices | None = None, shown: Sequence[Quote] = ()
) -> list[Quote]:
    """``quotes`` best first (see the module docstring), near duplicates removed."""
    voices = voices or Voices(quotes)
    kept: list[Quote] = []
    for quote in sorted(
        quotes, key=lambda q: (is_boilerplate(q.text), not is_known(q), _quality(q))
    ):
        if not any(near_duplicate(quote.text, k.text) for k in [*shown, *kept]):
            kept.append(quote)
    rounds: Counter[int | None] = Counter(voices.voice(q) for q in shown)
    keyed = []
    for quote in kept:  # best first within each voice, so a voice's n-th quote is round n
        voice = voices.voice(quote)
        round_ = rounds[voice] if voice is not None else 0
        rounds[voice] += 1
        keyed.append(
            (
                is_boilerplate(quote.text),
                not is_known(quote),
                round_,
                voices.level(quote),
                _quality(quote),
                quote,
            )
        )
    return [k[-1] for k in sorted(keyed, key=lambda k: k[:-1])]
