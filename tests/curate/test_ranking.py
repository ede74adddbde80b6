"""rank_quotes: principal voices first, one quote per speaker, no-comments last (#9)."""

from __future__ import annotations

import dataclasses

from curator.curate.ranking import Voices
from curator.curate.ranking import is_boilerplate
from curator.curate.ranking import rank_quotes
from curator.model import Quote
from curator.model import QuoteKind
from curator.model import SpeakerKind
from tests.curate.drafting import quote

PERSON = SpeakerKind.PERSON
ROLE = SpeakerKind.ROLE
UNKNOWN = SpeakerKind.UNKNOWN
DIRECT = QuoteKind.DIRECT
PARTIAL = QuoteKind.PARTIAL
BLOCKQUOTE = QuoteKind.BLOCKQUOTE
INDIRECT = QuoteKind.INDIRECT


RANK_TEXT = (
    "Alpha said one two three four five six seven eight nine ten. "
    "Beta said short words here. Gamma said “we will sail on Monday as we always have.” "
    "Delta: “eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen.” "
    "Epsilon read a sign: “ships sail at dawn every day of the week.” "
    "Zeta blocked: quay quay quay quay quay quay quay quay quay. "
    "Eta said “we will sail on Monday as we always do.” Theta said they “sail on Monday.”"
)


def _rank_quote(text: str, **kwargs: object) -> Quote:
    return quote(RANK_TEXT, text, **kwargs)  # type: ignore[arg-type]


def test_rank_quotes_order() -> None:
    indirect = _rank_quote("one two three four five six seven eight nine ten", speaker="Alpha",
                           kind=INDIRECT)  # fmt: skip
    short_partial = _rank_quote("short words here", speaker="Beta", kind=PARTIAL)
    direct = _rank_quote("we will sail on Monday as we always have.", speaker="Gamma",
                         kind=DIRECT, confidence=0.8)  # fmt: skip
    direct_sure = _rank_quote("eleven twelve thirteen fourteen fifteen sixteen seventeen "
                              "eighteen.", speaker="Delta", kind=DIRECT, confidence=0.9)  # fmt: skip
    anonymous = _rank_quote("ships sail at dawn every day of the week.", speaker=None,
                            speaker_kind=UNKNOWN, kind=DIRECT, confidence=1.0)  # fmt: skip
    block = _rank_quote("quay quay quay quay quay quay quay quay quay", speaker="Zeta",
                        kind=BLOCKQUOTE)  # fmt: skip
    ranked = rank_quotes([anonymous, indirect, block, short_partial, direct, direct_sure])
    assert ranked == [direct_sure, direct, short_partial, block, indirect, anonymous]


def test_rank_quotes_length_sweet_spot() -> None:
    text = "A said “" + " ".join(["w"] * 3) + "” and B said “" + " ".join(["x"] * 20)
    text += "” and C said “" + " ".join(["y"] * 60) + "” and D said “" + " ".join(["z"] * 6) + "”"
    three, twenty, sixty, six = (
        quote(text, " ".join([c] * n), speaker=c.upper(), kind=DIRECT, confidence=0.8)
        for c, n in (("w", 3), ("x", 20), ("y", 60), ("z", 6))
    )
    # 20 words: 1.0; 6 words: 0.75; 60 words: 0.67; 3 words: 0.375 (× confidence)
    assert rank_quotes([three, sixty, six, twenty]) == [twenty, six, sixty, three]


def test_rank_quotes_text_order_breaks_ties() -> None:
    text = "A said “ferries sail at six.” B said “crews want more pay.”"
    first = quote(text, "ferries sail at six.", "A", kind=DIRECT)
    second = quote(text, "crews want more pay.", "B", kind=DIRECT)
    assert rank_quotes([second, first]) == [first, second]


def test_rank_quotes_removes_near_duplicates() -> None:
    gamma = _rank_quote("we will sail on Monday as we always have.", speaker="Gamma", kind=DIRECT)
    eta = _rank_quote("we will sail on Monday as we always do.", speaker="Eta", kind=DIRECT,
                      confidence=0.5)  # fmt: skip
    partial = _rank_quote("sail on Monday.", speaker="Theta", kind=PARTIAL)
    other = _rank_quote("ships sail at dawn every day of the week.", speaker="Epsilon",
                        kind=DIRECT)  # fmt: skip
    assert rank_quotes([eta, partial, gamma, other]) == [gamma, other]


