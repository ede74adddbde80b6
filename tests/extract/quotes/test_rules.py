"""One test per rule of issue #4 (kinds, marks, speakers, outlets, non-quotes)."""

from __future__ import annotations

from curator.extract.quotes import ENGINE_VERSION
from curator.extract.quotes import find_quotes
from curator.model import Block
from curator.model import BlockKind
from curator.model import Quote
from curator.model import QuoteKind
from curator.model import SpeakerKind


def one(text: str, blocks: tuple[Block, ...] = ()) -> Quote:
    quotes = find_quotes(text, blocks)
    assert len(quotes) == 1, quotes
    return quotes[0]


def texts(text: str, blocks: tuple[Block, ...] = ()) -> list[str]:
    return [q.text for q in find_quotes(text, blocks)]


def blocks_of(text: str, *kinds: BlockKind) -> tuple[Block, ...]:
    out = []
    pos = 0
    for para, kind in zip(text.split("\n\n"), kinds, strict=True):
        out.append(Block(kind=kind, start=pos, end=pos + len(para)))
        pos += len(para) + 2
    return tuple(out)


# --- the seed's three sentences (the target) -------------------------------------------

SEED = (
    "The Russia LGBT Network spokesperson told BuzzFeed News that “negotiations have been "
    "difficult” with representatives of countries that could provide safe refuge.\n\n"
    "A spokesperson for the State Department told BuzzFeed that the U.S. “continues to be "
    "concerned” about the allegations from Chechnya.\n\n"
    "U.S. Ambassador to the United Nations Nikki Haley said in mid-April that the reports of "
    "this abuse “cannot be ignored” in a statement."
)


def test_seed_sentences_speakers_outlets_and_kinds() -> None:
    got = [(q.text, q.speaker, q.kind, q.cue, q.outlet) for q in find_quotes(SEED)]
    assert got == [
        (
            "negotiations have been difficult",
            "The Russia LGBT Network spokesperson",
            QuoteKind.PARTIAL,
            "told",
            "BuzzFeed News",
        ),
        (
            "continues to be concerned",
            "A spokesperson for the State Department",
            QuoteKind.PARTIAL,
            "told",
            "BuzzFeed",
        ),
        (
            "cannot be ignored",
            "U.S. Ambassador to the United Nations Nikki Haley",
            QuoteKind.PARTIAL,
            "said",
            None,
        ),
    ]


def test_engine_version_is_a_string() -> None:
    assert isinstance(ENGINE_VERSION, str) and ENGINE_VERSION


# --- kinds --------------------------------------------------------------------------


def test_kind_direct_is_a_whole_sentence() -> None:
    q = one("“We will rebuild the pier before summer,” said harbour master Ines Cole.")
    assert q.kind is QuoteKind.DIRECT
    assert q.text == "We will rebuild the pier before summer"  # the attribution's comma is dropped


def test_kind_partial_is_a_fragment_inside_reported_speech() -> None:
    q = one("Harbour master Ines Cole said the pier was “beyond repair” after the storm.")
    assert q.kind is QuoteKind.PARTIAL
    assert q.speaker == "Harbour master Ines Cole"


def test_kind_blockquote_takes_the_speaker_of_the_introducing_paragraph() -> None:
    text = (
        "The ministry of fisheries said in a statement:\n\n"
        "Quotas will be reviewed every year from now on."
    )
    q = one(text, blocks_of(text, BlockKind.PARAGRAPH, BlockKind.BLOCKQUOTE))
    assert q.kind is QuoteKind.BLOCKQUOTE
    assert q.text == "Quotas will be reviewed every year from now on."
    assert q.speaker == "The ministry of fisheries"
    assert q.cue == "said"


def test_kind_blockquote_paragraphs_in_a_row_are_one_quote() -> None:
    text = "Mayor Ada Lind wrote:\n\nFirst paragraph of the letter.\n\nSecond paragraph of it."
    kinds = (BlockKind.PARAGRAPH, BlockKind.BLOCKQUOTE, BlockKind.BLOCKQUOTE)
    q = one(text, blocks_of(text, *kinds))
    assert q.text == "First paragraph of the letter.\n\nSecond paragraph of it."


def test_kind_indirect_said_that() -> None:
    q = one("Finance Minister Karl Berg said that the deficit would shrink next year.")
    assert q.kind is QuoteKind.INDIRECT
    assert q.text == "the deficit would shrink next year"
    assert q.speaker == "Finance Minister Karl Berg"


