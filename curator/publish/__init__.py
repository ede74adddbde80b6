"""Publishing: render approved drafts into posts and write them to targets."""

from __future__ import annotations

from curator.publish.render import content_hash as content_hash
from curator.publish.render import draft_id_from_slug as draft_id_from_slug
from curator.publish.render import render_post as render_post
from curator.publish.render import safe_url as safe_url
from curator.publish.render import sanitize_html as sanitize_html
from curator.publish.render import slug_for as slug_for
from curator.publish.static import render_feed as render_feed
from curator.publish.static import render_index as render_index
from curator.publish.static import render_post_page as render_post_page
from curator.publish.static import write_static_site as write_static_site

__all__ = [
    "content_hash",
    "draft_id_from_slug",
    "render_feed",
    "render_index",
    "render_post",
    "render_post_page",
    "safe_url",
    "sanitize_html",
    "slug_for",
    "write_static_site",
]
