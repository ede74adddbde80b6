"""story_signature / similarity / normalise_url / find_same_story."""

from __future__ import annotations

import dataclasses
import json
import pickle

import pytest

from curator.curate.dedup import SKETCH_SIZE
from curator.curate.dedup import StorySignature
from curator.curate.dedup import find_same_story
from curator.curate.dedup import normalise_url
from curator.curate.dedup import signature_from_json
from curator.curate.dedup import signature_to_json
from curator.curate.dedup import similarity
from curator.curate.dedup import story_signature

# An invented story told by two outlets: the same body (facts and quotes), each
# with its own headline and intro sentence; then a later story on the same topic.
FERRY_BODY = (
    "The ferry, which carries about 300 passengers a night between Port Alder and the island "
    "of Kestrel, will make its last crossing on 30 April. The operator, Harbourline, said the "
    "route had lost money for six years running and that the vessel, the Marram, needed repairs "
    "costing more than £4 million.\n\n"
    "\u201cWe have kept this service going for as long as we possibly could,\u201d said Ines "
    "Calloway, Harbourline\u2019s chief executive. \u201cBut we cannot ask our other routes to "
    "carry a loss of this size for ever.\u201d\n\n"
    "Islanders said the decision would cut them off from the hospital in Port Alder after 7pm. "
    "The last daytime sailing leaves Kestrel at 5.40pm, and the night ferry is the only way "
    "back for shift workers at the hospital and the fish market.\n\n"
    "\u201cMy husband works nights at the hospital. Without the boat he has to sleep in his car "
    "or give up the job,\u201d said Maren Holt, who runs the post office on Kestrel. \u201cNobody "
    "asked us about any of this.\u201d\n\n"
    "The county council said it had not been told of the closure before Tuesday\u2019s "
    "announcement. Its transport committee will meet on Friday to discuss whether a subsidy "
    "could keep the night crossing running until a new operator is found. A council "
    "spokesperson said the authority had set aside £600,000 for island transport this year, "
    "but that the money was already committed to the daytime service.\n\n"
    "Harbourline said it would refund season tickets bought after 1 January and offer its 14 "
    "night-crew staff jobs on other routes. The Marram will be sold or scrapped, the company "
    "said.\n\n"
    "The night ferry began in 1987, when the island\u2019s cannery still ran a late shift. The "
    "cannery closed in 2009, and passenger numbers have fallen by about a third since then, "
    "according to figures the company published last year.\n\n"
    "Local businesses on the island said they expected to feel the loss quickly. The owner of "
    "the Anchor Inn, Tomas Reyes, said about a fifth of his evening trade came from visitors "
    "who crossed back on the late boat. \u201cIf they have to leave at half past five, they "
    "will not come for dinner. It is as simple as that,\u201d he said.\n\n"
    "The island\u2019s GP surgery closes at 6pm, and patients who need urgent care at night "
    "are taken to Port Alder by the lifeboat or, in bad weather, by helicopter. The health "
    "board said it was \u201cstudying the implications\u201d of the closure and would talk "
    "to the council about how staff who live on the island could reach their shifts.\n\n"
    "Harbourline runs four other routes in the region and reported a profit of £2.1 million "
    "last year. Its shares rose by 3 per cent after the announcement. Calloway said the "
    "company remained \u201ccommitted to the islands\u201d and would keep the daytime "
    "service at its present frequency for at least two more years.\n\n"
    "A petition calling on the council to save the night crossing had gathered more than "
    "2,000 signatures by Wednesday evening, more than the island\u2019s population of about "
    "1,400."
)
FERRY_A_TITLE = "Night ferry to Kestrel to end after 37 years"
FERRY_A = (
    "Harbourline will stop running the night ferry between Port Alder and Kestrel at the end "
    "of April, the company announced on Tuesday.\n\n" + FERRY_BODY
)
FERRY_B_TITLE = "Islanders angry as loss-making Kestrel night crossing is axed"
FERRY_B = (
    "Kestrel\u2019s islanders are to lose their only late-evening link to the mainland after "
    "the operator of the night ferry said it could no longer afford to run it.\n\n" + FERRY_BODY
)
# A later story on the same topic: the same places and people, different news.
COUNCIL_TITLE = "Council agrees stopgap subsidy for Kestrel night ferry"
COUNCIL = (
    "The county council has agreed to pay Harbourline to keep the night ferry between Port "
    "Alder and Kestrel running until the end of September, while it looks for another "
    "operator.\n\n"
    "Councillors on the transport committee voted seven to two on Friday to spend up to "
    "£350,000 from the reserves on the stopgap. The money will cover the crossing\u2019s "
    "running costs but not the repairs to the Marram, which Harbourline says will have to be "
    "carried out before the winter.\n\n"
    "\u201cThis buys us the summer, and that is all it buys us,\u201d said Dara Finch, who "
    "chairs the committee. \u201cWe will be asking other companies whether they want the route, "
    "and we will be honest with islanders about what it costs.\u201d\n\n"
    "Two councillors voted against, saying the reserves were meant for flood defences. One of "
    "them, Peter Lusk, said the council was \u201cpaying a profitable company to run a service "
    "it has already decided to abandon\u201d.\n\n"
    "Harbourline welcomed the decision and said the night-crew staff would stay on the route "
    "for now. Maren Holt, who organised the petition on Kestrel, said islanders were relieved "
    "but wary. \u201cWe have had a reprieve, not a rescue,\u201d she said.\n\n"
    "The council will publish a tender for the route in June. Two operators from the mainland "
    "have already asked for details, according to a report presented to the committee."
)


