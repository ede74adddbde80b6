"""The WordPress target against a real WordPress (Debian's package, PHP's built-in
server and a private MariaDB on 127.0.0.1), started once per session by wpserver.

Skipped when the packages are missing, unless CURATOR_REQUIRE_WORDPRESS is set.
CURATOR_TEST_WORDPRESS="URL USER APP_PASSWORD" uses a running site instead.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from datetime import UTC
from datetime import datetime
from typing import Any

import httpx
import pytest
import wpserver

from curator.config import TargetSettings
from curator.model import Post
from curator.model import PublishResult
from curator.publish.wordpress import publish_to_wordpress

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def make_post(**changes: Any) -> Post:
    post = Post(
        draft_id=7,
        slug=f"2024-05-01-bridge-{uuid.uuid4().hex[:8]}",
        title="Mayor says the bridge will reopen — “soon”",
        html="<p>The mayor told <em>The Courier</em> that “it will reopen in June.”</p>",
        summary="The bridge will reopen in June, the mayor said.",
        source_url="https://news.example.org/bridge?id=1&x=2",
        outlet="The Courier",
        published_at=datetime(2024, 5, 1, 10, 0, tzinfo=UTC),
        updated_at=datetime(2024, 5, 1, 11, 30, tzinfo=UTC),
        tags=("local", "transport"),
        content_hash="abc123",
    )
    return replace(post, **changes)


def target(site: wpserver.WordPress, **options: str) -> TargetSettings:
    values = {"url": site.url, **options}
    return TargetSettings(name="wp", type="wordpress", options=tuple(values.items()))


def publish(
    site: wpserver.WordPress,
    post: Post,
    *,
    password: str | None = None,
    options: dict[str, str] | None = None,
    **kwargs: Any,
) -> PublishResult:
    return asyncio.run(
        publish_to_wordpress(
            post,
            target=target(site, **(options or {})),
            username=site.user,
            app_password=site.app_password if password is None else password,
            now=NOW,
            **kwargs,
        )
    )


def rest(site: wpserver.WordPress, method: str, route: str, **kwargs: Any) -> Any:
    """Read the site back through its REST API, authenticated."""
    with httpx.Client(auth=(site.user, site.app_password), trust_env=False, timeout=20) as client:
        response = client.request(method, f"{site.url}/wp-json{route}", **kwargs)
    assert response.status_code < 300, response.text
    return response.json()


def posts_with_slug(site: wpserver.WordPress, slug: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = rest(
        site,
        "GET",
        "/wp/v2/posts",
        params={"slug": slug, "status": "publish,future,draft,pending,private,trash"},
    )
    return found


def test_create_then_read_back(wordpress: wpserver.WordPress) -> None:
    post = make_post()
    result = publish(wordpress, post)
    assert result.outcome == "created", result.error
    assert result.error is None
    assert result.remote_id and result.remote_id.isdigit()
    assert result.remote_url and result.remote_url.startswith(wordpress.url)

    data = rest(wordpress, "GET", f"/wp/v2/posts/{result.remote_id}", params={"context": "edit"})
    assert data["slug"] == post.slug
    assert data["status"] == "draft"
    assert data["title"]["raw"] == post.title
    assert "it will reopen in June" in data["content"]["raw"]
    assert 'href="https://news.example.org/bridge?id=1&amp;x=2"' in data["content"]["raw"]
    assert data["meta"]["curator_slug"] == post.slug
    assert data["meta"]["curator_source_url"] == post.source_url
    tags = rest(
        wordpress, "GET", "/wp/v2/tags", params={"include": ",".join(map(str, data["tags"]))}
    )
    assert sorted(t["name"] for t in tags) == ["local", "transport"]


def test_publish_again_updates_the_same_post(wordpress: wpserver.WordPress) -> None:
    post = make_post()
    first = publish(wordpress, post)
    assert first.outcome == "created", first.error
    changed = replace(
        post, html="<p>Changed: the bridge reopens in July.</p>", tags=("local", "roads")
    )
    second = publish(wordpress, changed, existing_id=first.remote_id)
    assert second.outcome == "updated", second.error
    assert second.remote_id == first.remote_id
    data = rest(wordpress, "GET", f"/wp/v2/posts/{first.remote_id}", params={"context": "edit"})
    assert "reopens in July" in data["content"]["raw"]
    assert "reopen in June" not in data["content"]["raw"]
    assert len(posts_with_slug(wordpress, post.slug)) == 1


def test_status_publish(wordpress: wpserver.WordPress) -> None:
    result = publish(wordpress, make_post(), options={"status": "publish"})
    assert result.outcome == "created", result.error
    data = rest(wordpress, "GET", f"/wp/v2/posts/{result.remote_id}")
    assert data["status"] == "publish"


def test_query_form_url(wordpress: wpserver.WordPress) -> None:
    post = make_post()
    result = publish(wordpress, post, options={"url": f"{wordpress.url}/?rest_route="})
    assert result.outcome == "created", result.error
    assert len(posts_with_slug(wordpress, post.slug)) == 1


def test_crash_before_the_ledger_write_does_not_duplicate(wordpress: wpserver.WordPress) -> None:
    post = make_post()
    # The post exists remotely, but the ledger never learnt its id.
    created = rest(
        wordpress,
        "POST",
        "/wp/v2/posts",
        json={"title": "half-done", "slug": post.slug, "status": "draft", "content": "old"},
    )
    result = publish(wordpress, post)  # no existing_id
    assert result.outcome == "updated", result.error
    assert result.remote_id == str(created["id"])
    found = posts_with_slug(wordpress, post.slug)
    assert len(found) == 1
    data = rest(wordpress, "GET", f"/wp/v2/posts/{created['id']}", params={"context": "edit"})
    assert data["title"]["raw"] == post.title


def test_stale_existing_id_falls_back_to_the_slug(wordpress: wpserver.WordPress) -> None:
    post = make_post()
    first = publish(wordpress, post)
    assert first.outcome == "created", first.error
    again = publish(wordpress, post, existing_id="999999")
    assert again.outcome == "updated", again.error
    assert again.remote_id == first.remote_id
    assert len(posts_with_slug(wordpress, post.slug)) == 1


def test_unpublish_trashes(wordpress: wpserver.WordPress) -> None:
    post = make_post()
    first = publish(wordpress, post)
    assert first.outcome == "created", first.error
    gone = publish(wordpress, post, action="unpublish", existing_id=first.remote_id)
    assert gone.outcome == "deleted", gone.error
    assert gone.remote_id == first.remote_id
    data = rest(wordpress, "GET", f"/wp/v2/posts/{first.remote_id}", params={"context": "edit"})
    assert data["status"] == "trash"
    # Again, and without the id: nothing live is left, still "deleted", no error.
    again = publish(wordpress, post, action="unpublish")
    assert again.outcome == "deleted"
    assert again.error is None
    assert again.remote_id is None


def test_unpublish_without_id_finds_the_post(wordpress: wpserver.WordPress) -> None:
    post = make_post()
    first = publish(wordpress, post)
    gone = publish(wordpress, post, action="unpublish")
    assert gone.outcome == "deleted", gone.error
    assert gone.remote_id == first.remote_id
    data = rest(wordpress, "GET", f"/wp/v2/posts/{first.remote_id}", params={"context": "edit"})
    assert data["status"] == "trash"


def test_bad_credentials_are_a_clear_error(wordpress: wpserver.WordPress) -> None:
    post = make_post()
    result = publish(wordpress, post, password="abcd efgh ijkl mnop qrst uvwx")
    assert result.outcome == "error"
    assert result.error is not None
    assert "\n" not in result.error
    assert "credentials" in result.error
    assert repr(wordpress.user) in result.error
    assert posts_with_slug(wordpress, post.slug) == []


def test_unreachable_site_is_an_error(wordpress: wpserver.WordPress) -> None:
    from fetch.servers import unused_port

    site = wpserver.WordPress(url=f"http://127.0.0.1:{unused_port()}", user="x", app_password="y")
    result = publish(site, make_post())
    assert result.outcome == "error"
    assert result.error is not None and "connection failed" in result.error


def test_bad_options_are_errors(wordpress: wpserver.WordPress) -> None:
    assert publish(wordpress, make_post(), options={"status": "pending"}).outcome == "error"
    bad = publish(wordpress, make_post(), options={"url": "ftp://example.org"})
    assert bad.error is not None and "not http or https" in bad.error
    with pytest.raises(ValueError):
        publish(wordpress, make_post(), action="explode")


def test_script_in_the_title_stays_inert(wordpress: wpserver.WordPress) -> None:
    post = make_post(title='Bridge <script>alert("x")</script><img src=x onerror=alert(1)> news')
    result = publish(wordpress, post, options={"status": "publish"})
    assert result.outcome == "created", result.error
    data = rest(wordpress, "GET", f"/wp/v2/posts/{result.remote_id}")
    rendered = data["title"]["rendered"]
    assert "<script" not in rendered.lower()
    assert "<img" not in rendered.lower()
    assert "&lt;script&gt;" in rendered
    # The public page too.
    with httpx.Client(trust_env=False, timeout=20) as client:
        page = client.get(result.remote_url or "", follow_redirects=True)
    assert page.status_code == 200
    assert '<script>alert("x")' not in page.text
