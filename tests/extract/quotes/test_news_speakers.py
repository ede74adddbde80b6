"""Speakers on real news (#9): the reported situations, the speaker rules, and floors on
the hand-annotated gold set of ../shared/corpora/article-extraction (skipped without it)."""

from __future__ import annotations

import pytest
from benchmods import bench_module

from curator.extract.pipeline import quotes_of
from curator.extract.quotes import find_quotes
from curator.extract.quotes._engine import plausible_speaker
from curator.model import Quote

news_gold = bench_module("news_gold")
needs_corpus = pytest.mark.skipif(
    not news_gold.corpus_available(),
    reason=f"the article corpus is not at {news_gold.CORPUS} (../shared is absent)",
)


def speaker_of(quotes: tuple[Quote, ...], words: str) -> str | None:
    found = [q for q in quotes if words in q.text]
    assert found, f"no quote with {words!r}"
    return found[0].speaker


def page_quotes(prefix: str) -> tuple[Quote, ...]:
    return quotes_of(news_gold.page_article(news_gold.full_id(prefix))).quotes


# --- the rules, on text written for them ----------------------------------------------


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("Jeanine Pirro’s", None),  # a possessive names an owner, not a speaker
        ("returning Braun’s", None),
        ("a new report by E", None),  # cut at "E! News"
        ("denounce what", None),
        ("Tuesday", None),
        ("Nov. 14", None),
        ("After", None),
        ("North", None),
        ("Alden on Tuesday", "Alden"),
        ("the company last week", "the company"),
        ("housing councillor Ben Ashford", "housing councillor Ben Ashford"),
        ("a State Department spokesperson", "a State Department spokesperson"),
        ("the statement", "the statement"),
        ("Vindman and Williams", "Vindman and Williams"),
    ],
)
def test_plausible_speaker(written: str, shown: str | None) -> None:
    assert plausible_speaker(written) == shown


def test_a_time_after_the_speaker_is_not_part_of_it() -> None:
    text = "Alden on Tuesday announced that it had become the largest shareholder of Tribune."
    (quote,) = find_quotes(text)
    assert quote.speaker == "Alden"


def test_she_said_goes_to_the_subject_not_the_outlet_or_an_object() -> None:
    text = (
        "Sonya A. Zoghlin, the man's attorney, told The Hill in a statement that her client "
        "did not intend to cause harm to Ilhan Omar.\n\n"
        "“He is passionate about his political beliefs and his right to express them,” she "
        "said in an email."
    )
    quotes = find_quotes(text)
    assert speaker_of(quotes, "passionate") == "Sonya A. Zoghlin"


def test_a_possessive_mention_is_not_the_antecedent() -> None:
    text = (
        "Rep. Ilhan Omar asked for compassion.\n\n"
        "Ms. Ocasio-Cortez linked the incident to Fox News host Jeanine Pirro’s comments.\n\n"
        "Omar posted a letter on Tuesday. She added, “We must teach the defendant love.”"
    )
    quotes = find_quotes(text)
    assert speaker_of(quotes, "teach the defendant") == "Rep. Ilhan Omar"


def test_the_subject_beats_a_later_object() -> None:
    text = (
        "Last week, Taylor Swift posted on Twitter accusing Big Machine of trying to stop her "
        "performing.\n\n"
        "“I just want to be able to perform my own music,” she said."
    )
    assert speaker_of(find_quotes(text), "perform my own music") == "Taylor Swift"


def test_appositive_between_quote_and_cue() -> None:
    text = (
        "“If the U.S. imposes a tariff on Chinese televisions, the duty is paid by a U.S. "
        "importer,” Howard Gleckman, a senior fellow at the Tax Policy Center in Washington, "
        "D.C., has written."
    )
    assert speaker_of(find_quotes(text), "imposes a tariff") == "Howard Gleckman"


def test_adverb_before_the_cue_and_suffixed_names() -> None:
    text = (
        "Patrick Carlineo Jr., 55, pleaded guilty on Tuesday.\n\n"
        "“We messed up; I messed up,” Thomas allegedly told a supervisor.\n\n"
        "In the call, he said he’d put a “bullet in her skull.”"
    )
    quotes = find_quotes(text)
    assert speaker_of(quotes, "messed up") == "Thomas"
    assert speaker_of(quotes, "bullet") == "Patrick Carlineo Jr."


