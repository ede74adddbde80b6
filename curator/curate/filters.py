"""Which entries become drafts: keep/block rules, min_words and max_age (pure).

Two checks, each returning None to keep or one short line saying why not:

- :func:`check_entry`, before the article page is fetched, on what the feed
  gives: max_age, then block rules, then keep rules.
- :func:`check_article`, after extraction: min_words on the body, then block
  rules on ``content`` against the body, then (see there) keep rules on
  ``content``.

Patterns are regular expressions searched case-insensitively (``re.search``
with ``re.IGNORECASE``). A field with several values (``tags``) matches when
any value matches. A missing value (None, blank, no tags) matches no rule,
keep or block: an entry without an author is never blocked by an author rule,
and never kept by one.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Iterable
from collections.abc import Sequence
from datetime import datetime
from datetime import timedelta

from curator.errors import ConfigError
from curator.model import FILTER_FIELDS
from curator.model import Article
from curator.model import Entry
from curator.model import FilterRules

__all__ = ["check_article", "check_entry"]

_TAG = re.compile(r"<[^>]*>")
# The same as curate.text's words and clean_text; kept here while that module is not merged.
_WORD = re.compile(r"\w+(?:[’'.\-]\w+)*")

#: The values of each field; () when it has none (None, blank, no tags).
_Values = dict[str, tuple[str, ...]]


def check_entry(
    entry: Entry, tags: Sequence[str], rules: FilterRules, *, now: datetime
) -> str | None:
    """Why ``entry`` is dropped before its article is fetched, or None to keep it.

    Fields: ``title``, ``url`` (the entry's link), ``author``, ``tags`` (the
    source's tags: entries have none of their own yet) and ``content`` (summary
    and content with HTML tags stripped). ``max_age`` is measured from the
    entry's published date, else its updated date; an entry with neither, or
    dated in the future, is never too old. ``min_words`` is not checked here:
    it needs the article body (:func:`check_article`).
    """
    if rules.max_age is not None:
        reason = _check_age(entry, rules.max_age, now)
        if reason:
            return reason
    content = " ".join(_strip_html(part) for part in (entry.summary, entry.content) if part)
    values: _Values = {
        "title": _present(entry.title),
        "url": _present(entry.link),
        "author": _present(entry.author),
        "tags": tuple(tag for tag in tags if tag.strip()),
        "content": _present(content),
    }
    return _check_block(rules.block, values) or _check_keep(rules.keep, values)


def check_article(article: Article, rules: FilterRules) -> str | None:
    """Why ``article`` is dropped after extraction, or None to keep it.

    - ``min_words``: the body (``article.text``) must have at least that many words.
    - block rules on ``content`` are searched in the body too (the entry check saw
      only the feed's summary).
    - keep rules on ``content``: when *every* keep rule is a content rule, the
      entry was kept because one matched the feed's summary/content, and one must
      match the body as well. When there are keep rules on other fields, the
      entry check already decided keep/not kept and the body cannot change that.

    Other fields are not checked again: they were checked on the entry.
    """
    words = _count_words(article.text)
    if words < rules.min_words:
        return f"too short: {words} words (min_words {rules.min_words})"
    values: _Values = {"content": _present(article.text)}
    block = tuple((name, pattern) for name, pattern in rules.block if name == "content")
    reason = _check_block(block, values)
    if reason:
        return reason
    if rules.keep and all(name == "content" for name, _ in rules.keep):
        return _check_keep(rules.keep, values)
    return None


def _strip_html(markup: str) -> str:
    """The text of an HTML fragment: tags removed, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(_TAG.sub(" ", markup)).split())


def _count_words(text: str) -> int:
    """Words in ``text``: "U.S.", "won’t", "2.5" and "mid-April" count once each."""
    return sum(1 for _ in _WORD.finditer(text))


# --- rules ---------------------------------------------------------------------------


def _check_block(rules: Iterable[tuple[str, str]], values: _Values) -> str | None:
    for name, pattern in rules:
        if _matches(name, pattern, values):
            return f"blocked: {name} matches '{pattern}'"
    return None


def _check_keep(rules: Sequence[tuple[str, str]], values: _Values) -> str | None:
    if not rules or any(_matches(name, pattern, values) for name, pattern in rules):
        return None
    return f"not kept: no keep rule matched ({_describe(rules)})"


def _matches(name: str, pattern: str, values: _Values) -> bool:
    if name not in FILTER_FIELDS:
        known = ", ".join(FILTER_FIELDS)
        raise ConfigError(f"unknown filter field {name!r} (known: {known})", field=name)
    regex = _compile(pattern)
    return any(regex.search(value) for value in values.get(name, ()))


@functools.lru_cache(maxsize=1024)
def _compile(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as e:
        raise ConfigError(f"bad regular expression {pattern!r}: {e}") from e


def _describe(rules: Sequence[tuple[str, str]]) -> str:
    """'tags: politics, world; title: vote' — patterns grouped by field, in rule order."""
    by_field: dict[str, list[str]] = {}
    for name, pattern in rules:
        by_field.setdefault(name, []).append(pattern)
    return "; ".join(f"{name}: {', '.join(patterns)}" for name, patterns in by_field.items())


def _present(value: str | None) -> tuple[str, ...]:
    return (value,) if value and value.strip() else ()


# --- max_age -------------------------------------------------------------------------


def _check_age(entry: Entry, max_age: timedelta, now: datetime) -> str | None:
    if entry.published_at is not None:
        verb, when = "published", entry.published_at
    elif entry.updated_at is not None:
        verb, when = "updated", entry.updated_at
    else:
        return None
    age = now - when
    if age <= max_age:
        return None
    return f"too old: {verb} {_ago(age)} ago (max_age {_duration(max_age)})"


_UNITS = (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))


def _ago(age: timedelta) -> str:
    """'9 days', '7 days 12 hours', '3 hours 5 minutes', '1 minute' (largest two units)."""
    seconds = int(age.total_seconds())
    parts: list[str] = []
    for name, size in _UNITS:
        count, seconds = divmod(seconds, size)
        if count and len(parts) < 2:
            parts.append(f"{count} {name}{'' if count == 1 else 's'}")
        elif parts:
            break
    return " ".join(parts) or "0 seconds"


def _duration(value: timedelta) -> str:
    """A timedelta as sources.yaml writes it: '7d', '36h', '90m', '45s', '500ms'."""
    milliseconds = round(value.total_seconds() * 1000)
    for suffix, size in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000)):
        if milliseconds % size == 0:
            return f"{milliseconds // size}{suffix}"
    return f"{milliseconds}ms"
