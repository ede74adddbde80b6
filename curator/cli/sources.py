"""Commands: db upgrade, sources list/check/sync/import/export."""

from __future__ import annotations

import sys
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

import curator
from curator import SourceChanges
from curator import shapes

if TYPE_CHECKING:
    # Only for annotations: the facade (SQLAlchemy, httpx, trafilatura) and the config
    # loader are imported on first use through `curator.X`, so `--help` starts fast.
    pass
from curator.cli._common import _curator
from curator.cli._common import _errors
from curator.cli._common import _json_line
from curator.cli._common import _line
from curator.cli._common import _text
from curator.cli._common import db_app
from curator.cli._common import err
from curator.cli._common import out
from curator.cli._common import sources_app

# --- db ---------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Create the database or migrate it to the newest schema, then apply sources.yaml."""
    with _curator(ctx, check=False) as facade:
        changes = facade.upgrade()
    err.print(f"database is up to date ({escape(facade.database_url)})", highlight=False)
    _print_changes(changes)


def _print_changes(changes: SourceChanges) -> None:
    if not changes:
        err.print("sources: no change", highlight=False)
        return
    for label, ids in (
        ("added", changes.added),
        ("changed", changes.changed),
        ("removed", changes.removed),
    ):
        if ids:
            shown = ", ".join(ids[:10]) + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")
            err.print(_line(f"sources {label} ({len(ids)}): ", _text(shown)))


# --- sources ----------------------------------------------------------------------------


@sources_app.command("list")
def sources_list(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines, one per source")] = False,
) -> None:
    """List the sources configured in sources.yaml."""
    with _errors():
        settings = ctx.obj.settings()
    if as_json:
        for s in settings.sources:
            _json_line(shapes.source_config_json(s))
        return
    table = Table(title=str(settings.sources_path))
    for column in ("id", "name", "outlet", "enabled", "interval", "url"):
        table.add_column(column)
    for s in settings.sources:
        table.add_row(
            _text(s.id),
            _text(s.name),
            _text(s.outlet),
            "yes" if s.enabled else "no",
            str(s.interval),
            _text(s.url),
        )
    out.print(table)


@sources_app.command("check")
def sources_check(ctx: typer.Context) -> None:
    """Validate sources.yaml; print every problem with its file, line and field."""
    with _errors():
        settings = ctx.obj.settings()
    enabled = sum(1 for s in settings.sources if s.enabled)
    out.print(
        f"{settings.sources_path}: ok — {len(settings.sources)} sources ({enabled} enabled)",
        highlight=False,
    )


@sources_app.command("sync")
def sources_sync(ctx: typer.Context) -> None:
    """Apply sources.yaml to the database: add, update, mark removed (entries are kept).

    fetch and status use the sources in the database; run this after editing the file.
    """
    with _curator(ctx) as facade:
        changes = facade.sync_sources()
    _print_changes(changes)


@sources_app.command("import")
def sources_import(
    ctx: typer.Context,
    opml: Annotated[Path, typer.Argument(help="OPML file to import", exists=True, dir_okay=False)],
    print_only: Annotated[
        bool, typer.Option("--print", help="print the YAML entries instead of appending them")
    ] = False,
) -> None:
    """Add the feeds of an OPML file to sources.yaml (skipping URLs already there)."""
    with _errors():
        settings = ctx.obj.settings()
        path = settings.sources_path
        plan = curator.plan_opml_import(
            opml.read_bytes(),
            opml_name=str(opml),
            sources_text=path.read_text(encoding="utf-8"),
            sources_path=path,
            existing=settings.sources,
        )
        if print_only:
            sys.stdout.write(plan.items_yaml)
            return
        if plan.problem is not None:
            raise plan.problem
        assert plan.new_text is not None
        path.write_text(plan.new_text, encoding="utf-8")
    out.print(f"imported {len(plan.added)} sources into {path} ({plan.skipped} already there)")


@sources_app.command("export")
def sources_export(
    ctx: typer.Context,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="write here instead of stdout")
    ] = None,
) -> None:
    """Write the configured sources as OPML."""
    with _errors():
        settings = ctx.obj.settings()
    text = curator.export_opml(settings.sources, title="curator sources", now=datetime.now(UTC))
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
