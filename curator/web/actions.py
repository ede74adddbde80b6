"""The desk's actions (POST, each behind the CSRF check): log in and out, review,
edit, publish. Each calls one facade method with the logged-in user as ``by``, then
sends the browser back where it was with a message."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from curator import CuratorError
from curator import DraftFormatError
from curator import LoginError
from curator import NotFoundError
from curator import StaleVersionError
from curator.web.app import redirect
from curator.web.app import render
from curator.web.app import user_name
from curator.web.app import web
from curator.web.pages import render_draft
from curator.web.security import client_address
from curator.web.security import logged_in
from curator.web.security import safe_next
from curator.web.security import session_of


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _note(form: FormData) -> str | None:
    return _text(form, "note").strip() or None


def _version(form: FormData) -> int | None:
    value = _text(form, "version").strip()
    return int(value) if value.isdigit() else None


def _back(form: FormData, default: str) -> str:
    back = _text(form, "back")
    return safe_next(back) if back else default


# --- login, logout -----------------------------------------------------------------


async def login(request: Request, form: FormData) -> Response:
    ctx = web(request)
    name = _text(form, "name").strip()
    password = _text(form, "password")
    next_url = safe_next(_text(form, "next"))
    address = client_address(request)
    wait = ctx.throttle.wait(name, address)
    if wait > 0:
        message = f"too many failed logins; try again in {int(wait) + 1} s"
        return render(
            request,
            "login.html",
            {"next": next_url, "error": message, "name": name},
            status_code=429,
        )
    try:
        user = await run_in_threadpool(ctx.curator.verify_login, name, password)
    except LoginError as e:
        ctx.throttle.failed(name, address)
        return render(
            request,
            "login.html",
            {"next": next_url, "error": str(e), "name": name},
            status_code=401,
        )
    ctx.throttle.succeeded(name, address)
    response = redirect(request, next_url)
    old = session_of(request)
    if old is not None:
        ctx.codec.revoke(old)
    ctx.codec.write(response, request, logged_in(user.name, user.password_changed_at))
    return response


async def logout(request: Request, form: FormData) -> Response:
    response = redirect(request, "/login")
    session = session_of(request)
    if session is not None:
        web(request).codec.end(response, request, session)
    return response


# --- review ---------------------------------------------------------------------------


def _draft_url(draft_id: int, form: FormData) -> str:
    back = _text(form, "back")
    return f"/drafts/{draft_id}" + (f"?back={back}" if back and safe_next(back) == back else "")


async def approve(request: Request, form: FormData) -> Response:
    draft_id: int = request.path_params["draft_id"]
    facade = web(request).curator
    try:
        draft = await run_in_threadpool(
            lambda: facade.approve(
                draft_id,
                by=user_name(request),
                note=_note(form),
                force=_text(form, "force") == "1",
                version=_version(form),
            )
        )
    except NotFoundError:
        raise
    except CuratorError as e:
        return redirect(request, _draft_url(draft_id, form), flash=str(e), error=True)
    return redirect(request, _back(form, f"/drafts/{draft_id}"), flash=f"approved #{draft.id}")


async def reject(request: Request, form: FormData) -> Response:
    draft_id: int = request.path_params["draft_id"]
    facade = web(request).curator
    try:
        draft = await run_in_threadpool(
            lambda: facade.reject(
                draft_id, by=user_name(request), note=_note(form), version=_version(form)
            )
        )
    except NotFoundError:
        raise
    except CuratorError as e:
        return redirect(request, _draft_url(draft_id, form), flash=str(e), error=True)
    return redirect(request, _back(form, f"/drafts/{draft_id}"), flash=f"rejected #{draft.id}")


async def reopen(request: Request, form: FormData) -> Response:
    """Send a rejected draft back to review."""
    draft_id: int = request.path_params["draft_id"]
    facade = web(request).curator
    try:
        await run_in_threadpool(
            lambda: facade.reopen(draft_id, by=user_name(request), note=_note(form))
        )
    except NotFoundError:
        raise
    except CuratorError as e:
        return redirect(request, f"/drafts/{draft_id}", flash=str(e), error=True)
    return redirect(request, f"/drafts/{draft_id}", flash=f"reopened #{draft_id}")


async def edit(request: Request, form: FormData) -> Response:
    """Save an edit from the draft page. Invalid: the page again with the text kept
    and the error; stale (the draft changed since this text was loaded): the text kept,
    and the newer version shown beside it."""
    draft_id: int = request.path_params["draft_id"]
    facade = web(request).curator
    markdown = _text(form, "markdown").replace("\r\n", "\n")
    try:
        await run_in_threadpool(
            lambda: facade.edit_draft(draft_id, markdown, by=user_name(request), note=_note(form))
        )
    except StaleVersionError as e:
        current = e.current or await run_in_threadpool(facade.get_draft, draft_id)
        newer = await run_in_threadpool(facade.draft_markdown, draft_id)
        return await render_draft(
            request,
            draft_id,
            edit_text=markdown,
            edit_error=str(e),
            conflict=current,
            conflict_markdown=newer,
            status_code=409,
        )
    except DraftFormatError as e:
        return await render_draft(
            request, draft_id, edit_text=markdown, edit_error=str(e), status_code=422
        )
    except NotFoundError:
        raise
    except CuratorError as e:
        return await render_draft(
            request, draft_id, edit_text=markdown, edit_error=str(e), status_code=409
        )
    return redirect(request, f"/drafts/{draft_id}", flash=f"saved #{draft_id}")


async def bulk(request: Request, form: FormData) -> Response:
    """Approve or reject the selected drafts; one refused draft does not stop the others."""
    action = _text(form, "action")
    back = _back(form, "/")
    if action not in ("approve", "reject"):
        return redirect(request, back, flash=f"unknown bulk action {action!r}", error=True)
    ids = [int(v) for v in form.getlist("ids") if isinstance(v, str) and v.isdigit()]
    if not ids:
        return redirect(request, back, flash="no drafts selected", error=True)
    facade = web(request).curator
    many = facade.approve_many if action == "approve" else facade.reject_many
    results = await run_in_threadpool(lambda: many(ids, by=user_name(request), note=_note(form)))
    done = [str(r.draft_id) for r in results if r.ok]
    refused = [f"#{r.draft_id}: {r.error}" for r in results if not r.ok]
    verb = "approved" if action == "approve" else "rejected"
    message = f"{verb} {len(done)}" + (f" (#{', #'.join(done)})" if done else "")
    if refused:
        message += f"; refused {len(refused)}: " + "; ".join(refused)
    return redirect(request, back, flash=message, error=bool(refused))


# --- publishing ----------------------------------------------------------------------


async def publish(request: Request, form: FormData) -> Response:
    facade = web(request).curator
    results = await run_in_threadpool(facade.publish)
    failed = [r for r in results if r.outcome == "error"]
    counts: dict[str, int] = {}
    for result in results:
        counts[result.outcome] = counts.get(result.outcome, 0) + 1
    summary = (
        ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())) or "nothing to publish"
    )
    for result in failed:
        summary += f"; #{result.draft_id} to {result.target}: {result.error}"
    return redirect(
        request, _back(form, "/published"), flash=f"publish: {summary}", error=bool(failed)
    )


async def unpublish(request: Request, form: FormData) -> Response:
    """Take the post down everywhere; the draft is withdrawn (republish brings it back)."""
    draft_id: int = request.path_params["draft_id"]
    facade = web(request).curator
    back = _back(form, "/published")
    try:
        results = await run_in_threadpool(
            lambda: facade.unpublish(draft_id, by=user_name(request), note=_note(form))
        )
    except NotFoundError:
        raise
    except CuratorError as e:
        return redirect(request, back, flash=str(e), error=True)
    failed = [f"{r.target}: {r.error}" for r in results if r.outcome == "error"]
    if failed:
        return redirect(request, back, flash=f"#{draft_id}: " + "; ".join(failed), error=True)
    return redirect(request, back, flash=f"unpublished #{draft_id}")


async def republish(request: Request, form: FormData) -> Response:
    """A withdrawn draft approved again; the next publish sends it."""
    draft_id: int = request.path_params["draft_id"]
    facade = web(request).curator
    back = _back(form, "/published")
    try:
        await run_in_threadpool(
            lambda: facade.republish(draft_id, by=user_name(request), note=_note(form))
        )
    except NotFoundError:
        raise
    except CuratorError as e:
        return redirect(request, back, flash=str(e), error=True)
    return redirect(request, back, flash=f"#{draft_id} approved again; publish to send it")
