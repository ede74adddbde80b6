from __future__ import annotations

import pytest

from curator.curate.text import clean_headline
from curator.curate.text import clean_text
from curator.curate.text import count_words
from curator.curate.text import join_sentences
from curator.curate.text import name_key
from curator.curate.text import sentence_spans
from curator.curate.text import split_sentences
from curator.curate.text import strip_site_suffix

# --- headlines ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Ferry Fares Rise Again | The Harbour Ledger", "Ferry Fares Rise Again"),
        ("Ferry Fares Rise Again - Quayside News", "Ferry Fares Rise Again"),
        ("Ferry Fares Rise Again — Site", "Ferry Fares Rise Again"),
        ("Ferry Fares Rise Again – Quayside News", "Ferry Fares Rise Again"),
        ("Ferry Fares Rise Again - quayside.example", "Ferry Fares Rise Again"),
        ("Ferry Fares Rise Again | Local | The Harbour Ledger", "Ferry Fares Rise Again"),
        # a dash inside a headline is kept unless what follows looks like a site name
        ("Ferry fares - what the rise means for you", "Ferry fares - what the rise means for you"),
        ("Ferry Fares Rise - And Nobody Is Surprised By It", None),
        ("Just A Headline", None),
        ("| The Harbour Ledger", None),
    ],
)
def test_strip_site_suffix(title: str, expected: str | None) -> None:
    assert strip_site_suffix(title) == (expected if expected is not None else title)


def test_strip_site_suffix_known_names() -> None:
    names = ["The Ledger", "Harbour Ledger Online"]
    # a lowercase or long suffix is only cut when it is a known name
    assert strip_site_suffix("Tide tables change - the ledger", names) == "Tide tables change"
    assert strip_site_suffix("Tide tables change - Ledger", names) == "Tide tables change"
    assert strip_site_suffix("Tide tables change — harbour ledger online!", names) == (
        "Tide tables change"
    )
    assert strip_site_suffix("Tide tables change - the ledger", []) == (
        "Tide tables change - the ledger"
    )
    # a known name in front is cut too
    assert strip_site_suffix("The Ledger: Tide tables change", names) == "Tide tables change"
    assert strip_site_suffix("Ledger | Tide tables change", names) == "Tide tables change"
    assert strip_site_suffix("Tide: tables change again", names) == "Tide: tables change again"


def test_name_key() -> None:
    assert name_key("The Harbour  Ledger!") == "harbour ledger"
    assert name_key("BuzzFeed News") == "buzzfeed news"


def test_clean_headline_entities_tags_whitespace() -> None:
    title = (
        "  Quay &amp; Dock <em>Workers</em>\n Say &#8220;No&#8221;&nbsp;Again | The Harbour Ledger "
    )
    assert clean_headline(title) == "Quay & Dock Workers Say “No” Again"


def test_clean_text() -> None:
    assert clean_text("<p>One&nbsp;two</p><p>three &lt;4&gt;</p>") == "One two three <4>"
    assert clean_text("") == ""


# --- words --------------------------------------------------------------------


def test_count_words() -> None:
    assert count_words("The U.S. port won’t pay 2.5 million, mid-April — ok?") == 9
    assert count_words("“talks have been difficult”") == 4
    assert count_words("  ") == 0


def test_join_sentences_collapses_space() -> None:
    assert join_sentences(["One\n two.", " ", "Three."]) == "One two. Three."


# --- sentences ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("One. Two! Three? Four", ["One.", "Two!", "Three?", "Four"]),
        # dotted acronyms: inside a sentence before a name, at its end before an opener
        (
            "The U.S. Navy left. They went home to the U.S. The port was empty.",
            ["The U.S. Navy left.", "They went home to the U.S.", "The port was empty."],
        ),
        ("Work begins at 9 a.m. on Monday.", ["Work begins at 9 a.m. on Monday."]),
        ("Ships, e.g. ferries, wait.", ["Ships, e.g. ferries, wait."]),
        # titles never end a sentence
        (
            "Mr. Marrow met Dr. Okafor and Sen. Vale. Mrs. Roe did not.",
            ["Mr. Marrow met Dr. Okafor and Sen. Vale.", "Mrs. Roe did not."],
        ),
        # initials
        (
            "The yard is run by Silas J. Marrow. Dozens left. J. R. Teague agreed.",
            ["The yard is run by Silas J. Marrow.", "Dozens left.", "J. R. Teague agreed."],
        ),
        ("It was Plan B. Then it failed.", ["It was Plan B.", "Then it failed."]),
        # decimals and numbers
        (
            "Cargo rose 2.5 per cent to 3.75 million tonnes. Fees fell.",
            ["Cargo rose 2.5 per cent to 3.75 million tonnes.", "Fees fell."],
        ),
        ("See No. 5 in the list. No. It is not.", ["See No. 5 in the list.", "No.", "It is not."]),
        # months
        (
            "Figures from Jan. 2016 were revised on Feb. 3. The agency agreed.",
            ["Figures from Jan. 2016 were revised on Feb. 3.", "The agency agreed."],
        ),
        # other abbreviations
        (
            "He works for Acme Inc. The firm, Acme Inc. Holdings, said no.",
            ["He works for Acme Inc.", "The firm, Acme Inc. Holdings, said no."],
        ),
        # quotation marks closing after the terminator
        (
            "“Is it over?” she asked. “Yes.” He left.",
            ["“Is it over?” she asked.", "“Yes.”", "He left."],
        ),
        ("“Why now?” Roe asked. “Because.”", ["“Why now?” Roe asked.", "“Because.”"]),
        ("“Why now?” He had no answer.", ["“Why now?”", "He had no answer."]),
        (
            'She said, "We are done." Then she left.',
            ['She said, "We are done."', "Then she left."],
        ),
        ("It ended (finally.) Next came more.", ["It ended (finally.)", "Next came more."]),
        # an opening quotation mark starts a sentence
        (
            "The union met in the U.S. “We will win,” it said.",
            ["The union met in the U.S.", "“We will win,” it said."],
        ),
        # ellipses
        ("Wait… Then go. And so... It ends.", ["Wait…", "Then go.", "And so...", "It ends."]),
        ("It was … fine, really.", ["It was … fine, really."]),
        # lower case after a full stop: no new sentence
        ("The vote was 5 vs. 4 in the end.", ["The vote was 5 vs. 4 in the end."]),
        # blank lines always separate; single line breaks do not
        ("No full stop here\n\nNext paragraph", ["No full stop here", "Next paragraph"]),
        ("One line\nwraps here. Two.", ["One line\nwraps here.", "Two."]),
        ("", []),
        ("   \n\n  ", []),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_sentence_spans_are_offsets_into_the_text() -> None:
    text = "Head.\n\n  First one. Second one.  \n\nTail"
    spans = sentence_spans(text, 7, 34)
    assert [text[s:e] for s, e in spans] == ["First one.", "Second one."]
    assert spans == [(9, 19), (20, 31)]
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "Head.",
        "First one.",
        "Second one.",
        "Tail",
    ]