def signature(title: str | None, text: str) -> StorySignature:
    return story_signature(title=title, text=text)


FERRY_A_SIG = signature(FERRY_A_TITLE, FERRY_A)
FERRY_B_SIG = signature(FERRY_B_TITLE, FERRY_B)
COUNCIL_SIG = signature(COUNCIL_TITLE, COUNCIL)


# --- similarity ----------------------------------------------------------------------


def test_identical_text_is_one() -> None:
    assert similarity(FERRY_A_SIG, signature(FERRY_A_TITLE, FERRY_A)) == 1.0
    assert signature(FERRY_A_TITLE, FERRY_A) == FERRY_A_SIG


def test_case_and_punctuation_do_not_count() -> None:
    plain = signature("Ferry to end", "The ferry won't run after April, the operator said.")
    shouty = signature("FERRY TO END!", "The ferry — won’t run after April (the operator said)")
    assert similarity(plain, shouty) == 1.0


def test_the_same_story_rewritten_by_another_outlet() -> None:
    # Measured: 0.891 (exact Jaccard of the two shingle sets: 0.866).
    assert similarity(FERRY_A_SIG, FERRY_B_SIG) == pytest.approx(0.89, abs=0.03)
    assert similarity(FERRY_A_SIG, FERRY_B_SIG) >= 0.8


def test_two_stories_on_the_same_topic() -> None:
    # Measured: 0.016 and 0.008. Same people, places and phrases; different news.
    assert similarity(FERRY_A_SIG, COUNCIL_SIG) < 0.05
    assert similarity(FERRY_B_SIG, COUNCIL_SIG) < 0.05


def test_similarity_is_symmetric() -> None:
    assert similarity(FERRY_A_SIG, FERRY_B_SIG) == similarity(FERRY_B_SIG, FERRY_A_SIG)
    assert similarity(FERRY_A_SIG, COUNCIL_SIG) == similarity(COUNCIL_SIG, FERRY_A_SIG)


def test_the_title_counts_more_than_a_sentence_of_the_body() -> None:
    text = "The ferry to Kestrel will stop running at the end of April, its operator said."
    retitled = similarity(signature("Ferry axed", text), signature("Islanders lose ferry", text))
    no_title = signature(None, text)
    reworded = signature(None, text.replace("operator said", "operator announced"))
    # one changed title costs more than one changed word in the body
    assert retitled < similarity(no_title, reworded)


