"""check_entry / check_article: keep and block rules, min_words, max_age, reasons."""

from __future__ import annotations

import dataclasses
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any

import pytest

from curator.curate.filters import check_article
from curator.curate.filters import check_entry
from curator.errors import ConfigError
from curator.model import Article
from curator.model import Entry
from curator.model import FilterRules

NOW = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)
TAGS = ("politics", "world")


def entry(**changes: Any) -> Entry:
    base = Entry(
        id=1,
        source_id="courier",
        key="https://courier.example/2026/03/ferry",
        guid=None,
        link="https://courier.example/2026/03/ferry",
        title="Night ferry to Kestrel to end after 37 years",
        author="Ada Byrne",
        summary="<p>Harbourline will stop the <b>night ferry</b> in April.</p>",
        content=None,
        published_at=NOW - timedelta(hours=3),
        updated_at=None,
        content_hash="h",
        first_seen_at=NOW,
        last_seen_at=NOW,
    )
    return dataclasses.replace(base, **changes)


def check(rules: FilterRules, tags: tuple[str, ...] = TAGS, **changes: Any) -> str | None:
    return check_entry(entry(**changes), tags, rules, now=NOW)


def test_no_rules_keep_everything() -> None:
    assert check(FilterRules()) is None
    assert check(FilterRules(), tags=(), title=None, link=None, summary=None) is None
    assert check_article(Article(text=""), FilterRules()) is None


# --- block ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "pattern"),
    [
        ("title", "kestrel"),
        ("url", "/2026/03/"),
        ("author", "^ada "),
        ("tags", "^world$"),
        ("content", "night ferry"),  # across the stripped <b> tag
    ],
)
def test_block_rule_on_each_field(field: str, pattern: str) -> None:
    rules = FilterRules(block=((field, pattern),))
    assert check(rules) == f"blocked: {field} matches '{pattern}'"


@pytest.mark.parametrize(
    ("field", "pattern"),
    [
        ("title", "sponsored"),
        ("url", "/live/"),
        ("author", "staff"),
        ("tags", "^sport$"),
        ("content", "advertorial"),
    ],
)
def test_block_rule_that_does_not_match_keeps(field: str, pattern: str) -> None:
    assert check(FilterRules(block=((field, pattern),))) is None


def test_block_is_case_insensitive() -> None:
    rules = FilterRules(block=(("title", "SPONSORED"),))
    assert check(rules, title="A sponsored look at ferries") == "blocked: title matches 'SPONSORED'"
    inline = FilterRules(block=(("title", "(?i)sponsored|advertorial"),))
    assert check(inline, title="ADVERTORIAL: ferries") == (
        "blocked: title matches '(?i)sponsored|advertorial'"
    )


def test_block_is_a_search_not_a_full_match() -> None:
    assert check(FilterRules(block=(("url", "live"),)), link="https://x.example/live/1") == (
        "blocked: url matches 'live'"
    )


def test_the_first_block_rule_that_matches_is_named() -> None:
    rules = FilterRules(block=(("author", "nobody"), ("tags", "world"), ("title", "ferry")))
    assert check(rules) == "blocked: tags matches 'world'"


@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("title", {"title": None}),
        ("title", {"title": "   "}),
        ("url", {"link": None}),
        ("author", {"author": None}),
        ("tags", {"tags": ()}),
        ("content", {"summary": None, "content": None}),
        ("content", {"summary": "<img src='x.png'>", "content": None}),
    ],
)
def test_missing_values_match_no_rule(field: str, changes: dict[str, Any]) -> None:
    tags = changes.pop("tags", TAGS)
    everything = ".*"  # would match any value, even an empty one
    assert check(FilterRules(block=((field, everything),)), tags=tags, **changes) is None
    assert check(FilterRules(keep=((field, everything),)), tags=tags, **changes) == (
        f"not kept: no keep rule matched ({field}: .*)"
    )


# --- keep ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "pattern"),
    [
        ("title", "ferry"),
        ("url", r"courier\.example"),
        ("author", "byrne"),
        ("tags", "politics"),
        ("content", "harbourline"),
    ],
)
def test_keep_rule_on_each_field(field: str, pattern: str) -> None:
    assert check(FilterRules(keep=((field, pattern),))) is None
    assert check(FilterRules(keep=((field, "zebra"),))) == (
        f"not kept: no keep rule matched ({field}: zebra)"
    )


def test_one_keep_rule_is_enough() -> None:
    rules = FilterRules(keep=(("title", "election"), ("tags", "world")))
    assert check(rules) is None


def test_tags_match_when_any_tag_matches() -> None:
    rules = FilterRules(keep=(("tags", "^world$"),))
    assert check(rules, tags=("sport", "world")) is None
    assert check(rules, tags=("sport", "worldwide")) == (
        "not kept: no keep rule matched (tags: ^world$)"
    )


def test_not_kept_names_the_keep_rules_by_field() -> None:
    rules = FilterRules(keep=(("tags", "politics"), ("title", "vote"), ("tags", "world")))
    assert check(rules, tags=("sport",)) == (
        "not kept: no keep rule matched (tags: politics, world; title: vote)"
    )


