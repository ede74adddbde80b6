"""The web desk as a Starlette app: routes, templates, the error → status mapping.

Handlers are thin (parse the request, call one facade method, render one template);
they live in :mod:`curator.web.pages` (GET) and :mod:`curator.web.actions` (POST).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any
from typing import Final

import jinja2
from itsdangerous import BadSignature
from itsdangerous import URLSafeTimedSerializer
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.responses import RedirectResponse
from starlette.responses import Response
from starlette.routing import Mount
from starlette.routing import Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from curator import Curator
from curator import CuratorError
from curator import DraftError
from curator import NotFoundError
from curator import StaleVersionError
from curator import StoreError
from curator import UserError
from curator.web.highlight import link
from curator.web.highlight import word_diff
from curator.web.security import FormHandler
from curator.web.security import LoginThrottle
from curator.web.security import RequireLogin
from curator.web.security import SecurityHeaders
from curator.web.security import Session
from curator.web.security import SessionCodec
from curator.web.security import csrf_protected
from curator.web.security import load_secret_key
from curator.web.security import session_of

log = logging.getLogger(__name__)

HERE: Final = Path(__file__).parent
FLASH_COOKIE: Final = "curator_flash"


@dataclass
class WebContext:
    """What every handler needs: the facade, templates and guards."""

    curator: Curator
    templates: Jinja2Templates
    codec: SessionCodec
    throttle: LoginThrottle
    flash_signer: URLSafeTimedSerializer


def web(request: Request) -> WebContext:
    context: WebContext = request.app.state.web
    return context


def user_name(request: Request) -> str:
    """The logged-in user: the `by` of every review action."""
    return str(request.state.user.name)


def render(
    request: Request, template: str, context: dict[str, Any], *, status_code: int = 200
) -> Response:
    """One page, with the user, a CSRF token for its forms and the pending flash."""
    ctx = web(request)
    session = session_of(request)
    fresh_session = session is None
    if session is None:
        session = Session.anonymous()
    flash = _read_flash(request)
    response = ctx.templates.TemplateResponse(
        request,
        template,
        {
            "user": request.state.user,
            "csrf_token": session.csrf,
            "flash": flash,
            **context,
        },
        status_code=status_code,
    )
    if fresh_session:
        ctx.codec.write(response, request, session)
    if flash is not None:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def redirect(
    request: Request, url: str, *, flash: str | None = None, error: bool = False
) -> Response:
    """303 to ``url``, with a message for the next page."""
    response = RedirectResponse(url, status_code=303)
    if flash:
        value = web(request).flash_signer.dumps({"m": flash, "e": error})
        response.set_cookie(
            FLASH_COOKIE,
            value,
            max_age=120,
            path="/",
            httponly=True,
            samesite="lax",
            secure=web(request).codec.secure(request),
        )
    return response


def _read_flash(request: Request) -> dict[str, Any] | None:
    value = request.cookies.get(FLASH_COOKIE)
    if not value:
        return None
    try:
        data = web(request).flash_signer.loads(value, max_age=120)
    except BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    return {"message": str(data.get("m", "")), "error": bool(data.get("e"))}


# --- errors → statuses (one place) ----------------------------------------------------


def status_of(error: Exception) -> int:
    if isinstance(error, NotFoundError):
        return 404
    if isinstance(error, StaleVersionError):
        return 409
    if isinstance(error, DraftError):
        return 409 if type(error).__name__ == "InvalidTransitionError" else 422
    if isinstance(error, UserError):
        return 400
    if isinstance(error, StoreError):
        return 503
    return 500


async def _curator_error(request: Request, exc: Exception) -> Response:
    code = status_of(exc)
    if code >= 500:
        log.error("%s %s: %s", request.method, request.url.path, exc)
    if request.url.path.startswith("/api/"):
        return Response(
            json.dumps({"error": str(exc), "status": code}),
            status_code=code,
            media_type="application/json",
        )
    if request.state.user is None:
        return PlainTextResponse(str(exc), status_code=code)
    return render(request, "error.html", {"status": code, "message": str(exc)}, status_code=code)


async def _not_found(request: Request, exc: Exception) -> Response:
    if request.url.path.startswith("/api/"):
        return Response('{"error": "not found", "status": 404}', 404, media_type="application/json")
    if getattr(request.state, "user", None) is None:
        return PlainTextResponse("not found", status_code=404)
    return render(
        request, "error.html", {"status": 404, "message": "no such page"}, status_code=404
    )


# --- the app -------------------------------------------------------------------------


def _templates() -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,  # every template, whatever its name: source text is data
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # shipped templates do not change under a running desk
    )
    env.filters["when"] = _when
    env.filters["link"] = link
    env.globals["word_diff"] = word_diff
    return Jinja2Templates(env=env)


def _when(value: datetime | None) -> str:
    if value is None:
        return "—"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def make_app(curator: Curator, *, secret_key: str | None = None, https: bool = False) -> Starlette:
    """The web desk for ``curator``. ``secret_key`` signs sessions (default: the file
    ``<data dir>/web-secret``, made at first start); ``https``: the desk is served
    over https (behind a proxy), so cookies are Secure."""
    from curator.web import actions
    from curator.web import pages

    key = secret_key or load_secret_key(Path(curator.settings.data_dir))
    codec = SessionCodec(key, https=https)
    context = WebContext(
        curator=curator,
        templates=_templates(),
        codec=codec,
        throttle=LoginThrottle(),
        flash_signer=URLSafeTimedSerializer(key, salt="curator-web-flash"),
    )

    def post(path: str, handler: FormHandler) -> Route:
        return Route(path, csrf_protected(handler), methods=["POST"])

    routes: list[Route | Mount] = [
        Route("/healthz", pages.healthz, methods=["GET", "HEAD"]),
        Route("/login", pages.login_page, methods=["GET"]),
        post("/login", actions.login),
        post("/logout", actions.logout),
        Route("/", pages.queue, methods=["GET"]),
        Route("/drafts/{draft_id:int}", pages.draft, methods=["GET"]),
        post("/drafts/bulk", actions.bulk),
        post("/drafts/{draft_id:int}/approve", actions.approve),
        post("/drafts/{draft_id:int}/reject", actions.reject),
        post("/drafts/{draft_id:int}/edit", actions.edit),
        post("/drafts/{draft_id:int}/reopen", actions.reopen),
        post("/drafts/{draft_id:int}/unpublish", actions.unpublish),
        post("/drafts/{draft_id:int}/republish", actions.republish),
        post("/publish", actions.publish),
        Route("/sources", pages.sources, methods=["GET"]),
        Route("/published", pages.published, methods=["GET"]),
        Route("/voices", pages.voices, methods=["GET"]),
        Route("/voices/{speaker:path}", pages.speaker, methods=["GET"]),
        Route("/api/drafts", pages.api_drafts, methods=["GET"]),
        Route("/api/drafts/{draft_id:int}", pages.api_draft, methods=["GET"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    handlers: dict[Any, Callable[..., Any]] = {CuratorError: _curator_error, 404: _not_found}
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(RequireLogin, codec=codec, curator=curator),
        ],
        exception_handlers=handlers,
        max_body_size=2_000_000,
    )
    app.state.web = context
    return app
