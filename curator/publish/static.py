"""The static site target: index.html, one page per post, an Atom feed and a stylesheet.

`write_static_site` always writes the whole set of posts it is given and deletes
the pages of posts no longer in it, so removing a post is re-writing the site
without it. Files are written atomically and only when their bytes change.

A post shows the date of its story (the article's, else the entry's), which is also
its Atom ``published``; the date it was posted stays in its Atom id, which must not
change.
"""

from __future__ import annotations

import fcntl
import functools
import logging
import os
import re
import tempfile
from collections.abc import Iterator
from collections.abc import Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from feedgen.feed import FeedGenerator
from markupsafe import Markup

from curator.config import PublishSettings
from curator.errors import PublishError
from curator.model import Post
from curator.model import PublishResult
from curator.publish.render import draft_id_from_slug
from curator.publish.render import render_template
from curator.publish.render import safe_url
from curator.publish.render import sanitize_html

logger = logging.getLogger(__name__)

DEFAULT_TARGET_NAME = "site"
INDEX_TEMPLATE = "index.html"
POST_TEMPLATE = "post.html"
STYLE_TEMPLATE = "style.css"  # shipped with the templates; templates_dir may override it
FEED_FILE = "feed.xml"
INDEX_FILE = "index.html"
STYLE_FILE = "style.css"
POSTS_DIR = "posts"
_SAFE_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,199}")
# What _write_if_changed's temp files are called (mkstemp's random part is [a-z0-9_]).
_TEMP_FILE = re.compile(
    r"\.(?:index\.html|feed\.xml|style\.css|[A-Za-z0-9][A-Za-z0-9_-]{0,199}\.html)"
    r"\.[A-Za-z0-9_]+\.tmp"
)
_UNSET = PublishSettings()


def site_base_url(settings: PublishSettings) -> str:
    """settings.site_url with a trailing slash."""
    url = settings.site_url
    return url if url.endswith("/") else url + "/"


def post_path(slug: str) -> str:
    """The page of a post, relative to the site root."""
    return f"{POSTS_DIR}/{slug}.html"


def post_url(slug: str, settings: PublishSettings) -> str:
    return site_base_url(settings) + post_path(slug)


def entry_id(post: Post, settings: PublishSettings) -> str:
    """A stable Atom id (RFC 4151 tag: URI) from the site's host and the post's slug."""
    host = urlsplit(site_base_url(settings)).hostname or "curator.invalid"
    return f"tag:{host},{post.published_at:%Y-%m-%d}:{post.slug}"


def story_date(post: Post) -> datetime:
    """The date a post shows: its story's, else the day it was posted."""
    return post.story_published_at or post.published_at


def newest_first(posts: Sequence[Post]) -> list[Post]:
    return sorted(posts, key=lambda p: (p.published_at, p.draft_id), reverse=True)


def render_post_page(post: Post, *, settings: PublishSettings) -> str:
    """The full HTML document of one post."""
    own_url = post_url(post.slug, settings)
    source = safe_url(post.source_url)
    canonical = source if settings.canonical_to_source and source else own_url
    return render_template(
        settings,
        POST_TEMPLATE,
        post=post,
        body=Markup(sanitize_html(post.html)),
        canonical_url=canonical,
        story_date=story_date(post),
        site_title=settings.site_title,
        site_url=site_base_url(settings),
        feed_url=site_base_url(settings) + FEED_FILE,
    )


def render_index(posts: Sequence[Post], *, settings: PublishSettings) -> str:
    """index.html: the posts, newest first."""
    return render_template(
        settings,
        INDEX_TEMPLATE,
        posts=[
            {"post": p, "path": post_path(p.slug), "date": story_date(p)}
            for p in newest_first(posts)
        ],
        site_title=settings.site_title,
        site_url=site_base_url(settings),
        feed_url=site_base_url(settings) + FEED_FILE,
    )


def render_feed(posts: Sequence[Post], *, settings: PublishSettings, now: datetime) -> bytes:
    """The Atom feed (feedgen), newest first. `updated` is the newest post's, else now."""
    ordered = newest_first(posts)
    base = site_base_url(settings)
    fg = FeedGenerator()
    fg.id(base)
    fg.title(settings.site_title)
    fg.author({"name": settings.site_title})
    fg.link(href=base + FEED_FILE, rel="self", type="application/atom+xml")
    fg.link(href=base, rel="alternate", type="text/html")
    fg.updated(max((_entry_updated(p) for p in ordered), default=now))
    for post in ordered:
        fe = fg.add_entry(order="append")
        fe.id(entry_id(post, settings))
        fe.title(post.title)
        fe.updated(_entry_updated(post))
        fe.published(story_date(post))
        fe.link(href=post_url(post.slug, settings), rel="alternate", type="text/html")
        if post.summary:
            fe.summary(post.summary)
        fe.content(sanitize_html(post.html), type="html")
    try:
        data: bytes = fg.atom_str(pretty=True)
    except ValueError as e:
        raise PublishError(f"cannot build the Atom feed: {e}") from e
    return data


