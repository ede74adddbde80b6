"""The attribution line: a full sentence, quoted words only in quotation marks (#5, #9)."""

from __future__ import annotations

import dataclasses

from curator.curate.attribution import attribution_line
from curator.curate.attribution import render
from curator.model import QuoteKind
from curator.model import SpeakerKind
from tests.curate.drafting import quote

ROLE = SpeakerKind.ROLE
DIRECT = QuoteKind.DIRECT
BLOCKQUOTE = QuoteKind.BLOCKQUOTE
INDIRECT = QuoteKind.INDIRECT


def test_attribution_told_the_outlet() -> None:
    text = "Lena Vale told The Ledger that “the gates are ready” for winter."
    q = quote(text, "the gates are ready", cue="told", outlet="The Ledger")
    assert attribution_line(q, text) == "Lena Vale told The Ledger that “the gates are ready”."


def test_attribution_keeps_enough_of_the_sentence_to_read() -> None:
    text = "An agency spokesperson told The Ledger that the agency “continues to be concerned.”"
    q = quote(text, "continues to be concerned.", "an agency spokesperson", ROLE, "told",
              outlet="The Ledger")  # fmt: skip
    assert attribution_line(q, text) == (
        "An agency spokesperson told The Ledger that the agency “continues to be concerned”."
    )
    text = (
        "U.S. Ambassador to the United Nations Nikki Haley said in mid-April that the reports "
        "of this abuse “cannot be ignored” in a statement that was lauded."
    )
    q = quote(text, "cannot be ignored", "U.S. Ambassador to the United Nations Nikki Haley")
    assert attribution_line(q, text) == (
        "U.S. Ambassador to the United Nations Nikki Haley said in mid-April that the reports "
        "of this abuse “cannot be ignored”."
    )
    # a participle cue becomes a finite verb
    text = "calling accounts that at least 60 workers had been threatened “credible.”"
    q = quote(text, "credible.", "A spokesperson", cue="calling")
    assert attribution_line(q, text) == (
        "A spokesperson called accounts that at least 60 workers had been threatened “credible”."
    )
    text = "Noem tweeted that it “needs to be a dinner table conversation,” adding “we need it.”"
    q = quote(text, "we need it.", "Noem", cue="adding")
    assert attribution_line(q, text) == "Noem added “we need it”."
    # no cue before the quote in its sentence: the words after "that"
    text = "According to her, the rules mean that its forces will stay “for several more years”."
    q = quote(text, "for several more years", "Gen. Roe", cue="according to")
    assert attribution_line(q, text) == (
        "Gen. Roe said that its forces will stay “for several more years”."
    )
    # the quoted words are put on one line
    text = "Roe said: “One.\n\nTwo.”"
    q = quote(text, "One.\n\nTwo.", "Roe", kind=DIRECT)
    assert attribution_line(q, text) == "Roe said, “One. Two.”"


def test_a_partial_quote_without_its_sentence_cannot_be_the_attribution() -> None:
    # nothing leads into it: render() gives None and build_draft does not use it
    text = "Roe said that it was over. Later “nothing” changed, Roe said."
    q = quote(text, "nothing", "Roe")
    assert render(q, text) is None
    assert attribution_line(q, text) == "Roe said “nothing”."  # the last resort, for editors
    # more than BRIDGE_MAX_WORDS between the cue and the mark
    long = " ".join(["word"] * 21)
    text = f"Roe said {long} “nothing”."
    assert render(quote(text, "nothing", "Roe"), text) is None


def test_attribution_of_indirect_speech_is_paraphrase_without_marks() -> None:
    text = (
        "Sonya A. Zoghlin, Carlineo’s attorney, told The Hill in a statement that her client "
        "did not intend to cause harm to Omar and did not make plans to do so."
    )
    q = quote(text, "her client did not intend to cause harm to Omar and did not make plans to "
              "do so", "Sonya A. Zoghlin", cue="told", kind=INDIRECT)  # fmt: skip
    assert attribution_line(q, text) == (
        "Sonya A. Zoghlin told The Hill in a statement that her client did not intend to cause "
        "harm to Omar and did not make plans to do so."
    )
    text = "The gates were fine, a spokesperson said."
    q = quote(text, "The gates were fine", "a spokesperson", ROLE, kind=INDIRECT)
    assert attribution_line(q, text) == "A spokesperson said that the gates were fine."


def test_attribution_said_forms() -> None:
    text = "“We are ready,” said a spokesperson. She said the gates were fine."
    direct = quote(text, "We are ready,", "a spokesperson", ROLE, kind=DIRECT)
    assert attribution_line(direct, text) == "A spokesperson said, “We are ready”."
    block = dataclasses.replace(direct, kind=BLOCKQUOTE, speaker="dr. Vale", cue="—")
    assert attribution_line(block, text) == "Dr. Vale said, “We are ready”."
    tweeted = dataclasses.replace(direct, text="Meth is IN SD. We are here to Get. It. OUT",
                                  cue="tweeted")  # fmt: skip
    assert attribution_line(tweeted, text) == (
        "A spokesperson tweeted, “Meth is IN SD. We are here to Get. It. OUT”."
    )
    told = dataclasses.replace(direct, text="We are ready?", cue="told", outlet="The Ledger")
    assert attribution_line(told, text) == "A spokesperson told The Ledger, “We are ready?”"
    reporters = dataclasses.replace(told, outlet=None)  # "told reporters": no outlet named
    assert attribution_line(reporters, text) == "A spokesperson said, “We are ready?”"
