"""Speaker noun phrases around cues, their kinds, and pronoun/surname resolution."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from dataclasses import field

from curator.extract.quotes._lexicon import AUXILIARIES
from curator.extract.quotes._lexicon import CUE_VERBS
from curator.extract.quotes._lexicon import DETERMINERS
from curator.extract.quotes._lexicon import FEMALE
from curator.extract.quotes._lexicon import HONORIFICS
from curator.extract.quotes._lexicon import MALE
from curator.extract.quotes._lexicon import NP_PREPOSITIONS
from curator.extract.quotes._lexicon import ORG_HEADS
from curator.extract.quotes._lexicon import ORG_WORDS
from curator.extract.quotes._lexicon import OUTLET_WORDS
from curator.extract.quotes._lexicon import PLACE_WORDS
from curator.extract.quotes._lexicon import PRONOUNS
from curator.extract.quotes._lexicon import ROLE_HEADS
from curator.extract.quotes._lexicon import SENTENCE_CAPS
from curator.extract.quotes._lexicon import SPEECH_ADVERBS
from curator.extract.quotes._lexicon import STOP_LOWER
from curator.extract.quotes._text import Tok
from curator.model import SpeakerKind

_HEADS = ROLE_HEADS | ORG_HEADS
_MAX_NP = 12
_WINDOW = 300  # entities considered for a pronoun or surname (bounds pathological input)
_SUBJECT_REACH = 1500  # characters: how far back a subject beats a nearer object
_SINGULAR_S = frozenset({"spokesperson", "boss", "witness", "press", "campus", "business"})


@dataclass(slots=True, frozen=True)
class NP:
    """A noun phrase: tokens [a, b) of a paragraph, or a pronoun."""

    a: int
    b: int
    pronoun: str | None = None


def _is_head(t: Tok) -> bool:
    return t.cap or t.low in _HEADS or t.low.endswith(("'s", "’s", "s’", "s'"))


def _np_word(t: Tok) -> bool:
    """A token that may sit inside a speaker noun phrase."""
    if t.quote >= 0 or not t.text[0].isalnum():
        return False
    if t.cap:
        return True
    low = t.low
    return not (low in STOP_LOWER or low in CUE_VERBS or low in PRONOUNS or low.isdigit())


def backward_np(toks: list[Tok], j: int, lo: int) -> NP | None:
    """The speaker noun phrase ending at token j (scanning left, not before lo)."""
    while j >= lo and (toks[j].low in AUXILIARIES or toks[j].low in SPEECH_ADVERBS):
        j -= 1
    if j < lo:
        return None
    t = toks[j]
    if t.low in PRONOUNS and t.low not in ("i", "we"):
        return NP(j, j + 1, t.low)
    if t.text == ",":
        return _appositive(toks, j, lo)
    if not _np_word(t):
        return None
    if not _is_head(t) and not (
        j - 2 >= lo and toks[j - 1].low in NP_PREPOSITIONS and toks[j - 2].low in _HEADS
    ):
        return None  # `the ministry of fisheries`: a head before the preposition will do
    k = j
    while k - 1 >= lo and j - k < _MAX_NP:
        p = toks[k - 1]
        if p.quote >= 0:
            # a nickname between names: Dwayne “The Hammer” Kowalski
            if (
                toks[k].cap
                and k - 2 >= lo
                and toks[k - 2].cap
                and toks[k - 2].text not in SENTENCE_CAPS
            ):
                k -= 1
                continue
            break
        if p.low in DETERMINERS:
            k -= 1
            if (
                k - 2 >= lo
                and (toks[k - 1].low in NP_PREPOSITIONS or toks[k - 1].low == "to")
                and _is_head(toks[k - 2])
                and toks[k - 2].text not in SENTENCE_CAPS
            ):
                k -= 1
                continue
            break
        if p.low in NP_PREPOSITIONS or p.low == "to":
            nxt = toks[k]
            if (
                (nxt.cap or nxt.low in DETERMINERS or k == j)
                and k - 2 >= lo
                and _is_head(toks[k - 2])
            ):
                k -= 1
                continue
            break
        if p.cap and p.text in SENTENCE_CAPS:
            break
        if not _np_word(p):
            break
        k -= 1
    # drop leading words that cannot start a noun phrase
    while k < j and _leading_junk(toks[k]):
        k += 1
    return NP(k, j + 1)


def _leading_junk(t: Tok) -> bool:
    return not (t.cap or t.low in DETERMINERS or t.low in _HEADS) and (
        t.low in NP_PREPOSITIONS or t.low == "to" or t.low.endswith("ly")
    )


def _appositive(toks: list[Tok], j: int, lo: int) -> NP | None:
    """`Jane Smith, a spokeswoman for X, said` / `Its secretary, Omar Benali, posted`."""
    if j - 1 < lo or toks[j - 1].quote >= 0:
        return None
    c2 = j - 1
    while c2 >= lo and toks[c2].text != "," and j - c2 < 14:
        if toks[c2].quote >= 0 or toks[c2].text in ".;:":
            return None
        c2 -= 1
    if c2 < lo or toks[c2].text != ",":
        return None
    first = backward_np(toks, c2 - 1, lo)
    seg = NP(c2 + 1, j)
    seg_low = toks[c2 + 1].low
    if seg_low in ("who", "which", "whose", "where", "whom") or seg_low.isdigit():
        return first
    first_named = first is not None and is_person_name(toks, first)
    if not first_named and (
        is_person_name(toks, seg) or all(t.cap for t in toks[seg.a : seg.b]) and seg.b > seg.a
    ):
        return seg
    if first is not None and first.pronoun is None:
        return first
    return seg if _is_head(toks[j - 1]) else None


def forward_np(
    toks: list[Tok], i: int, hi: int, lenient: bool = False, *, whole: bool = False
) -> NP | None:
    """The noun phrase starting at token i (`said Jane Smith, ...`, `according to X`)."""
    if i >= hi:
        return None
    t = toks[i]
    if t.low in PRONOUNS and t.low not in ("i", "we"):
        return NP(i, i + 1, t.low)
    if not (_np_word(t) or t.low in DETERMINERS) or t.low in NP_PREPOSITIONS or t.low == "to":
        return None
    k = i + 1
    while k < hi and k - i < _MAX_NP:
        p = toks[k]
        if p.quote >= 0:
            if toks[k - 1].cap and k + 1 < hi and toks[k + 1].cap:
                k += 1
                continue
            break
        if p.low in NP_PREPOSITIONS or p.low == "to" or (lenient and p.low == "with"):
            if k + 1 < hi and (toks[k + 1].cap or toks[k + 1].low in DETERMINERS or lenient):
                k += 1
                continue
            break
        if lenient and p.text[0].isalnum() and p.low not in CUE_VERBS:
            k += 1
            continue
        if not _np_word(p) or p.low.endswith(("ed", "ly")) and not p.cap:
            break
        k += 1
    # never cut a name: "Penelope Muse Abernathy of the University of North Carolina"
    while k < hi and k > i and toks[k - 1].cap and toks[k].cap and k - i < 2 * _MAX_NP:
        k += 1
    full = k
    while k > i and not lenient and not _is_head(toks[k - 1]):
        k -= 1
    if k == i or whole and k < full and not _between_subject_and_verb(toks[k]):
        return None  # "One campaign video": not "One campaign"
    return NP(i, k)


_NOT_NOUNS = frozenset(
    "neither nor not never also then later still just only again however even already".split()
)


def _between_subject_and_verb(t: Tok) -> bool:
    """A word after a subject that is not part of it ("The spokesperson neither …")."""
    return t.low in _NOT_NOUNS or t.low in SPEECH_ADVERBS or t.low.endswith("ly")


def is_person_name(toks: list[Tok], np: NP) -> bool:
    """Ends in two or more capitalised name-like words, or honorific + name."""
    if np.pronoun is not None or np.b - np.a < 1:
        return False
    run = 0
    k = np.b - 1
    while k >= np.a and (toks[k].cap or toks[k].quote >= 0):
        t = toks[k]
        if t.quote < 0 and (t.text in ORG_WORDS or t.text in OUTLET_WORDS):
            return run >= 2  # "White House Press Secretary Stephanie Grisham"
        if t.text in HONORIFICS and run >= 1:
            return True
        if t.quote < 0 and not (t.text.isupper() and len(t.text) > 1):
            run += 1
        k -= 1
    return run >= 2


def speaker_kind(toks: list[Tok], np: NP) -> SpeakerKind:
    if is_person_name(toks, np):
        return SpeakerKind.PERSON
    words = [t for t in toks[np.a : np.b] if t.quote < 0]
    if not words:
        return SpeakerKind.UNKNOWN
    if any(t.text in ORG_WORDS for t in words):
        head = head_of(words)
        return SpeakerKind.ROLE if head.low in ROLE_HEADS else SpeakerKind.ORGANIZATION
    head = head_of(words)
    if head.low in ROLE_HEADS:
        return SpeakerKind.ROLE
    if head.low in ORG_HEADS:
        return SpeakerKind.ORGANIZATION
    if words[0].text in HONORIFICS and len(words) > 1:
        return SpeakerKind.PERSON
    return SpeakerKind.UNKNOWN


def head_of(words: list[Tok]) -> Tok:
    for i, t in enumerate(words):
        if i > 0 and (t.low in NP_PREPOSITIONS or t.low == "to"):
            return words[i - 1]
    return words[-1]


def _plural(word: str) -> bool:
    return word.endswith("s") and word not in _SINGULAR_S and not word.endswith("ss")


@dataclass(slots=True)
class Entity:
    text: str
    kind: SpeakerKind
    surname: str | None
    pos: int
    plural: bool = False
    gender: str = ""
    head: str = ""  # the head noun, lowercased ("spokesperson" in "a spokesperson for X")
    subject: bool = False  # named as a sentence's subject or as a speaker, not an object


@dataclass(slots=True)
class Entities:
    """Who has been named so far, for pronouns and surnames (article order)."""

    items: list[Entity] = field(default_factory=list)
    cap_positions: dict[str, list[int]] = field(default_factory=dict)
    genders: dict[str, str] = field(default_factory=dict)

    def add(self, ent: Entity) -> Entity:
        self.items.append(ent)
        if ent.gender:
            self.genders.setdefault(ent.text, ent.gender)
        return ent

    def _recency(self, ent: Entity, pos: int) -> int:
        best = ent.pos
        if ent.surname:
            occ = self.cap_positions.get(ent.surname)
            if occ:
                i = bisect_left(occ, pos)
                if i > 0:
                    best = max(best, occ[i - 1])
        return best

    def _subject_mention(self, ent: Entity, pos: int) -> bool:
        """Named alone as a subject since ("Omar asked …" after "Rep. Ilhan Omar")."""
        occ = self.cap_positions.get(ent.surname or "")
        return occ is not None and occ[0] < pos and ent.pos < pos

    def by_surname(self, name: str, pos: int) -> Entity | None:
        best: Entity | None = None
        for ent in self.items[-_WINDOW:]:
            if ent.pos < pos and ent.surname == name and ent.text != name:
                if (
                    best is None
                    or ent.pos > best.pos
                    or ent.pos == best.pos
                    and len(ent.text) > len(best.text)
                ):
                    best = ent
        return best

    def by_head(self, head: str, pos: int) -> Entity | None:
        """The latest longer mention with this head noun: "the spokesperson" → "A
        spokesperson for the Port Authority"."""
        for ent in reversed(self.items[-_WINDOW:]):
            if (
                ent.pos < pos
                and ent.head == head
                and ent.kind in (SpeakerKind.ROLE, SpeakerKind.ORGANIZATION)
                and len(ent.text.split()) > 2
            ):
                return ent
        return None

    def by_pronoun(self, pronoun: str, pos: int) -> Entity | None:
        """The antecedent of a pronoun: the latest compatible subject or speaker when one
        is near ("Sonya Zoghlin, his attorney, told The Hill …" + "she said" → Zoghlin,
        not an object named since), else the latest compatible mention."""
        best = self._by_pronoun(pronoun, pos, subjects_only=True)
        if best is None or pos - self._recency(best, pos) > _SUBJECT_REACH:
            best = self._by_pronoun(pronoun, pos, subjects_only=False)
        want = PRONOUNS[pronoun]
        if best is not None and want in ("m", "f"):
            self.genders.setdefault(best.text, want)
        return best

    def _by_pronoun(self, pronoun: str, pos: int, *, subjects_only: bool) -> Entity | None:
        want = PRONOUNS[pronoun]
        best: Entity | None = None
        best_pos = -1
        for ent in self.items[-_WINDOW:]:
            if subjects_only and not ent.subject and not self._subject_mention(ent, pos):
                continue
            if ent.pos >= pos:
                continue
            if pronoun in ("he", "she"):
                if ent.plural or ent.kind not in (SpeakerKind.PERSON, SpeakerKind.ROLE):
                    continue
                gender = self.genders.get(ent.text, "")
                if gender and gender != want:
                    continue
            elif pronoun == "it" and ent.kind is not SpeakerKind.ORGANIZATION:
                continue
            r = self._recency(ent, pos)
            if (
                r > best_pos
                or r == best_pos
                and best is not None
                and len(ent.text) > len(best.text)
            ):
                best, best_pos = ent, r
        return best