def _entry_updated(post: Post) -> datetime:
    # Never before <published>: a story dated later than its posting (a feed's clock).
    return max(post.updated_at, post.published_at, story_date(post))


def unset_site_settings(settings: PublishSettings) -> list[str]:
    """What the site settings left at their defaults cost, one phrase per setting."""
    unset = []
    if settings.site_url == _UNSET.site_url:
        unset.append(
            f"publish.site_url (every Atom id is tag:localhost,… and every link points at"
            f" {_UNSET.site_url})"
        )
    if settings.site_title == _UNSET.site_title:
        unset.append(f"publish.site_title (the site and its feed are titled {_UNSET.site_title!r})")
    return unset


@functools.cache
def _warn_unset(unset: tuple[str, ...]) -> None:
    # Once per process: the daemon publishes every tick.
    logger.warning(
        "the static site's settings are not set: %s; set them under publish: in sources.yaml",
        "; ".join(unset),
    )


def write_static_site(
    posts: Sequence[Post],
    *,
    site_dir: Path,
    settings: PublishSettings,
    now: datetime,
    target: str = DEFAULT_TARGET_NAME,
) -> list[PublishResult]:
    """Write the site for exactly `posts`; pages of other posts are deleted.

    Returns one result per post given (created, updated, unchanged, or error for
    an unusable slug) and one "deleted" result per page removed.
    """
    if unset := unset_site_settings(settings):
        _warn_unset(tuple(unset))
    results: list[PublishResult] = []
    kept: list[Post] = []
    seen: set[str] = set()
    for post in posts:
        if not _SAFE_SLUG.fullmatch(post.slug) or post.slug in seen:
            results.append(
                PublishResult(
                    target=target,
                    draft_id=post.draft_id,
                    outcome="error",
                    remote_id=post.slug,
                    error=f"unusable or duplicate slug: {post.slug!r}",
                )
            )
            continue
        seen.add(post.slug)
        kept.append(post)

    posts_dir = site_dir / POSTS_DIR
    try:
        posts_dir.mkdir(parents=True, exist_ok=True)
        with _site_lock(site_dir):
            _remove_temp_files(site_dir, posts_dir)
            _write_site(kept, site_dir, settings, now, target, seen, results)
    except OSError as e:
        raise PublishError(f"cannot write the static site in {site_dir}: {e}") from e
    return results


@contextmanager
def _site_lock(site_dir: Path) -> Iterator[None]:
    """An exclusive flock on the site folder: one writer at a time, so a temp file
    found while holding it was left by a writer that died (kill -9)."""
    fd = os.open(site_dir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _remove_temp_files(*folders: Path) -> None:
    for folder in folders:
        for path in folder.glob(".*.tmp"):
            if _TEMP_FILE.fullmatch(path.name):
                path.unlink(missing_ok=True)


def _write_site(
    kept: list[Post],
    site_dir: Path,
    settings: PublishSettings,
    now: datetime,
    target: str,
    seen: set[str],
    results: list[PublishResult],
) -> None:
    """The pages of ``kept``, the index and the feed; pages of other posts are deleted."""
    posts_dir = site_dir / POSTS_DIR
    for post in kept:
        page = render_post_page(post, settings=settings).encode("utf-8")
        outcome = _write_if_changed(site_dir / post_path(post.slug), page)
        results.append(
            PublishResult(
                target=target,
                draft_id=post.draft_id,
                outcome=outcome,
                remote_id=post.slug,
                remote_url=post_url(post.slug, settings),
            )
        )
    _write_if_changed(site_dir / INDEX_FILE, render_index(kept, settings=settings).encode())
    _write_if_changed(site_dir / STYLE_FILE, render_template(settings, STYLE_TEMPLATE).encode())
    _write_if_changed(site_dir / FEED_FILE, render_feed(kept, settings=settings, now=now))
    for page_file in sorted(posts_dir.glob("*.html")):
        draft_id = draft_id_from_slug(page_file.stem)
        if page_file.stem in seen or draft_id is None:
            continue  # kept, or not a page this target made
        page_file.unlink()
        results.append(
            PublishResult(
                target=target, draft_id=draft_id, outcome="deleted", remote_id=page_file.stem
            )
        )


def _write_if_changed(path: Path, data: bytes) -> str:
    """Write atomically (temp file + os.replace); "created", "updated" or "unchanged"."""
    try:
        old = path.read_bytes()
    except FileNotFoundError:
        old = None
    if old == data:
        return "unchanged"
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return "created" if old is None else "updated"