def test_a_name_is_not_cut_at_the_phrase_limit() -> None:
    text = (
        "According to a 2018 survey by Penelope Muse Abernathy of the University of North "
        "Carolina, “GateHouse-owned newsrooms are often half the size within months.”"
    )
    speaker = speaker_of(find_quotes(text), "half the size")
    assert speaker is not None and speaker.endswith("University of North Carolina")


def test_a_participle_does_not_hand_a_quote_to_a_cut_subject() -> None:
    text = "One campaign video featured a series of South Dakotans declaring, “I’m on meth.”"
    assert speaker_of(find_quotes(text), "on meth") != "One campaign"


def test_mixed_curly_and_straight_marks_pair() -> None:
    text = (
        "White House Press Secretary Stephanie Grisham spoke after the hearing.\n\n"
        '“Specifically, Ambassador Volker confirmed under oath that he had no indication," '
        "she said."
    )
    speaker = speaker_of(find_quotes(text), "Ambassador Volker confirmed")
    assert speaker is not None and speaker.endswith("Stephanie Grisham")


# --- the reported situations, on the real pages ----------------------------------------


@needs_corpus
def test_the_hill_omar_page() -> None:
    quotes = page_quotes("6ebac05f637e")
    assert speaker_of(quotes, "passionate about his political") == "Sonya A. Zoghlin"
    assert speaker_of(quotes, "teach the defendant love") == "Rep. Ilhan Omar"
    assert speaker_of(quotes, "bullet in her") == "Patrick Carlineo Jr."
    assert all(q.speaker != "The Hill" for q in quotes)
    assert all(not (q.speaker or "").endswith(("’s", "'s")) for q in quotes)


@needs_corpus
def test_the_singer_is_not_her_record_label() -> None:
    quotes = page_quotes("70cb2d5bca75")
    assert speaker_of(quotes, "perform my own music") == "Taylor Swift"
    assert speaker_of(quotes, "worst case scenario") == "Taylor Swift"


@needs_corpus
def test_la_times_name_is_whole() -> None:
    quotes = page_quotes("8634d1211c3f")
    speakers = {q.speaker for q in quotes if q.speaker}
    assert not any(s.endswith("University of North") for s in speakers)


@needs_corpus
def test_no_speaker_is_a_date_weekday_or_fragment_on_any_gold_page() -> None:
    for page_id in news_gold.annotated("dev") + news_gold.annotated("heldout"):
        for quote in quotes_of(news_gold.page_article(page_id)).quotes:
            if quote.speaker is not None:
                assert plausible_speaker(quote.speaker) == quote.speaker, (page_id, quote)


# --- floors on the gold set (bench/quotes_eval.py prints the figures) -------------------


@needs_corpus
@pytest.mark.parametrize("which", ["dev", "heldout"])
def test_news_gold_floors(which: str) -> None:
    figures = bench_module("quotes_eval").evaluate_news(which)
    assert figures["pages"] == 30
    assert figures["speaker_precision"] >= 0.95
    direct = figures["kinds"]["direct"][2]
    assert direct["e2e F1"] >= 0.85
    assert direct["F1"] >= 0.93


def test_a_paragraph_that_introduces_the_quote_gives_its_speaker() -> None:
    text = (
        "Jane Doe, a writer for The Atlantic, wrote:\n\n"
        "“The city has never looked so empty, and nobody seems to know why it happened.”\n\n"
        "Officials disagreed."
    )
    (quote,) = find_quotes(text)
    assert (quote.speaker, quote.cue) == ("Jane Doe", "wrote")


def test_a_paragraph_without_a_cue_does_not_give_a_speaker() -> None:
    """Only an explicit introduction counts: no guessing from who was mentioned last."""
    text = (
        "Penelope Abernathy studies local news at the university:\n\n"
        "“Half of the newsrooms in the region have closed since the year two thousand.”"
    )
    (quote,) = find_quotes(text)
    assert quote.speaker is None


def test_a_place_before_a_title_is_not_part_of_the_name() -> None:
    text = (
        "South Dakota Gov. Kristi Noem (R) is defending the campaign.\n\n"
        "“Meth is a serious problem in the state and we will not stop,” Noem tweeted."
    )
    (quote,) = find_quotes(text)
    assert quote.speaker == "Gov. Kristi Noem"