def test_short_texts_are_compared_exactly() -> None:
    # Fewer shingles than SKETCH_SIZE: the sketch is the whole set, the figure exact.
    a = signature(None, "one two three four five six seven")  # 5 shingles
    b = signature(None, "one two three four five six eight")  # 4 shared, 1 each own
    assert len(a.sketch) == a.shingles == 5
    assert similarity(a, b) == pytest.approx(4 / 6)
    # one or two words are one shingle
    assert signature(None, "Ferry!").shingles == 1
    assert similarity(signature("Ferry", ""), signature("ferry", "")) == 1.0


def test_sketch_is_bounded_and_sorted() -> None:
    assert FERRY_A_SIG.shingles > SKETCH_SIZE
    assert len(FERRY_A_SIG.sketch) == SKETCH_SIZE
    assert list(FERRY_A_SIG.sketch) == sorted(FERRY_A_SIG.sketch)
    assert all(0 <= h < 2**63 for h in FERRY_A_SIG.sketch)  # a signed 64-bit column


def test_nothing_to_compare_is_similar_to_nothing() -> None:
    empty = signature(None, " ... ")
    assert empty.sketch == ()
    assert similarity(empty, empty) == 0.0
    assert similarity(empty, FERRY_A_SIG) == 0.0


def test_signatures_of_other_versions_are_not_comparable() -> None:
    other = dataclasses.replace(FERRY_A_SIG, version=FERRY_A_SIG.version + 1)
    assert similarity(FERRY_A_SIG, other) == 0.0


def test_signature_is_deterministic_across_runs() -> None:
    """A hard-coded signature computed once. Pinning exact values is usually brittle, but
    here it is the point: signatures are stored and compared across processes and runs, so
    they must not depend on hash() salting, dict order or the platform. When the algorithm
    changes on purpose, bump SIGNATURE_VERSION and recompute these."""
    text = "The night ferry to Kestrel will stop in April, Harbourline said."
    assert signature("Night ferry to end", text) == StorySignature(
        sketch=(
            311710178926538426,
            659097778741951716,
            1307897078164126408,
            2921436723432243807,
            3493379894037167596,
            4127765151292523330,
            4428656665711450750,
            4675025088348181164,
            4971905943653644363,
            6281400725664686773,
            6420131032616219466,
            8301280337246776218,
            8721412552844527939,
        ),
        shingles=13,
        version=1,
    )
    assert FERRY_A_SIG.shingles == 534
    assert FERRY_A_SIG.sketch[:3] == (6388289208433632, 7281034378394131, 24847779830180843)


def test_signature_pickles_and_goes_through_json() -> None:
    assert pickle.loads(pickle.dumps(FERRY_A_SIG)) == FERRY_A_SIG
    stored = json.loads(json.dumps(signature_to_json(FERRY_A_SIG)))
    assert signature_from_json(stored) == FERRY_A_SIG
    with pytest.raises(dataclasses.FrozenInstanceError):
        FERRY_A_SIG.shingles = 0  # type: ignore[misc]


@pytest.mark.parametrize(
    "value",
    [None, "x", [], {}, {"version": 1, "shingles": 2, "sketch": [1, "2"]}, {"sketch": [1]}],
)
def test_an_unreadable_stored_signature_is_similar_to_nothing(value: object) -> None:
    restored = signature_from_json(value)
    assert restored.sketch == ()
    assert similarity(restored, FERRY_A_SIG) == 0.0