def test_kind_indirect_according_to() -> None:
    q = one("According to the port authority, 40 ships were delayed by the fog.")
    assert (q.kind, q.text, q.speaker) == (
        QuoteKind.INDIRECT,
        "40 ships were delayed by the fog",
        "the port authority",
    )


def test_kind_indirect_trailing_attribution() -> None:
    q = one("The ferry will resume service on Monday, the operator said.")
    assert (q.text, q.speaker) == ("The ferry will resume service on Monday", "the operator")


def test_indirect_needs_a_reported_clause_not_any_said() -> None:
    assert find_quotes("He said goodbye to his colleagues at the station.") == ()


# --- quotation marks ------------------------------------------------------------------

SENTENCE = "The new schedule will start in June"


def test_marks_straight_double_quotes() -> None:
    assert texts(f'"{SENTENCE}," said Mayor Ana Ruiz.') == [SENTENCE]


def test_marks_curly_double_quotes() -> None:
    assert texts(f"“{SENTENCE},” said Mayor Ana Ruiz.") == [SENTENCE]


def test_marks_newswire_backticks() -> None:
    assert texts(f"``{SENTENCE},'' said Mayor Ana Ruiz.") == [SENTENCE]


def test_marks_newswire_two_apostrophes() -> None:
    assert texts(f"''{SENTENCE},'' said Mayor Ana Ruiz.") == [SENTENCE]


def test_marks_guillemets_with_inner_spaces() -> None:
    assert texts(f"« {SENTENCE} », said Mayor Ana Ruiz.") == [SENTENCE]


def test_marks_german_low_high() -> None:
    assert texts(f"„{SENTENCE}“, said Mayor Ana Ruiz.") == [SENTENCE]


def test_nested_single_quotes_stay_inside_the_quote() -> None:
    text = "“My father told me ‘never sell the boat,’ and I never did,” said skipper Bo Lund."
    assert texts(text) == ["My father told me ‘never sell the boat,’ and I never did"]


def test_newswire_nested_single_closing_with_the_double() -> None:
    text = "``They keep saying `next month.''' said farmer Joseph Kamau."
    assert texts(text) == ["They keep saying `next month.'"]


def test_apostrophes_are_not_quotation_marks() -> None:
    text = (
        "The workers’ union says the town hasn’t changed since the ’90s.\n\n"
        "‘We’ve asked for help twice,’ said Gwen Morris, a resident."
    )
    quotes = find_quotes(text)
    assert [q.text for q in quotes if q.kind is not QuoteKind.INDIRECT] == [
        "We’ve asked for help twice"
    ]


def test_multi_paragraph_quote_is_one_quote_spanning_the_paragraphs() -> None:
    text = (
        "“The first winter was the hardest,” said Ada Lind. “We had no heating.\n\n"
        "“The second winter we had heating but no food.”"
    )
    quotes = find_quotes(text)
    assert [q.text for q in quotes] == [
        "The first winter was the hardest",
        "We had no heating.\n\n“The second winter we had heating but no food.",
    ]
    second = quotes[1]
    assert text[second.start : second.end] == second.text
    assert second.speaker == "Ada Lind"


def test_unclosed_quote_not_reopened_is_dropped() -> None:
    assert texts("“This never closes, said Ada Lind.\n\nNext paragraph here.") == []


# --- speakers -----------------------------------------------------------------------


def test_speaker_inverted_with_appositive() -> None:
    q = one("“Footfall will rise,” said Jane Smith, a spokeswoman for the Carrow Forum.")
    assert (q.speaker, q.speaker_kind, q.cue) == ("Jane Smith", SpeakerKind.PERSON, "said")


def test_speaker_before_the_cue_with_appositive() -> None:
    q = one("Jane Smith, a spokeswoman for the forum, said: “Footfall will rise.”")
    assert q.speaker == "Jane Smith"
    assert q.kind is QuoteKind.DIRECT


def test_speaker_cue_before_quote_with_colon() -> None:
    q = one("Governor Elena Vasquez said: “This runway will create jobs.”")
    assert (q.speaker, q.kind) == ("Governor Elena Vasquez", QuoteKind.DIRECT)


