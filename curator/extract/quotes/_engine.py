"""The quote engine: quotation marks, cues, speakers, indirect speech, block quotes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from curator.extract.quotes._clauses import WORD as _WORD
from curator.extract.quotes._clauses import not_speech
from curator.extract.quotes._clauses import that_clause
from curator.extract.quotes._clauses import trailing_clause
from curator.extract.quotes._lexicon import AUXILIARIES
from curator.extract.quotes._lexicon import CUE_VERBS
from curator.extract.quotes._lexicon import HONORIFICS
from curator.extract.quotes._lexicon import INDIRECT_CUES
from curator.extract.quotes._lexicon import INVERTIBLE
from curator.extract.quotes._lexicon import PARTICIPLES
from curator.extract.quotes._lexicon import PLACE_WORDS
from curator.extract.quotes._lexicon import ROLE_HEADS
from curator.extract.quotes._lexicon import SENTENCE_CAPS
from curator.extract.quotes._lexicon import SPEECH_ADVERBS
from curator.extract.quotes._marks import Mark
from curator.extract.quotes._marks import find_marks
from curator.extract.quotes._marks import trim
from curator.extract.quotes._speakers import NP
from curator.extract.quotes._speakers import Entities
from curator.extract.quotes._speakers import Entity
from curator.extract.quotes._speakers import backward_np
from curator.extract.quotes._speakers import find_outlet
from curator.extract.quotes._speakers import forward_np
from curator.extract.quotes._speakers import gender_of
from curator.extract.quotes._speakers import head_of
from curator.extract.quotes._speakers import is_person_name
from curator.extract.quotes._speakers import name_mentions
from curator.extract.quotes._speakers import speaker_kind
from curator.extract.quotes._text import QUOTE_CHAR
from curator.extract.quotes._text import Tok
from curator.extract.quotes._text import paragraphs
from curator.extract.quotes._text import sentences
from curator.extract.quotes._text import tokenize
from curator.model import Block
from curator.model import BlockKind
from curator.model import Quote
from curator.model import QuoteKind
from curator.model import SpeakerKind

_PARAGRAPH_SPLIT = re.compile(r"\n[ \t\u00a0]*\n")
_STRAY_MARKS = re.compile(r"[“”\"«»„]|``|''")
_QUOTED_BLOCKS = (BlockKind.BLOCKQUOTE, BlockKind.TWEET)
_NOT_CUE_AFTER = {
    "call": ("for", "on", "off", "up", "in"),
    "post": ("a", "an", "the", "its", "their"),
}
_DASH_SIGNATURE = re.compile(r"[—–-]\s*([A-Z][\w.’'-]*(?:\s+[A-Z][\w.’'-]*){0,3})\s*(?:\(@\w+\)|$)")


@dataclass(slots=True)
class _Para:
    start: int
    end: int
    kind: BlockKind
    toks: list[Tok]
    sents: list[tuple[int, int]]


@dataclass(slots=True)
class _Speaker:
    text: str | None
    kind: SpeakerKind
    cue: str
    outlet: str | None
    resolved: bool  # came from a pronoun or a surname


@dataclass(slots=True)
class _Found:
    start: int
    end: int
    kind: QuoteKind
    speaker: _Speaker | None
    para: int
    confidence: float
    continuation: bool = False


def _words(text: str) -> int:
    return len(_WORD.findall(text))


_POSSESSIVE = re.compile(r"[’']s?$")
_MAX_APPOSITIVE = 40  # tokens between "Name," and ", said"
_NAME_SUFFIXES = frozenset({"Jr.", "Sr.", "Jr", "Sr", "II", "III", "IV"})
_SUBJECT_BEFORE = frozenset({"and", "but", "while", "as", "when", "because", "so", "then"})


def _subject_position(toks: list[Tok], a: int, b: int) -> bool:
    """A name that opens a clause and is not a possessive ("Taylor Swift posted", not
    "accusing Big Machine", not "Jeanine Pirro’s comments")."""
    if toks[b - 1].low.endswith(("’s", "'s", "s’", "s'")):
        return False
    # walk back over the name's premodifiers: "Green Party leader Maja Holt was …"
    while a > 0 and (
        toks[a - 1].cap
        and toks[a - 1].text not in SENTENCE_CAPS
        or toks[a - 1].low in ROLE_HEADS
        or toks[a - 1].low in ("the", "a", "an")
    ):
        a -= 1
    if a == 0:
        return True
    prev = toks[a - 1]
    return (
        prev.quote >= 0
        or prev.text in ",;:.!?(—–"
        or prev.low in _SUBJECT_BEFORE
        or prev.low in INVERTIBLE  # "…, said Mary E. Lovely": the speaker
    )


class _Engine:
    def __init__(self, text: str, blocks: Sequence[Block]) -> None:
        self.text = text
        spans = [s for s in paragraphs(text, blocks) if s[2] is not BlockKind.HEADING]
        self.marks: list[Mark] = find_marks(text, [(s, e) for s, e, _ in spans])
        pieces: list[str] = []
        pos = 0
        quote_at: dict[int, int] = {}
        for mi, m in enumerate(self.marks):
            pieces.append(text[pos : m.open_start])
            pieces.append(QUOTE_CHAR * (m.close_end - m.open_start))
            pos = m.close_end
            for pi in range(m.first_para, m.last_para + 1):
                quote_at[max(m.open_start, spans[pi][0])] = mi
        pieces.append(text[pos:])
        masked = "".join(pieces)
        ends = [text[m.end - 1] in ".?!" for m in self.marks]
        self.paras: list[_Para] = []
        for s, e, kind in spans:
            toks = tokenize(masked, s, e, quote_at)
            self.paras.append(_Para(s, e, kind, toks, sentences(toks, ends)))
        self.entities = Entities()
        for para in self.paras:
            ptoks = para.toks
            for i, t in enumerate(ptoks):
                if (
                    t.cap
                    and not (i > 0 and ptoks[i - 1].cap)
                    and not (i + 1 < len(ptoks) and ptoks[i + 1].cap)
                    and _subject_position(ptoks, i, i + 1)
                ):
                    self.entities.cap_positions.setdefault(t.text, []).append(t.start)
            for np in name_mentions(para.toks):
                self._register(
                    para.toks, np, SpeakerKind.PERSON, subject=_subject_position(ptoks, np.a, np.b)
                )
        self.outlets: list[str] = []
        self.found: list[_Found] = []
        self.cue_cache: dict[tuple[int, int, int], _Speaker | None] = {}

    # --- speakers -------------------------------------------------------------------

    def _register(
        self, toks: list[Tok], np: NP, kind: SpeakerKind, *, subject: bool = True
    ) -> Entity:
        text = _POSSESSIVE.sub("", self.text[toks[np.a].start : toks[np.b - 1].end])
        last = toks[np.b - 1]
        if last.text in _NAME_SUFFIXES and np.b - 2 >= np.a:  # Patrick Carlineo Jr.
            last = toks[np.b - 2]
        head = last.low
        words = [t for t in toks[np.a : np.b] if t.quote < 0]
        return self.entities.add(
            Entity(
                text=text,
                kind=kind,
                surname=_POSSESSIVE.sub("", last.text) if kind is SpeakerKind.PERSON else None,
                subject=subject,
                pos=toks[np.b - 1].start,
                plural=kind is not SpeakerKind.PERSON
                and head.endswith("s")
                and head != "spokesperson"
                and not head.endswith(("ss", "’s", "'s")),
                gender=gender_of(toks, np),
                head=head_of(words).low if words else head,
            )
        )

    def _resolve(self, toks: list[Tok], np: NP) -> tuple[str | None, SpeakerKind, bool]:
        pos = toks[np.a].start
        if np.pronoun is not None:
            ent = self.entities.by_pronoun(np.pronoun, pos)
            if ent is None:
                return None, SpeakerKind.UNKNOWN, True
            if ent.surname:  # "she" after "Councillor Nandakumar": the full name
                mention = set(ent.text.split())
                fuller = [
                    e
                    for e in self.entities.items
                    if e.surname == ent.surname and e.pos < pos and mention < set(e.text.split())
                ]
                ent = max(fuller, key=lambda e: len(e.text), default=ent)
            self.entities.add(
                Entity(ent.text, ent.kind, ent.surname, pos, ent.plural, subject=True)
            )
            return ent.text, ent.kind, True
        words = [t for t in toks[np.a : np.b] if t.quote < 0]
        titled = len(words) == 2 and (
            words[0].text in HONORIFICS or words[0].text.lower() in ROLE_HEADS
        )
        if len(words) == 1 or titled:  # "Haley", "Mayor Feld", "Commissioner Voss"
            if words[-1].cap:
                ent = self.entities.by_surname(words[-1].text, pos)
                if ent is not None:
                    self.entities.add(
                        Entity(ent.text, ent.kind, ent.surname, pos, ent.plural, subject=True)
                    )
                    return ent.text, ent.kind, True
        if len(words) == 2 and words[0].low == "the":
            ent = self.entities.by_head(words[1].low, pos)
            if ent is not None:
                self.entities.add(
                    Entity(
                        ent.text,
                        ent.kind,
                        ent.surname,
                        pos,
                        ent.plural,
                        head=ent.head,
                        subject=True,
                    )
                )
                return ent.text, ent.kind, True
        kind = speaker_kind(toks, np)
        ent = self._register(toks, np, kind)
        return ent.text, kind, False

    def _is_cue(self, toks: list[Tok], k: int) -> bool:
        t = toks[k]
        if t.low == "according":
            return k + 1 < len(toks) and toks[k + 1].low == "to"
        if t.low not in CUE_VERBS:
            return False
        nxt = toks[k + 1].low if k + 1 < len(toks) else ""
        for stem, bad in _NOT_CUE_AFTER.items():
            if t.low.startswith(stem) and nxt in bad:
                return False
        return not (t.text[0].isupper() and t.low not in ("according",) and k > 0)

    def _cue_speaker(self, pi: int, ci: int, lo: int, hi: int) -> _Speaker | None:
        key = (pi, ci, lo)
        if key in self.cue_cache:
            return self.cue_cache[key]
        toks = self.paras[pi].toks
        cue_tok = toks[ci]
        np: NP | None = None
        cue_end = ci + 1
        if cue_tok.low == "according":
            cue_end = ci + 2
            np = forward_np(toks, ci + 2, hi, lenient=True)
            if np is not None and np.b + 1 < hi and toks[np.b].text == ",":
                e = np.b + 1
                while e < hi and toks[e].text not in ",.;:" and toks[e].quote < 0:
                    e += 1
                app = NP(np.b + 1, e)
                if e < hi and toks[e].text == "," and is_person_name(toks, app):
                    np = app
        else:
            if ci - 1 >= lo:
                np = backward_np(toks, ci - 1, lo)
            prev = toks[ci - 1] if ci - 1 >= lo else None
            if (
                np is None
                and cue_tok.low in INVERTIBLE
                and (prev is None or prev.quote >= 0 or prev.text in ",:")
            ):
                np = forward_np(toks, ci + 1, hi)
                if np is not None:
                    cue_end = np.b
            if np is None and (
                cue_tok.low in PARTICIPLES or (prev is not None and prev.low in ("and", ","))
            ):
                inherited = self._inherit(pi, ci, lo)
                self.cue_cache[key] = inherited
                return inherited
        spk: _Speaker | None = None
        if np is not None:
            name, kind, resolved = self._resolve(toks, np)
            cue = (
                self.text[cue_tok.start : toks[cue_end - 1].end]
                if cue_tok.low == "according"
                else cue_tok.text
            )
            if name is not None:
                spk = _Speaker(
                    name,
                    kind,
                    cue,
                    find_outlet(self.text, toks, cue_end - 1, hi, self.outlets),
                    resolved,
                )
        self.cue_cache[key] = spk
        return spk

    def _inherit(self, pi: int, ci: int, lo: int) -> _Speaker | None:
        toks = self.paras[pi].toks
        for k in range(ci - 1, max(lo, ci - 60) - 1, -1):
            if self._is_cue(toks, k):
                prior = self._cue_speaker(pi, k, lo, ci)
                if prior is not None:
                    return _Speaker(
                        prior.text, prior.kind, toks[ci].text, prior.outlet, prior.resolved
                    )
        subj = forward_np(toks, lo, ci, lenient=False, whole=True)
        if subj is None or subj.b > ci:
            return None
        name, kind, resolved = self._resolve(toks, subj)
        if name is None:
            return None
        return _Speaker(name, kind, toks[ci].text, None, resolved)

    # --- quotations -----------------------------------------------------------------

    def _after_cue(self, toks: list[Tok], qi: int) -> int:
        k = qi + 1
        n = len(toks)
        if k < n and toks[k].text == ",":
            k += 1
        for _ in range(9):
            if k >= n:
                return -1
            t = toks[k]
            if self._is_cue(toks, k) and t.low not in PARTICIPLES:
                return k
            if t.quote >= 0 or not (t.text[0].isalnum() or t.text == "’"):
                return -1
            if t.low in ("and", "but", "that", "which", "who", "is", "was", "are", "were"):
                return -1
            k += 1
        return -1

    def _appositive_after(self, pi: int, qi: int) -> _Speaker | None:
        """“…,” Howard Gleckman, a senior fellow at X in Washington, D.C., has written."""
        toks = self.paras[pi].toks
        n = len(toks)
        k = qi + 1
        if k < n and toks[k].text == ",":
            k += 1
        np = forward_np(toks, k, n)
        if np is None or np.b >= n or toks[np.b].text != "," or not is_person_name(toks, np):
            return None
        j = np.b + 1
        while j < n and j - np.b <= _MAX_APPOSITIVE:
            t = toks[j]
            if t.quote >= 0 or t.text in ".;:!?":
                return None
            if t.text == ",":
                c = j + 1
                while c < n and (toks[c].low in AUXILIARIES or toks[c].low in SPEECH_ADVERBS):
                    c += 1
                if c < n and self._is_cue(toks, c) and toks[c].low not in PARTICIPLES:
                    name, kind, resolved = self._resolve(toks, np)
                    if name is None:
                        return None
                    outlet = find_outlet(self.text, toks, c, n, self.outlets)
                    return _Speaker(name, kind, toks[c].text, outlet, resolved)
            j += 1
        return None

    def _quote_in_sentence(self, pi: int, qi: int, s0: int, s1: int) -> None:
        para = self.paras[pi]
        toks = para.toks
        mark = self.marks[toks[qi].quote]
        spk: _Speaker | None = None
        explicit = False
        cued_after = False
        # 1. attribution right after the closing mark: “…,” she said / said Smith
        last = self.paras[mark.last_para]
        lq = qi
        if mark.multi:
            lq = next((i for i, t in enumerate(last.toks) if t.quote == toks[qi].quote), -1)
        # “… ignored.” Voss added …: a quote that ends its sentence belongs to a cue
        # before it in that sentence (X said that “…”), not to the next sentence's.
        ends_sentence = self.text[mark.start : mark.end].rstrip()[-1:] == "."
        if ends_sentence and any(
            self._is_cue(toks, k) for k in range(qi - 1, max(s0, qi - 40) - 1, -1)
        ):
            lq = -1
        if lq >= 0:
            ck = self._after_cue(last.toks, lq)
            if ck >= 0:
                send = next((e for s, e in last.sents if s <= ck < e), len(last.toks))
                spk = self._cue_speaker(mark.last_para, ck, lq + 1, send)
                explicit = cued_after = True
            else:
                spk = self._appositive_after(mark.last_para, lq)
                explicit = cued_after = spk is not None
        # 2. a cue earlier in the sentence (X said that “…” / X said: “…”)
        if spk is None:
            for k in range(qi - 1, max(s0, qi - 40) - 1, -1):
                if self._is_cue(toks, k):
                    spk = self._cue_speaker(pi, k, s0, s1)
                    explicit = True
                    break
        # 3. a cue later in the same sentence
        if spk is None and not explicit:
            for k in range(qi + 1, min(s1, qi + 12)):
                if self._is_cue(toks, k):
                    spk = self._cue_speaker(pi, k, qi + 1, s1)
                    explicit = True
                    break
        if not_speech(self.text, toks, qi, mark, cued_after):
            return
        quoted = self.text[mark.start : mark.end]
        n_words = _words(quoted)
        if spk is None and explicit:
            explicit = False
        if not explicit and n_words <= 3 and not (quoted[0].isupper() and quoted[-1] in ".?!"):
            return
        prev = toks[qi - 1] if qi > 0 else None
        starts_upper = quoted[:1].isupper() or not quoted[:1].isalpha()
        direct = starts_upper and (
            prev is None or not prev.text[0].isalnum() or prev.low in CUE_VERBS or qi == s0
        )
        kind = QuoteKind.DIRECT if direct or mark.multi and starts_upper else QuoteKind.PARTIAL
        conf = 0.9 if spk is not None else 0.3
        if spk is not None and spk.resolved:
            conf -= 0.1
        if not explicit and n_words < 6 and not direct:
            return
        self.found.append(_Found(mark.start, mark.end, kind, spk, pi, conf))

    # --- indirect speech ------------------------------------------------------------

    def _indirect(self, pi: int, s0: int, s1: int) -> None:
        toks = self.paras[pi].toks
        end = s1
        while end > s0 and toks[end - 1].text in ".?!":
            end -= 1
        if end - s0 < 4:
            return
        for k in range(s0, end):
            t = toks[k]
            if not self._is_cue(toks, k) and not (k == s0 and t.low == "according"):
                continue
            if t.low == "according" and k + 1 < end and toks[k + 1].low == "to":
                self._according(pi, k, s0, end, s1)
                return
            if t.low not in INDIRECT_CUES:
                continue
            clause = that_clause(toks, k, end)
            if (
                clause is None
                and k > s0
                and toks[k - 1].text == ","
                or clause is None
                and k > s0 + 1
            ):
                clause = trailing_clause(toks, k, s0, end)
                if clause is not None:
                    spk = self._cue_speaker(pi, k, clause[1] + 1, s1)
                    self._add_indirect(pi, clause, spk)
                    return
            if clause is None:
                continue
            spk = self._cue_speaker(pi, k, s0, s1)
            self._add_indirect(pi, clause, spk)
            return

    def _add_indirect(self, pi: int, clause: tuple[int, int], spk: _Speaker | None) -> None:
        toks = self.paras[pi].toks
        a, b = clause
        if spk is None or spk.text is None or b - a < 3:
            return
        if any(t.quote >= 0 for t in toks[a:b]):
            # told X that “…” and that about 40 workers were waiting: the quote is found
            # on its own; a second reported clause after it is indirect speech.
            for j in range(b - 2, a, -1):
                if (
                    toks[j].low == "that"
                    and toks[j - 1].low in ("and", "but")
                    and all(t.quote < 0 for t in toks[j + 1 : b])
                ):
                    self._add_indirect(pi, (j + 1, b), spk)
                    break
            return
        start, stop = trim(self.text, toks[a].start, toks[b - 1].end)
        if _STRAY_MARKS.search(self.text, start, stop):
            return
        conf = 0.7 if not spk.resolved else 0.6
        self.found.append(_Found(start, stop, QuoteKind.INDIRECT, spk, pi, conf))

    def _according(self, pi: int, k: int, s0: int, end: int, s1: int) -> None:
        toks = self.paras[pi].toks
        spk = self._cue_speaker(pi, k, s0, end)
        if spk is None:
            return
        if k == s0:
            # According to X, clause.   (the clause follows the speaker's comma(s))
            j = k + 2
            commas = 0
            while j < end and commas < 2:
                if toks[j].text == ",":
                    commas += 1
                    if commas == 1:
                        nxt = j + 1
                        e = nxt
                        while e < end and toks[e].text not in ",.;:" and toks[e].quote < 0:
                            e += 1
                        if not (
                            e < end and toks[e].text == "," and is_person_name(toks, NP(nxt, e))
                        ):
                            break
                j += 1
            self._add_indirect(pi, (j + 1 if j < end and toks[j].text == "," else j, end), spk)
        elif toks[k - 1].text == ",":
            self._add_indirect(pi, (s0, k - 1), spk)

    # --- block quotes ---------------------------------------------------------------

    def _blockquote(self, first: int, last: int) -> None:
        a = self.paras[first]
        b = self.paras[last]
        start, stop = a.start, b.end
        body = self.text[start:stop]
        if first == last and len(self.marks) and body[:1] in '“"«„' and body[-1:] in '”"»“':
            start, stop = trim(self.text, start + 1, stop - 1)
        spk: _Speaker | None = None
        sig = _DASH_SIGNATURE.search(self.text, b.start, b.end)
        if first > 0:
            intro = self.paras[first - 1]
            if intro.kind not in _QUOTED_BLOCKS and self.text[intro.end - 1] == ":" and intro.sents:
                s0, s1 = intro.sents[-1]
                for k in range(s1 - 1, s0 - 1, -1):
                    if intro.toks[k].low in CUE_VERBS:
                        spk = self._cue_speaker(first - 1, k, s0, s1)
                        break
        if spk is None and sig is not None:
            spk = _Speaker(sig.group(1), SpeakerKind.UNKNOWN, "—", None, False)
        conf = 0.85 if spk is not None else 0.4
        self.found.append(_Found(start, stop, QuoteKind.BLOCKQUOTE, spk, first, conf))

    def _has_cued_marks(self, first: int, last: int) -> bool:
        for pi in range(first, last + 1):
            toks = self.paras[pi].toks
            if any(t.quote >= 0 for t in toks) and any(
                self._is_cue(toks, k) for k in range(len(toks))
            ):
                return True
        return False

    # --- driver ---------------------------------------------------------------------

    def run(self) -> list[_Found]:
        n = len(self.paras)
        pi = 0
        while pi < n:
            para = self.paras[pi]
            if para.kind in _QUOTED_BLOCKS:
                last = pi
                while last + 1 < n and self.paras[last + 1].kind in _QUOTED_BLOCKS:
                    last += 1
                if not self._has_cued_marks(pi, last):
                    self._blockquote(pi, last)
                    pi = last + 1
                    continue
            before = len(self.found)
            for s0, s1 in para.sents:
                for qi in range(s0, s1):
                    t = para.toks[qi]
                    if t.quote >= 0 and self.marks[t.quote].first_para == pi:
                        self._quote_in_sentence(pi, qi, s0, s1)
                self._indirect(pi, s0, s1)
            self._continue(pi, before)
            pi += 1
        self.found.sort(key=lambda f: f.start)
        return self.found

    def _continue(self, pi: int, before: int) -> None:
        """Quotes without a cue take the speaker of a neighbouring quote."""
        here = [f for f in self.found[before:] if f.kind is not QuoteKind.INDIRECT]
        here.sort(key=lambda f: f.start)
        for i, f in enumerate(here):
            if f.speaker is not None:
                continue
            donor = next((g for g in reversed(here[:i]) if g.speaker is not None), None)
            if donor is None:
                donor = next((g for g in here[i + 1 :] if g.speaker is not None), None)
            conf = 0.75
            if donor is None and pi > 0 and self._opens_paragraph(pi, f):
                donor = next(
                    (
                        g
                        for g in reversed(self.found[max(0, before - 50) : before])
                        if g.para == pi - 1 and g.speaker is not None
                    ),
                    None,
                )
                conf = 0.6
            if donor is None and pi > 0 and self._opens_paragraph(pi, f):
                introduced = self._introduced_by(pi - 1)
                if introduced is not None:  # "X, a writer for The Atlantic, wrote:" ¶ “…”
                    f.speaker = introduced
                    f.confidence = 0.8
                    continue
            if donor is not None:
                f.speaker = donor.speaker
                f.confidence = conf
                f.continuation = True
        # drop what is still unattributed and short
        self.found[before:] = [
            f
            for f in self.found[before:]
            if f.speaker is not None or _words(self.text[f.start : f.end]) >= 6
        ]

    def _introduced_by(self, pi: int) -> _Speaker | None:
        """The speaker of a paragraph that ends by introducing a quote ("… wrote:")."""
        intro = self.paras[pi]
        if intro.kind in _QUOTED_BLOCKS or self.text[intro.end - 1] != ":" or not intro.sents:
            return None
        s0, s1 = intro.sents[-1]
        for k in range(s1 - 1, s0 - 1, -1):
            if intro.toks[k].quote >= 0:
                return None  # the colon follows a quote of its own
            if self._is_cue(intro.toks, k):
                return self._cue_speaker(pi, k, s0, s1)
        return None

    def _opens_paragraph(self, pi: int, f: _Found) -> bool:
        toks = self.paras[pi].toks
        if not toks or toks[0].quote < 0:
            return False
        mark = self.marks[toks[0].quote]
        if mark.start != f.start:
            return False
        return not any(self._is_cue(toks, k) for k in range(len(toks)))


_TRAILING_TIME = re.compile(
    r",?\s+(?:on|last|this|early|late|earlier|later)\s+(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day"
    r"|week|month|year|night|morning|afternoon|evening)\b.*$"
)
_NOT_IN_SPEAKER = frozenset(
    """
    that which who whom what when where why how is are was were be been being has have had
    will would can could should must did does do not
    """.split()
)
_DATE_WORDS = re.compile(
    r"^(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day|January|February|March|April|May|June"
    r"|July|August|September|October|November|December|Jan\.|Feb\.|Aug\.|Sept?\.|Oct\.|Nov\."
    r"|Dec\.|[0-9,./:-]+|today|yesterday|tomorrow)$",
    re.IGNORECASE,
)


def plausible_speaker(name: str) -> str | None:
    """The speaker as shown, or None when it cannot be one (never a guess, #9).

    A speaker is a person, a role, an organisation or a document: never a date, a
    weekday, a place word on its own, a verb phrase, a possessive ("Pirro’s" names who
    owns something, not who spoke) or a cut-off name ("a report by E").
    """
    name = _TRAILING_TIME.sub("", name.strip()).strip(" ,")
    words = name.split()
    if not words or _POSSESSIVE.search(words[-1]) and words[-1][-2:] in ("’s", "'s"):
        return None
    if any(w in _NOT_IN_SPEAKER or w in CUE_VERBS for w in words if w.islower()):
        return None
    if all(_DATE_WORDS.match(w) or w in PLACE_WORDS or w in SENTENCE_CAPS for w in words):
        return None
    if len(words) > 1 and len(words[-1]) == 1 and words[-1].isupper():
        return None  # cut at "E! News"
    return name


def find_quotes_impl(text: str, blocks: Sequence[Block]) -> tuple[Quote, ...]:
    engine = _Engine(text, blocks)
    out: list[Quote] = []
    seen: set[tuple[int, int]] = set()
    for f in engine.run():
        if (f.start, f.end) in seen or f.end <= f.start:
            continue
        seen.add((f.start, f.end))
        spk = f.speaker
        end = f.end
        if f.kind is QuoteKind.PARTIAL:
            # “… be ignored.” — the full stop inside the marks is typography, not speech.
            while end > f.start + 1 and text[end - 1] in ".,;:":
                end -= 1
        speaker = plausible_speaker(spk.text) if spk and spk.text else None
        confidence = f.confidence if speaker is not None or spk is None else 0.3
        out.append(
            Quote(
                text=text[f.start : end],
                speaker=speaker,
                speaker_kind=spk.kind if spk and speaker else SpeakerKind.UNKNOWN,
                cue=spk.cue if spk else None,
                kind=f.kind,
                start=f.start,
                end=end,
                confidence=round(confidence, 2),
                outlet=spk.outlet if spk else None,
            )
        )
    return tuple(out)
