"""Publish posts to a WordPress site through its REST API (``wp/v2``).

Target options (``publish.targets[]`` with ``type: wordpress``):

``url``
    The site root, e.g. ``https://example.org`` (routes are ``<url>/wp-json/wp/v2/...``),
    or the query form ``https://example.org/?rest_route=`` for sites without pretty
    permalinks (routes are passed as ``?rest_route=/wp/v2/...``).
``status``
    ``draft`` (the default) or ``publish``.

Authentication is HTTP Basic with a WordPress *application password* (Users →
Profile → Application Passwords); WordPress only offers them over https, or on a
site whose ``WP_ENVIRONMENT_TYPE`` is ``local``.

What is sent: the title (HTML-escaped: WordPress titles are HTML, curator titles are
text, so ``<script>`` in a title stays text), ``post.html`` followed by a paragraph
linking the source, ``slug`` = ``post.slug``, the tags (created when missing), and the
post meta ``curator_slug`` and ``curator_source_url`` (kept only if the site registers
them with ``register_post_meta(..., ['show_in_rest' => true])``; unregistered meta is
ignored by WordPress).

Idempotency: the WordPress ``slug`` is ``post.slug``. Before creating, the post is
looked up with ``GET /wp/v2/posts?slug=<slug>&status=<any but trash>``, so a crash
between creating the remote post and writing the ledger cannot make a duplicate: the
next run finds the post and updates it. ``existing_id`` (from the ledger) is tried
first; if WordPress no longer has it, the slug lookup decides.

``action="unpublish"`` moves the post to the trash (``DELETE`` without ``force``).

A remote failure never raises: it is a `PublishResult` with outcome ``"error"`` and
a one-line ``error``. httpx exceptions are translated in one place, `_Api.call`.
"""

from __future__ import annotations

import html
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from typing import Final

import httpx

from curator.config import TargetSettings
from curator.model import Post
from curator.model import PublishResult
from curator.publish._http import NO_COMPRESSION
from curator.publish._http import one_line
from curator.publish._http import one_line_text
from curator.publish._http import read_answer
from curator.publish._http import target_url_problem

logger = logging.getLogger(__name__)

ACTIONS: Final = ("publish", "unpublish")
STATUSES: Final = ("draft", "publish")
DEFAULT_TIMEOUT: Final = 20.0  # seconds, per request
# Every status a live (not trashed) post can have: what the slug lookup searches.
LIVE_STATUSES: Final = "publish,future,draft,pending,private"
SLUG_META: Final = "curator_slug"
SOURCE_META: Final = "curator_source_url"


MAX_ANSWER_BYTES = 8 * 1024 * 1024  # a WordPress answer is a post or a page of posts