def test_speaker_pronoun_resolves_to_most_recent_compatible_name() -> None:
    text = (
        "Lena Hartmann and Victor Osei run the shop.\n\n"
        "“We almost closed,” Hartmann said.\n\n"
        "Osei remembers it differently. “The rent doubled,” he said.\n\n"
        "“He exaggerates,” she said."
    )
    assert [q.speaker for q in find_quotes(text)] == [
        "Lena Hartmann",
        "Victor Osei",
        "Lena Hartmann",
    ]


def test_speaker_surname_resolves_to_the_full_name() -> None:
    text = (
        "U.S. Ambassador to the United Nations Nikki Haley said the reports were “troubling.”\n\n"
        "“We will keep asking questions,” Haley said."
    )
    assert [q.speaker for q in find_quotes(text)] == [
        "U.S. Ambassador to the United Nations Nikki Haley"
    ] * 2


def test_speaker_continues_into_a_paragraph_that_is_only_a_quote() -> None:
    text = (
        "“We counted forty wolves,” said ranger Farida Nasser.\n\n"
        "“Now there are more than a hundred of them in the park.”"
    )
    first, second = find_quotes(text)
    assert second.speaker == "ranger Farida Nasser"
    assert second.confidence < first.confidence


def test_speaker_participle_inherits_the_subject() -> None:
    text = (
        "A spokesperson for the agency told the Herald that the plan “remains on track,” "
        "calling the delays “regrettable.”"
    )
    assert [q.speaker for q in find_quotes(text)] == ["A spokesperson for the agency"] * 2


def test_speaker_kinds() -> None:
    text = (
        "“Prices will rise,” said Dr. Mara Quist.\n\n"
        "“Prices will fall,” a spokesperson for the bank said.\n\n"
        "“Prices will stay the same,” the Allied Dockers Union said."
    )
    kinds = [q.speaker_kind for q in find_quotes(text)]
    assert kinds == [SpeakerKind.PERSON, SpeakerKind.ROLE, SpeakerKind.ORGANIZATION]


def test_no_speaker_without_cue_or_context() -> None:
    text = "Nobody in the village could remember “a winter as long and as dark as this one.”"
    for q in find_quotes(text):
        assert q.speaker is None
        assert q.confidence < 0.5


# --- outlets ------------------------------------------------------------------------


def test_outlet_told() -> None:
    q = one("“It was a mistake,” Mayor Joe Tanaka told the Valley Ledger.")
    assert q.outlet == "the Valley Ledger"


def test_outlet_interview_with() -> None:
    q = one("“It was a mistake,” Mayor Joe Tanaka said in an interview with the Times.")
    assert q.outlet == "the Times"


def test_outlet_email_to() -> None:
    q = one("Mayor Joe Tanaka said in an email to BuzzFeed News that “it was a mistake.”")
    assert q.outlet == "BuzzFeed News"


def test_outlet_absent_for_people() -> None:
    q = one("“It was a mistake,” Judge Irene Vogel told the defendant.")
    assert q.outlet is None


# --- not quotes ---------------------------------------------------------------------


def test_titles_of_works_are_not_quotes() -> None:
    text = (
        "The film “Parasite” and the novel “Winter Over the Water” were discussed, "
        "and the song “Carry Me Home” was played."
    )
    assert find_quotes(text) == ()


def test_nicknames_are_not_quotes() -> None:
    assert find_quotes("Dwayne “The Rock” Johnson opened a gym in town on Monday.") == ()


def test_scare_quotes_are_not_quotes() -> None:
    assert find_quotes("The neighbourhood's “regeneration” mostly meant new cafes.") == ()


def test_so_called_and_dubbed_are_not_quotes() -> None:
    text = (
        "The so-called “midnight amendment” passed. Critics dubbed it the “backdoor tax.” "
        "It is known in the papers as “Clause 9.”"
    )
    assert find_quotes(text) == ()


def test_headlines_are_not_quotes() -> None:
    text = "Ministers Clash Over “Midnight Amendment”\n\nUnder the headline “Wall Falls Again”, a photo ran."
    assert find_quotes(text, blocks_of(text, BlockKind.HEADING, BlockKind.PARAGRAPH)) == ()


def test_short_fragment_without_cue_is_not_a_quote() -> None:
    assert find_quotes("The gym's “secret weapon” is a trainer aged seventy.") == ()


def test_short_fragment_with_cue_is_a_partial_quote() -> None:
    q = one("Chief inspector Wendy Pratt called the findings “credible” on Monday.")
    assert (q.text, q.kind, q.cue) == ("credible", QuoteKind.PARTIAL, "called")


