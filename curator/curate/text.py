"""Text helpers for drafts: headline cleaning, sentence splitting, word counts.

Pure and stdlib only. The sentence splitter is rule-based and works on spans, so a
sentence is always a verbatim slice of the text it came from:

- a sentence ends at ``.``, ``!``, ``?`` or an ellipsis, plus any closing quotation
  marks or brackets, followed by white space and a sentence start (a capital letter
  or digit, possibly after an opening quotation mark or bracket);
- titles (Mr., Dr., Sen., St., …) never end a sentence;
- dotted acronyms (U.S., a.m.), single-letter initials (Silas J. Marrow) and other
  abbreviations (Jan., Inc., No., …) end one only when the next word is a common
  sentence opener ("in the U.S. The report …", not "the U.S. Navy");
- a month abbreviation or "No." before a number never ends one (Jan. 5, No. 10);
- a question or exclamation inside quotation marks followed by a name and a speech
  verb does not end one ("“Why?” Roe asked.");
- a blank line always ends a sentence.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from collections.abc import Sequence

__all__ = [
    "clean_text",
    "join_sentences",
    "name_key",
    "count_words",
    "split_sentences",
    "sentence_spans",
    "strip_site_suffix",
    "clean_headline",
    "words",
]

_WORD_RE = re.compile(r"\w+(?:[’'.\-]\w+)*")
_TAG_RE = re.compile(r"<[^>]*>")
_SPACE_RE = re.compile(r"\s+")


def words(text: str) -> list[str]:
    """The words of ``text``: letters/digits, keeping inner apostrophes, dots, hyphens."""
    return _WORD_RE.findall(text)


def count_words(text: str) -> int:
    """How many words ``text`` has ("U.S.", "won’t", "2.5" and "mid-April" count one)."""
    return len(words(text))


def clean_text(raw: str) -> str:
    """HTML (or plain text) as one line: tags stripped, entities unescaped, spaces collapsed."""
    text = _TAG_RE.sub(" ", raw)
    text = html.unescape(text)
    return _SPACE_RE.sub(" ", text).strip()


# --- headlines ----------------------------------------------------------------

_SEPARATORS = (" | ", " -- ", " - ", " — ", " – ", " :: ", " · ", " • ")
_SMALL_WORDS = {"of", "the", "and", "for", "on", "in", "at", "a", "an", "&", "de"}
_PIPES = {"|", "::", "·", "•"}
_DOMAIN_RE = re.compile(r"^[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}$", re.IGNORECASE)


def name_key(name: str) -> str:
    """A site or outlet name compared loosely: case, punctuation and a leading "the" ignored."""
    key = re.sub(r"[^\w\s]", "", name.casefold())
    key = _SPACE_RE.sub(" ", key).strip()
    return key.removeprefix("the ").strip()


def _looks_like_site(segment: str, separator: str) -> bool:
    if _DOMAIN_RE.match(segment):
        return True
    parts = segment.split()
    if not parts or len(parts) > (6 if separator.strip() in _PIPES else 4):
        return False
    if separator.strip() in _PIPES:
        return True
    # A dash is also used inside headlines: only a short Title Case name counts.
    return parts[0][:1].isupper() and all(
        p[:1].isupper() or p.casefold() in _SMALL_WORDS or not p[:1].isalpha() for p in parts
    )


def strip_site_suffix(title: str, names: Iterable[str] = ()) -> str:
    """``title`` without a trailing (or leading, for a known name) site name.

    A segment after " | " (or "::", "·", "•") of at most six words is a site name; after
    a dash (" - ", " -- ", " — ", " – ") it must be a short Title Case name, a domain, or one of
    ``names`` (compared ignoring case, punctuation and a leading "The"). At most two
    suffixes are removed ("Story | Section | Site"). The headline itself is never emptied.
    """
    known = {name_key(n) for n in names if n and name_key(n)}
    for separator in (*_SEPARATORS, ": "):
        head, found, tail = title.partition(separator)
        if found and name_key(head) in known and len(tail.split()) >= 2:
            title = tail.strip()
            break
    for _ in range(2):
        cut = None
        for separator in _SEPARATORS:
            index = title.rfind(separator)
            if index <= 0:
                continue
            head, tail = title[:index].strip(), title[index + len(separator) :].strip()
            if not head or name_key(head) in known:
                continue
            if name_key(tail) in known or _looks_like_site(tail, separator):
                if cut is None or index > cut[0]:
                    cut = (index, head)
        if cut is None:
            break
        title = cut[1]
    return title


def clean_headline(title: str, names: Iterable[str] = ()) -> str:
    """A headline from a page or feed title: tags, entities, spaces and site name removed."""
    return strip_site_suffix(clean_text(title), names)


# --- sentences ----------------------------------------------------------------

_TITLES = {
    "mr",
    "mrs",
    "ms",
    "mx",
    "dr",
    "prof",
    "sen",
    "rep",
    "gov",
    "gen",
    "lt",
    "col",
    "maj",
    "capt",
    "cpt",
    "sgt",
    "cpl",
    "adm",
    "cmdr",
    "det",
    "insp",
    "supt",
    "rev",
    "fr",
    "hon",
    "pres",
    "st",
    "mt",
    "ft",
    "messrs",
    "mme",
    "mlle",
}
_MONTHS = {
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
}
_NUMBERED = {"no", "nos", "vol", "pp", "p", "art", "ch", "sec", "fig", "op"}
_ABBREVIATIONS = {
    "inc",
    "ltd",
    "co",
    "corp",
    "plc",
    "llc",
    "bros",
    "etc",
    "vs",
    "approx",
    "est",
    "dept",
    "univ",
    "assn",
    "ave",
    "blvd",
    "rd",
    "cf",
    "al",
    "jr",
    "sr",
}
# Words that usually open a sentence: after an ambiguous abbreviation they mean a new
# sentence; any other capitalised word (a name) means the abbreviation is inside one.
_OPENERS = {
    "a",
    "an",
    "the",
    "he",
    "she",
    "it",
    "they",
    "we",
    "i",
    "you",
    "his",
    "her",
    "its",
    "their",
    "our",
    "my",
    "this",
    "that",
    "these",
    "those",
    "there",
    "here",
    "but",
    "and",
    "or",
    "so",
    "yet",
    "in",
    "on",
    "at",
    "for",
    "after",
    "before",
    "when",
    "while",
    "if",
    "as",
    "since",
    "although",
    "though",
    "some",
    "many",
    "most",
    "no",
    "not",
    "none",
    "one",
    "all",
    "both",
    "each",
    "however",
    "meanwhile",
    "still",
    "then",
    "now",
    "last",
    "next",
    "what",
    "who",
    "why",
    "how",
    "where",
    "officials",
    "police",
}
_SPEECH_VERBS = (
    "said|says|asked|asks|added|adds|told|tells|wrote|writes|replied|replies|"
    "continued|explained|shouted|cried|recalled|noted|insisted|warned"
)
_CLOSERS = "”’\"'»›)]"
_OPENERS_PUNCT = "“‘\"'«‹([„‚—–-"
_END_RE = re.compile(r"(?:\.\.\.|…|[.!?]+)[" + re.escape(_CLOSERS) + r"]*")
_NAME_VERB_RE = re.compile(
    r"[A-Z][\w’'.-]*(?:\s+[A-Z][\w’'.-]*){0,3}\s+(?:" + _SPEECH_VERBS + r")\b"
)
_TOKEN_BEFORE_RE = re.compile(r"([\w.’'-]*)$")


def _next_word(text: str, pos: int) -> str:
    match = re.match(r"[" + re.escape(_OPENERS_PUNCT) + r"]*([\w’'-]+)", text[pos:])
    return match.group(1) if match else ""


def _starts_sentence(text: str, pos: int) -> bool:
    rest = text[pos:].lstrip(_OPENERS_PUNCT)
    return bool(rest) and (rest[0].isupper() or rest[0].isdigit())


def _is_boundary(text: str, end_match: re.Match[str], next_pos: int) -> bool:
    """Whether the terminator matched by ``end_match`` ends a sentence."""
    if not _starts_sentence(text, next_pos):
        return False
    mark = end_match.group(0)
    next_word = _next_word(text, next_pos)
    opener = next_word.casefold() in _OPENERS or text[next_pos] in _OPENERS_PUNCT
    if mark[0] in "!?" and mark[-1] in _CLOSERS:
        # “Why?” Roe asked.  — the quotation goes on into the same sentence.
        return opener or not _NAME_VERB_RE.match(text, next_pos)
    if not mark.startswith(".") or mark.startswith("..."):
        return True
    # The word before the mark: a bounded look-back (from 0 it made long texts quadratic).
    token = _TOKEN_BEFORE_RE.search(text, max(0, end_match.start() - 64), end_match.start())
    before = token.group(1) if token else ""
    bare = before.casefold().strip(".’'-")
    if not bare:
        return True
    if bare in _TITLES and len(mark) == 1:
        return False
    if bare in _MONTHS | _NUMBERED and next_word[:1].isdigit():
        return False
    ambiguous = (
        "." in before  # U.S., a.m., e.g.
        or (len(bare) == 1 and bare.isalpha() and bare != "i")  # initials: Silas J. Marrow
        or bare in _MONTHS | _ABBREVIATIONS
    )
    if ambiguous and len(mark) == 1:
        return opener
    return True


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """The sentences of ``text[start:end]`` as ``(start, end)`` offsets into ``text``.

    Each span is stripped of surrounding white space; blank lines always separate.
    """
    stop = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    for para in re.finditer(r"(?:(?!\n[ \t]*\n)[\s\S])+", text[start:stop]):
        p_start, p_end = start + para.start(), start + para.end()
        begin = p_start
        for match in _END_RE.finditer(text, p_start, p_end):
            after = match.end()
            if after >= p_end or not text[after].isspace():
                continue
            next_pos = after
            while next_pos < p_end and text[next_pos].isspace():
                next_pos += 1
            if next_pos < p_end and _is_boundary(text, match, next_pos):
                spans.append((begin, after))
                begin = next_pos
        spans.append((begin, p_end))
    result = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s < e:
            result.append((s, e))
    return result


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text``, each a verbatim (stripped) slice of it."""
    return [text[s:e] for s, e in sentence_spans(text)]


def join_sentences(sentences: Sequence[str]) -> str:
    """Sentences as one paragraph, inner white space collapsed."""
    return " ".join(_SPACE_RE.sub(" ", s).strip() for s in sentences if s.strip())