def gender_of(toks: list[Tok], np: NP) -> str:
    for t in toks[np.a : np.b]:
        if t.text in FEMALE or t.low in FEMALE:
            return "f"
        if t.text in MALE or t.low in MALE:
            return "m"
    return ""


def name_mentions(toks: list[Tok]) -> list[NP]:
    """Runs of capitalised name words (`Lena Hartmann`, `Ms. Clara Hughes`) in a paragraph."""
    out: list[NP] = []
    n = len(toks)
    i = 0
    while i < n:
        if not toks[i].cap:
            i += 1
            continue
        j = i
        while j < n and (toks[j].cap or (toks[j].quote >= 0 and j + 1 < n and toks[j + 1].cap)):
            j += 1
        a = i
        for k in range(i, j - 1):  # "BBC’s Emily Maitlis": the owner is not the name
            if toks[k].low.endswith(("’s", "'s")):
                a = k + 1
        while a < j and (
            toks[a].text in SENTENCE_CAPS
            or toks[a].low in _HEADS
            and toks[a].text not in HONORIFICS
            or toks[a].quote >= 0
        ):
            a += 1
        # "White House Press Secretary Stephanie Grisham": the name after the last
        # organisation, place or outlet word
        for k in range(j - 1, a - 1, -1):
            t = toks[k]
            if t.text in HONORIFICS and j - k >= 2:  # "South Dakota Gov. Kristi Noem"
                a = k
                break
            if t.text in ORG_WORDS or t.text in OUTLET_WORDS or t.text in PLACE_WORDS:
                if j - (k + 1) >= 2:
                    a = k + 1
                break
        words = [t for t in toks[a:j] if t.quote < 0]
        preceded_by_the = i > 0 and toks[i - 1].low == "the" or toks[i].text == "The"
        if (
            len(words) >= 2
            and not preceded_by_the
            and not any(
                t.text in ORG_WORDS
                or t.text in PLACE_WORDS
                or t.text in OUTLET_WORDS
                or (t.text.isupper() and len(t.text.rstrip(".")) > 1)  # an acronym, not "E."
                for t in words
            )
        ):
            out.append(NP(a, j))
        i = j + 1
    return out


def find_outlet(text: str, toks: list[Tok], ci: int, hi: int, outlets: list[str]) -> str | None:
    """`told BuzzFeed News`, `in an interview with the Times`: the outlet as written."""
    telling = toks[ci].low in ("told", "tells", "tell", "telling")
    k = ci + 1
    while k < hi and k <= ci + 14:
        t = toks[k]
        if t.quote >= 0 or t.low == "that" or t.text in ":,.;":
            return None
        first = k if (k == ci + 1 and telling) else k + 1 if t.low in ("to", "with") else -1
        if first >= 0:
            j = first + 1 if first < hi and toks[first].low == "the" else first
            e = j
            while e < hi and toks[e].cap:
                e += 1
            if e > j:
                cand = text[toks[first].start : toks[e - 1].end]
                names = [x.text for x in toks[j:e]]
                if any(x in OUTLET_WORDS for x in names) or any(
                    o.split()[0] == names[0] or o.endswith(" " + names[-1]) for o in outlets
                ):
                    outlets.append(cand.removeprefix("the ").removeprefix("The "))
                    return cand
        k += 1
    return None