def test_keep_and_not_block() -> None:
    rules = FilterRules(keep=(("tags", "world"),), block=(("url", "/live/"),))
    assert check(rules) is None
    assert check(rules, link="https://courier.example/live/ferry") == (
        "blocked: url matches '/live/'"
    )
    assert check(rules, tags=("sport",)) == "not kept: no keep rule matched (tags: world)"
    # Kept by a rule and blocked by another: blocked wins.
    both = FilterRules(keep=(("title", "ferry"),), block=(("title", "kestrel"),))
    assert check(both) == "blocked: title matches 'kestrel'"


def test_content_is_summary_and_content_without_html() -> None:
    rules = FilterRules(keep=(("content", "crew of 14"),))
    assert check(rules, content="<p>A crew of <em>14</em> will lose their jobs.</p>") is None
    # Markup is not content: a pattern on a tag name or attribute finds nothing.
    assert check(FilterRules(block=(("content", "<b>|href"),)), summary='<a href="x">s</a>') is None
    # Entities are decoded.
    assert check(FilterRules(keep=(("content", "fish & chips"),)), summary="fish &amp; chips") is (
        None
    )


# --- max_age -------------------------------------------------------------------------


def test_max_age() -> None:
    rules = FilterRules(max_age=timedelta(days=7))
    assert check(rules, published_at=NOW - timedelta(days=7)) is None
    assert check(rules, published_at=NOW - timedelta(days=9)) == (
        "too old: published 9 days ago (max_age 7d)"
    )
    assert check(rules, published_at=NOW - timedelta(days=7, hours=12)) == (
        "too old: published 7 days 12 hours ago (max_age 7d)"
    )


def test_max_age_uses_updated_when_there_is_no_published_date() -> None:
    rules = FilterRules(max_age=timedelta(hours=36))
    old = NOW - timedelta(days=2, minutes=5)
    assert check(rules, published_at=None, updated_at=old) == (
        "too old: updated 2 days ago (max_age 36h)"
    )
    # published wins over updated
    assert check(rules, published_at=NOW - timedelta(hours=1), updated_at=old) is None


def test_max_age_keeps_undated_and_future_entries() -> None:
    rules = FilterRules(max_age=timedelta(minutes=90))
    assert check(rules, published_at=None, updated_at=None) is None
    assert check(rules, published_at=NOW + timedelta(days=1)) is None
    assert check(rules, published_at=NOW - timedelta(hours=3, minutes=1)) == (
        "too old: published 3 hours 1 minute ago (max_age 90m)"
    )


def test_too_old_is_reported_before_block_and_keep() -> None:
    rules = FilterRules(
        keep=(("title", "zebra"),), block=(("title", "ferry"),), max_age=timedelta(seconds=45)
    )
    assert check(rules) == "too old: published 3 hours ago (max_age 45s)"


def test_min_words_is_not_checked_on_the_entry() -> None:
    assert check(FilterRules(min_words=1000)) is None


# --- check_article -------------------------------------------------------------------

BODY = " ".join(["The ferry carried islanders home at night."] * 20)  # 140 words


def test_min_words() -> None:
    article = Article(text=BODY)
    assert check_article(article, FilterRules(min_words=140)) is None
    assert check_article(article, FilterRules(min_words=150)) == (
        "too short: 140 words (min_words 150)"
    )
    assert check_article(Article(text=""), FilterRules(min_words=1)) == (
        "too short: 0 words (min_words 1)"
    )


def test_words_are_counted_like_the_drafts_count_them() -> None:
    text = "Don't stop — the well-known ferry’s 5.40pm sailing leaves the U.S. at 2,000 knots!"
    assert check_article(Article(text=text), FilterRules(min_words=14)) is None
    assert check_article(Article(text=text), FilterRules(min_words=15)) == (
        "too short: 14 words (min_words 15)"
    )


def test_block_on_content_searches_the_article_body() -> None:
    rules = FilterRules(block=(("content", "paid partnership"),))
    assert check_article(Article(text=BODY), rules) is None
    body = BODY + "\n\nThis article is a PAID partnership with Harbourline."
    assert check_article(Article(text=body), rules) == (
        "blocked: content matches 'paid partnership'"
    )


def test_article_check_ignores_rules_on_other_fields() -> None:
    rules = FilterRules(
        keep=(("title", "zebra"), ("content", "zebra")), block=(("title", "ferry"),)
    )
    assert check_article(Article(text=BODY, title="Ferry"), rules) is None


def test_content_keep_rules_must_match_the_body_when_they_are_the_only_keep_rules() -> None:
    rules = FilterRules(keep=(("content", "harbourline"), ("content", "ferry")))
    assert check_article(Article(text=BODY), rules) is None
    only = FilterRules(keep=(("content", "harbourline"),))
    assert check_article(Article(text=BODY), only) == (
        "not kept: no keep rule matched (content: harbourline)"
    )


def test_too_short_is_reported_before_block() -> None:
    rules = FilterRules(block=(("content", "ferry"),), min_words=1000)
    assert check_article(Article(text=BODY), rules) == "too short: 140 words (min_words 1000)"


# --- errors and helpers --------------------------------------------------------------


def test_bad_pattern_and_unknown_field_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="bad regular expression"):
        check(FilterRules(block=(("title", "(unclosed"),)))
    with pytest.raises(ConfigError, match="unknown filter field 'body'"):
        check(FilterRules(keep=(("body", "x"),)))


def test_entry_content_is_text_not_markup() -> None:
    summary = "<p>One&nbsp;<b>two</b></p>\n<p>three &lt;4&gt;</p>"
    assert check(FilterRules(keep=(("content", "^One two three <4>$"),)), summary=summary) is None