class _Failed(Exception):
    """A request failed: ``reason`` is the one-line error of the result."""

    def __init__(self, reason: str, status: int | None = None, code: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.code = code


@dataclass(frozen=True, slots=True)
class _Api:
    """Calls to one site's REST API, pretty (``/wp-json``) or query (``?rest_route=``) form."""

    client: httpx.AsyncClient
    root: str  # the site root, without a trailing slash (pretty) or the query
    query_form: bool

    @classmethod
    def for_url(cls, client: httpx.AsyncClient, url: str) -> _Api:
        if "rest_route" in url:
            return cls(client=client, root=url.split("?", 1)[0].rstrip("/"), query_form=True)
        root = url.rstrip("/")
        if root.endswith("/wp-json"):
            root = root[: -len("/wp-json")]
        return cls(client=client, root=root, query_form=False)

    async def call(
        self,
        method: str,
        route: str,
        *,
        params: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
    ) -> Any:
        """The decoded JSON answer of a 2xx; else raises `_Failed` (the one choke point)."""
        query = dict(params or {})
        if self.query_form:
            url = self.root + "/"
            query = {"rest_route": route, **query}
        else:
            url = self.root + "/wp-json" + route
        try:
            request = self.client.build_request(
                method,
                url,
                params=query or None,
                content=None if body is None else json.dumps(body).encode(),
                headers={"Content-Type": "application/json"} if body is not None else None,
            )
            response = await self.client.send(request, stream=True)
            try:
                content = await read_answer(response, MAX_ANSWER_BYTES)
            finally:
                await response.aclose()
        except httpx.TimeoutException:
            raise _Failed(f"{method} {route}: timed out") from None
        except (httpx.NetworkError, httpx.RemoteProtocolError) as e:
            raise _Failed(f"{method} {route}: connection failed ({type(e).__name__})") from None
        except (httpx.HTTPError, httpx.InvalidURL) as e:
            raise _Failed(f"{method} {route}: request failed: {one_line(e)}") from None
        if content is None:
            raise _Failed(
                f"{method} {route}: answer refused (compressed, or over {MAX_ANSWER_BYTES} bytes)",
                response.status_code,
            )
        data: Any = None
        try:
            data = json.loads(content) if content else None
        except ValueError:
            data = None
        status = response.status_code
        if 200 <= status < 300:
            if data is None:
                raise _Failed(f"{method} {route}: HTTP {status} without a JSON answer", status)
            return data
        code = data.get("code") if isinstance(data, dict) else None
        message = data.get("message") if isinstance(data, dict) else None
        detail = ""
        if isinstance(code, str):
            detail += f" {code}"
        if isinstance(message, str) and message:
            detail += f": {one_line_text(html.unescape(message))}"
        elif not isinstance(data, dict | list):
            detail += " (not a WordPress REST answer: is the url right?)"
        raise _Failed(
            f"{method} {route}: HTTP {status}{detail}",
            status,
            code if isinstance(code, str) else None,
        )


async def publish_to_wordpress(
    post: Post,
    *,
    target: TargetSettings,
    username: str,
    app_password: str,
    now: datetime,
    action: str = "publish",
    existing_id: str | None = None,
    client_timeout: float = DEFAULT_TIMEOUT,
) -> PublishResult:
    """Create, update (``action="publish"``) or trash (``"unpublish"``) ``post`` on the
    WordPress site of ``target``.

    Returns outcome ``"created"``, ``"updated"`` or ``"deleted"`` with the WordPress
    post id as ``remote_id`` and its ``link`` as ``remote_url``; ``"error"`` with a
    one-line reason when anything fails. Only a bad ``action`` raises (ValueError).
    ``now`` is accepted for symmetry with the other targets (WordPress dates the post).
    """
    del now  # WordPress keeps its own dates
    if action not in ACTIONS:
        raise ValueError(f"unknown wordpress action {action!r}; expected one of {ACTIONS}")

    def failed(error: str) -> PublishResult:
        return PublishResult(
            target=target.name, draft_id=post.draft_id, outcome="error", error=error
        )

    problem = target_url_problem(target, "wordpress")
    if problem:
        return failed(problem)
    url = target.option("url") or ""
    status = target.option("status", "draft") or "draft"
    if status not in STATUSES:
        return failed(
            f"wordpress target {target.name!r}: status {status!r} is not one of {STATUSES}"
        )
    if not username or not app_password:
        return failed(f"wordpress target {target.name!r}: no username or application password")

    async with httpx.AsyncClient(
        trust_env=False,
        headers=NO_COMPRESSION,
        timeout=client_timeout,
        follow_redirects=False,
        auth=httpx.BasicAuth(username, app_password),
    ) as client:
        api = _Api.for_url(client, url)
        try:
            if action == "unpublish":
                return await _unpublish(api, post, target, existing_id)
            return await _publish(api, post, target, status, existing_id)
        except _Failed as e:
            reason = e.reason
            if e.status in (400, 401, 403):
                reason = await _explain_auth(api, username) or reason
            return failed(f"wordpress {target.name}: {reason}")


async def _publish(
    api: _Api, post: Post, target: TargetSettings, status: str, existing_id: str | None
) -> PublishResult:
    body: dict[str, Any] = {
        "title": html.escape(post.title, quote=False),
        "content": _content(post),
        "excerpt": html.escape(post.summary, quote=False),
        "slug": post.slug,
        "status": status,
        "meta": {SLUG_META: post.slug, SOURCE_META: post.source_url},
    }
    if post.tags:
        body["tags"] = await _tag_ids(api, post.tags)

    remote_id = existing_id if existing_id and existing_id.isdigit() else None
    if remote_id is not None:
        try:
            data = await api.call("POST", f"/wp/v2/posts/{remote_id}", body=body)
            return _result(target, post, "updated", data)
        except _Failed as e:
            if e.status not in (404, 410):
                raise
            logger.info(
                "wordpress %s: post %s is gone; looking up %s", target.name, remote_id, post.slug
            )
    found = await _find(api, post.slug)
    if found is not None:
        data = await api.call("POST", f"/wp/v2/posts/{found}", body=body)
        return _result(target, post, "updated", data)
    data = await api.call("POST", "/wp/v2/posts", body=body)
    return _result(target, post, "created", data)


async def _unpublish(
    api: _Api, post: Post, target: TargetSettings, existing_id: str | None
) -> PublishResult:
    remote_id = existing_id if existing_id and existing_id.isdigit() else None
    if remote_id is not None:
        try:
            data = await api.call("DELETE", f"/wp/v2/posts/{remote_id}")
            return _result(target, post, "deleted", data)
        except _Failed as e:
            # 410 already trashed; 404 gone: the slug lookup decides.
            if e.status == 410:
                return PublishResult(
                    target=target.name,
                    draft_id=post.draft_id,
                    outcome="deleted",
                    remote_id=remote_id,
                )
            if e.status != 404:
                raise
    found = await _find(api, post.slug)
    if found is None:  # nothing live with that slug: already unpublished
        return PublishResult(target=target.name, draft_id=post.draft_id, outcome="deleted")
    data = await api.call("DELETE", f"/wp/v2/posts/{found}")
    return _result(target, post, "deleted", data)


async def _find(api: _Api, slug: str) -> str | None:
    """The id of the live post whose slug is ``slug`` (preferring our meta), or None."""
    data = await api.call(
        "GET",
        "/wp/v2/posts",
        params={"slug": slug, "status": LIVE_STATUSES, "context": "edit", "per_page": "10"},
    )
    if not isinstance(data, list):
        raise _Failed("GET /wp/v2/posts: the answer is not a list")
    candidates = [item for item in data if isinstance(item, dict) and "id" in item]
    if not candidates:
        return None
    for item in candidates:
        meta = item.get("meta")
        if isinstance(meta, dict) and meta.get(SLUG_META) == slug:
            return str(item["id"])
    return str(candidates[0]["id"])


async def _tag_ids(api: _Api, names: tuple[str, ...]) -> list[int]:
    """WordPress tag ids for ``names``, creating the missing tags."""
    ids: list[int] = []
    for name in dict.fromkeys(n.strip() for n in names if n.strip()):
        found = await api.call("GET", "/wp/v2/tags", params={"search": name, "per_page": "100"})
        match = None
        if isinstance(found, list):
            for tag in found:
                if (
                    isinstance(tag, dict)
                    and isinstance(tag.get("name"), str)
                    and html.unescape(tag["name"]).casefold() == name.casefold()
                ):
                    match = tag.get("id")
                    break
        if match is None:
            try:
                created = await api.call("POST", "/wp/v2/tags", body={"name": name})
                match = created.get("id") if isinstance(created, dict) else None
            except _Failed as e:
                if e.code != "term_exists":
                    raise
                match = await _existing_term(api, name)
        if isinstance(match, int) and match not in ids:
            ids.append(match)
    return ids


async def _existing_term(api: _Api, name: str) -> int | None:
    """The id of tag ``name`` when creating it said ``term_exists`` (search missed it)."""
    found = await api.call("GET", "/wp/v2/tags", params={"slug": name, "per_page": "1"})
    if isinstance(found, list) and found and isinstance(found[0], dict):
        tag_id = found[0].get("id")
        return tag_id if isinstance(tag_id, int) else None
    return None


async def _explain_auth(api: _Api, username: str) -> str | None:
    """After a 400/401/403: a clear message if the credentials are what WordPress refuses."""
    try:
        await api.call("GET", "/wp/v2/users/me", params={"context": "edit"})
    except _Failed as e:
        if e.status in (401, 403):
            return (
                f"WordPress refused the credentials of user {username!r} "
                f"(check the username and application password): {e.reason}"
            )
    return None


def _content(post: Post) -> str:
    source = html.escape(post.source_url, quote=True)
    label = html.escape(post.outlet or post.source_url, quote=False)
    return (
        f"{post.html}\n"
        f'<p class="curator-source">Source: <a href="{source}" rel="noopener">{label}</a></p>'
    )


def _result(target: TargetSettings, post: Post, outcome: str, data: Any) -> PublishResult:
    remote_id = data.get("id") if isinstance(data, dict) else None
    link = data.get("link") if isinstance(data, dict) else None
    return PublishResult(
        target=target.name,
        draft_id=post.draft_id,
        outcome=outcome,
        remote_id=str(remote_id) if isinstance(remote_id, int | str) else None,
        remote_url=link if isinstance(link, str) else None,
    )
