"""Command: web (the review desk in a browser)."""

from __future__ import annotations

from typing import Annotated

import typer

import curator
from curator.cli._common import Options
from curator.cli._common import _errors
from curator.cli._common import _text
from curator.cli._common import app
from curator.cli._common import err

LOOPBACK = "127.0.0.1"


@app.command()
def web(
    ctx: typer.Context,
    host: Annotated[
        str,
        typer.Option("--host", help="address to listen on (default: loopback only)"),
    ] = LOOPBACK,
    port: Annotated[int, typer.Option("--port", help="TCP port")] = 8000,
    https: Annotated[
        bool,
        typer.Option(
            "--https", help="served over https by a proxy in front: session cookies are Secure"
        ),
    ] = False,
) -> None:
    """Serve the review desk (queue, drafts, sources, published, voices) to logged-in
    users (`curator users add NAME`). Listens on 127.0.0.1 unless told otherwise."""
    import uvicorn

    from curator.web import make_app

    options: Options = ctx.obj
    with _errors():
        # sources.yaml names the sources in the filters; without one the desk still runs.
        settings = options.settings_or_default()
    with _errors(), curator.make_curator(settings) as facade:
        facade.check_database()
        application = make_app(facade, https=https)
        if not facade.list_users():
            err.print("no users yet: add one with `curator users add NAME` to log in")
        where = (
            "loopback only"
            if host in (LOOPBACK, "localhost", "::1")
            else "reachable from other machines"
        )
        err.print(
            _text(f"serving the desk on http://{_url_host(host)}:{port}/ ({where}; Ctrl-C stops)")
        )
        uvicorn.run(
            application,
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
            proxy_headers=https,
            server_header=False,
        )


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