@pytest.mark.timeout(10)  # about 3 ms: only a pathological slowdown trips the guard
def test_a_long_article_has_a_sketch() -> None:
    words = (FERRY_BODY + " " + COUNCIL).split()
    text = " ".join(words[i % len(words)] + str(i // len(words)) for i in range(2000))
    signature = story_signature(title=FERRY_A_TITLE, text=text)
    assert signature.sketch and similarity(signature, signature) == 1.0


# --- URLs ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://courier.example/a/b", "https://courier.example/a/b"),
        ("HTTPS://Courier.Example/a/B", "https://courier.example/a/B"),  # path keeps its case
        ("https://www.courier.example/a/b/", "https://courier.example/a/b"),
        ("http://courier.example:80/a/b", "https://courier.example/a/b"),
        ("https://courier.example:443/a/b", "https://courier.example/a/b"),
        ("https://courier.example:8443/a/b", "https://courier.example:8443/a/b"),
        ("https://courier.example/a/b#comments", "https://courier.example/a/b"),
        ("https://user:pw@courier.example/a/b", "https://courier.example/a/b"),
        ("https://courier.example./a/b", "https://courier.example/a/b"),
        ("  https://courier.example/a/b\n", "https://courier.example/a/b"),
        ("https://courier.example/", "https://courier.example"),
        (
            "https://courier.example/a?utm_source=rss&utm_medium=feed&id=7",
            "https://courier.example/a?id=7",
        ),
        (
            "https://courier.example/a?fbclid=x&gclid=y&ref=tw&cmpid=z&UTM_Campaign=q",
            "https://courier.example/a",
        ),
        ("https://courier.example/a?page=2&id=7", "https://courier.example/a?id=7&page=2"),
        (
            "https://courier.example/a?q=ferry%20times&x=",
            "https://courier.example/a?q=ferry+times&x=",
        ),
        ("not a url", "not a url"),
        ("https://courier.example:port/a", "https://courier.example:port/a"),
        ("", ""),
    ],
)
def test_normalise_url(url: str, key: str) -> None:
    assert normalise_url(url) == key
    assert normalise_url(key) == key  # idempotent


def test_normalise_url_keeps_different_pages_apart() -> None:
    assert normalise_url("https://courier.example/a?id=7") != normalise_url(
        "https://courier.example/a?id=8"
    )
    assert normalise_url("https://courier.example/a") != normalise_url("https://other.example/a")
    assert normalise_url("https://news.courier.example/a") != normalise_url(
        "https://courier.example/a"
    )


# --- find_same_story -----------------------------------------------------------------

URL_A = "https://courier.example/2026/03/night-ferry"
URL_B = "https://islandpost.example/news/kestrel-crossing-axed"
URL_C = "https://courier.example/2026/03/council-ferry-subsidy"


def test_find_same_story_by_text() -> None:
    candidates = [(1, URL_C, COUNCIL_SIG), (2, URL_A, FERRY_A_SIG)]
    assert (
        find_same_story(url=URL_B, signature=FERRY_B_SIG, candidates=candidates, threshold=0.8) == 2
    )
    assert (
        find_same_story(url=URL_B, signature=FERRY_B_SIG, candidates=candidates, threshold=0.95)
        is None
    )


def test_find_same_story_by_url() -> None:
    # Same page, different text (an updated version of the story): the URL decides.
    candidates = [(5, URL_C, COUNCIL_SIG), (6, URL_A, COUNCIL_SIG)]
    tracked = "http://www.courier.example/2026/03/night-ferry/?utm_source=rss#top"
    assert (
        find_same_story(url=tracked, signature=FERRY_A_SIG, candidates=candidates, threshold=0.8)
        == 6
    )
    assert (
        find_same_story(url=None, signature=FERRY_A_SIG, candidates=candidates, threshold=0.8)
        is None
    )


def test_find_same_story_returns_the_first_match() -> None:
    candidates = iter([(3, None, COUNCIL_SIG), (4, None, FERRY_A_SIG), (5, URL_B, FERRY_B_SIG)])
    assert (
        find_same_story(url=URL_B, signature=FERRY_B_SIG, candidates=candidates, threshold=0.8) == 4
    )


def test_find_same_story_with_no_candidates() -> None:
    assert find_same_story(url=URL_A, signature=FERRY_A_SIG, candidates=[], threshold=0.8) is None
