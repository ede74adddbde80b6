"""Render an approved draft into a Post: sanitised HTML in the seed's shape.

Pure: no I/O beyond reading templates. Every field that comes from a source is
escaped by Jinja2 (autoescape) and the finished body is sanitised again with nh3,
so a shipped or overriding template cannot let executable markup through.
"""

from __future__ import annotations

import functools
import hashlib
import re
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
import nh3

from curator.config import PublishSettings
from curator.errors import PublishError
from curator.model import Draft
from curator.model import Post

SLUG_PREFIX = "curator-"
BODY_TEMPLATE = "body.html"  # the post body: Post.html
SAFE_URL_SCHEMES = frozenset({"http", "https"})
ALLOWED_TAGS = frozenset({"p", "blockquote", "a", "ul", "li", "em", "strong", "h1", "h2", "time"})
ALLOWED_ATTRIBUTES = {"a": {"href"}, "time": {"datetime"}}

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
# Characters XML 1.0 cannot carry (the feed would fail to build) plus other C0 controls.
_INVALID_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")
_SLUG_RE = re.compile(r"curator-(\d+)")


def slug_for(draft_id: int) -> str:
    """The stable slug of a draft's post (also the idempotency key of targets)."""
    return f"{SLUG_PREFIX}{draft_id}"


def draft_id_from_slug(slug: str) -> int | None:
    """The draft id a slug made by `slug_for` stands for, else None."""
    match = _SLUG_RE.fullmatch(slug)
    return int(match.group(1)) if match else None


def safe_url(url: str | None) -> str | None:
    """The URL if it is an absolute http(s) URL with a host, else None."""
    if not url:
        return None
    url = clean_text(url).strip()
    if any(ch.isspace() or ch in "\"'<>`" for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in SAFE_URL_SCHEMES or not parts.hostname:
        return None
    return url


def clean_text(text: str) -> str:
    """Drop characters XML cannot carry (control characters, lone surrogates)."""
    return _INVALID_CHARS.sub("", text)


def sanitize_html(html: str) -> str:
    """The final gate: only the tags and attributes a post body may have."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style"},
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(SAFE_URL_SCHEMES),
        generic_attribute_prefixes=set(),
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def long_date(value: datetime) -> str:
    """ "Thursday, 18 May 2017" (English whatever the locale)."""
    return f"{_WEEKDAYS[value.weekday()]}, {value.day} {_MONTHS[value.month - 1]} {value.year}"


def iso_datetime(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


def content_hash(title: str, html: str, source_url: str) -> str:
    """sha256 of what a target shows: a changed hash means publish again."""
    digest = hashlib.sha256()
    for part in (title, html, source_url):
        digest.update(part.encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()


def template_environment(settings: PublishSettings) -> jinja2.Environment:
    """Templates from `settings.templates_dir` first, then the shipped ones."""
    return _environment(settings.templates_dir)


@functools.lru_cache(maxsize=8)
def _environment(templates_dir: Path | None) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    if templates_dir is not None:
        loaders.append(jinja2.FileSystemLoader(str(templates_dir)))
    loaders.append(jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["long_date"] = long_date
    env.filters["iso_datetime"] = iso_datetime
    return env


def render_template(settings: PublishSettings, name: str, **context: Any) -> str:
    try:
        template = template_environment(settings).get_template(name)
        return template.render(**context)
    except jinja2.TemplateError as e:
        raise PublishError(f"cannot render template {name}: {e}") from e


def _require_aware(name: str, value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise PublishError(f"{name} must be timezone-aware")


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def render_post(
    draft: Draft, *, published_at: datetime, updated_at: datetime, settings: PublishSettings
) -> Post:
    """The post of an approved draft, its body rendered with `body.html` and sanitised."""
    _require_aware("published_at", published_at)
    _require_aware("updated_at", updated_at)
    content = draft.content
    headline = " ".join(clean_text(content.headline).split())
    summary = clean_text(content.summary).strip()
    outlet = " ".join(clean_text(content.outlet).split())
    source_url = safe_url(content.source_url)
    if not outlet and source_url:
        outlet = urlsplit(source_url).hostname or ""
    quotes = [
        {
            "text": clean_text(q.text).strip(),
            "speaker": clean_text(q.speaker).strip() if q.speaker else None,
            "outlet": clean_text(q.outlet).strip() if q.outlet else None,
        }
        for q in content.quotes
        if q.text.strip()
    ]
    also = [
        {"outlet": clean_text(c.outlet).strip() or c.url, "url": safe_url(c.url)}
        for c in content.also_reported_by
    ]
    body = render_template(
        settings,
        BODY_TEMPLATE,
        draft=draft,
        headline=headline,
        published_at=published_at,
        summary_paragraphs=_paragraphs(summary),
        attribution=clean_text(content.attribution).strip(),
        excerpt_paragraphs=_paragraphs(clean_text(content.excerpt)),
        quotes=quotes,
        outlet=outlet,
        source_url=source_url,
        also_reported_by=also,
    )
    html = sanitize_html(body).strip() + "\n"
    kept_url = source_url or ""
    return Post(
        draft_id=draft.id,
        slug=slug_for(draft.id),
        title=headline,
        html=html,
        summary=summary,
        source_url=kept_url,
        outlet=outlet,
        published_at=published_at,
        # A post is not updated before it is first published (the draft's last change
        # usually is): Atom's <updated> must not be earlier than <published>.
        updated_at=max(updated_at, published_at),
        tags=tuple(clean_text(t) for t in content.tags),
        content_hash=content_hash(headline, html, kept_url),
        story_published_at=_aware_or_none(content.published_at),
    )


def _aware_or_none(value: datetime | None) -> datetime | None:
    """A date to show and put in the feed; a naive one (a bug upstream) is left out."""
    if value is None or value.tzinfo is None or value.utcoffset() is None:
        return None
    return value