# --- principal voices (#9) ---------------------------------------------------------

VOICES = (
    "The Russia LGBT Network spokesperson told BuzzFeed News that “negotiations have been "
    "difficult.” She said that “we were informed that the US is not going to issue visas.” "
    "A spokesperson for the State Department said the U.S. “continues to be concerned,” "
    "calling the reports “credible,” and added: “As visa records are confidential, we are "
    "unable to discuss individual cases.” Nikki Haley said the reports “cannot be ignored.”"
)
NETWORK = "The Russia LGBT Network spokesperson"
STATE = "A spokesperson for the State Department"


def _voice(text: str, speaker: str | None, kind: QuoteKind = PARTIAL) -> Quote:
    return quote(VOICES, text, speaker, ROLE if speaker else UNKNOWN, kind=kind)


NEGOTIATIONS = _voice("negotiations have been difficult.", NETWORK)
INFORMED = _voice("we were informed that the US is not going to issue visas.", NETWORK)
CONCERNED = _voice("continues to be concerned,", STATE)
CREDIBLE = _voice("credible,", "the State Department spokesperson")
NO_COMMENT = _voice("As visa records are confidential, we are unable to discuss individual "
                    "cases.", STATE, DIRECT)  # fmt: skip
HALEY = dataclasses.replace(_voice("cannot be ignored.", "Nikki Haley"), speaker_kind=PERSON)
ALL = [NEGOTIATIONS, INFORMED, CONCERNED, CREDIBLE, NO_COMMENT, HALEY]


def test_one_quote_per_speaker_before_a_second_and_no_comment_last() -> None:
    voices = Voices(ALL)
    # a voice is one name (articles, case, possessives aside), or one name ending the other
    assert voices.voice(CONCERNED) == voices.voice(NO_COMMENT) != voices.voice(CREDIBLE)
    # the network is the most quoted (twice; a no-comment does not count): first
    assert (voices.level(INFORMED), voices.level(CONCERNED)) == (2, 3)
    ranked = rank_quotes(ALL, voices)
    assert ranked == [INFORMED, CONCERNED, HALEY, CREDIBLE, NEGOTIATIONS, NO_COMMENT]


def test_a_quote_already_shown_counts_as_its_speakers_first() -> None:
    voices = Voices(ALL)
    others = [q for q in ALL if q is not INFORMED]
    # INFORMED is the attribution line: the network's other quote waits for round two
    ranked = rank_quotes(others, voices, shown=[INFORMED])
    assert ranked == [CONCERNED, HALEY, CREDIBLE, NEGOTIATIONS, NO_COMMENT]
    # and a near duplicate of a quote shown is dropped
    again = dataclasses.replace(NEGOTIATIONS, start=0)
    assert rank_quotes([again, HALEY], voices, shown=[NEGOTIATIONS]) == [HALEY]


def test_the_headline_and_lede_voices_come_first() -> None:
    voices = Voices(ALL, headline="Haley Says Reports Cannot Be Ignored")
    assert voices.level(HALEY) == 0
    assert rank_quotes(ALL, voices)[0] is HALEY
    voices = Voices(ALL, lede="The State Department said it was concerned.")
    assert voices.level(CONCERNED) == 1
    assert rank_quotes(ALL, voices)[0] is CONCERNED


def test_unknown_speakers_after_attributed_quotes() -> None:
    nobody = _voice("credible,", None)
    assert rank_quotes([nobody, HALEY]) == [HALEY, nobody]


def test_boilerplate() -> None:
    for text in (
        "The company declined to comment.",
        "we are unable to discuss individual cases",
        "She did not immediately respond to a request for comment",
        "He could not be reached",
        "No comment.",
        "We have no further comment.",
        "The office declined to comment further.",
        "We do not comment on ongoing investigations",
    ):
        assert is_boilerplate(text), text
    for text in ("negotiations have been difficult", "We will not give up", "I refuse to quit"):
        assert not is_boilerplate(text), text