def test_sentence_final_quote_keeps_the_cue_of_its_own_sentence() -> None:
    """“… ignored.” Voss added …: the next sentence's cue does not take the quote."""
    text = (
        "Harbour Commissioner Elena Voss said on Tuesday that the delays “cannot be ignored.” "
        "Voss added that she had asked the operator for a written explanation."
    )
    first, second = find_quotes(text)
    assert (first.kind, first.speaker, first.cue) == (
        QuoteKind.PARTIAL,
        "Harbour Commissioner Elena Voss",
        "said",
    )
    assert (second.kind, second.speaker) == (QuoteKind.INDIRECT, "Harbour Commissioner Elena Voss")


def test_quote_before_its_cue_after_a_full_stop_inside_the_marks() -> None:
    """Without a cue earlier in the sentence, a cue right after the quote still attributes it."""
    q = one("“We rebuilt it by hand.” said museum director Oskar Lind.")
    assert (q.speaker, q.kind) == ("museum director Oskar Lind", QuoteKind.DIRECT)


def test_partial_quote_leaves_out_the_full_stop_inside_the_marks() -> None:
    q = one("Nikki Haley said the reports “cannot be ignored.”")
    assert (q.kind, q.text) == (QuoteKind.PARTIAL, "cannot be ignored")


def test_speaker_definite_description_resolves_to_the_earlier_role() -> None:
    text = (
        "A spokesperson for the Port Authority told The Ledger that the authority “continues "
        "to monitor the situation.” The spokesperson declined to say more, saying, “As permit "
        "records are confidential, we are unable to discuss individual cases.”"
    )
    assert [(q.speaker, q.kind) for q in find_quotes(text)] == [
        ("A spokesperson for the Port Authority", QuoteKind.PARTIAL),
        ("A spokesperson for the Port Authority", QuoteKind.DIRECT),
    ]


def test_reported_clause_after_a_partial_quote_is_indirect() -> None:
    text = (
        "A union spokesperson told The Ledger that “talks have been difficult” and that about "
        "40 workers were still waiting for permits."
    )
    assert [(q.kind, q.text, q.speaker, q.outlet) for q in find_quotes(text)] == [
        (QuoteKind.PARTIAL, "talks have been difficult", "A union spokesperson", "The Ledger"),
        (
            QuoteKind.INDIRECT,
            "about 40 workers were still waiting for permits",
            "A union spokesperson",
            "The Ledger",
        ),
    ]


def test_plural_bodies_speak() -> None:
    q = one("The museum’s trustees said that admission would stay free for children under twelve.")
    assert (q.kind, q.speaker) == (QuoteKind.INDIRECT, "The museum’s trustees")


def test_numbers_with_a_point_or_comma_do_not_end_a_sentence() -> None:
    q = one(
        "Port director Ana Ruiz said the terminal would move about 2.5 million tonnes, "
        "or 40,000 containers, a year."
    )
    assert (
        q.text == "the terminal would move about 2.5 million tonnes, or 40,000 containers, a year"
    )


def test_speaker_title_and_surname_resolve_to_the_full_name() -> None:
    text = (
        "Mayor Aaron Feld told reporters the council needed “a full and honest costing.”\n\n"
        "Mayor Feld said a final vote would be held “whatever the numbers say.” "
        "Harbour Commissioner Elena Voss said the delays were “troubling for everyone.” "
        "Commissioner Voss said she would brief the council."
    )
    assert [q.speaker for q in find_quotes(text)] == [
        "Mayor Aaron Feld",
        "Mayor Aaron Feld",
        "Harbour Commissioner Elena Voss",
        "Harbour Commissioner Elena Voss",
    ]


def test_pronoun_after_a_short_mention_resolves_to_the_full_name() -> None:
    text = (
        "Councillor Priya Nandakumar said the repairs were overdue.\n\n"
        "Councillor Nandakumar said the council had spent more on sandbags than the repairs "
        "would have cost. “We are paying to stand still,” she said."
    )
    assert [q.speaker for q in find_quotes(text)] == ["Councillor Priya Nandakumar"] * 3


def test_companies_named_like_services_are_organisations() -> None:
    q = one("The operator, Northsound Ferries, told passengers that every crossing needs a permit.")
    assert (q.speaker, q.speaker_kind) == ("Northsound Ferries", SpeakerKind.ORGANIZATION)
