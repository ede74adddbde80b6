"""Commands: users add, passwd, remove, list (who may log in to `curator web`)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from curator import shapes
from curator.cli._common import _curator
from curator.cli._common import _json_line
from curator.cli._common import _text
from curator.cli._common import _when
from curator.cli._common import app
from curator.cli._common import err
from curator.cli._common import out

users_app = typer.Typer(
    help="Who may log in to the web desk (`curator web`).", no_args_is_help=True
)
app.add_typer(users_app, name="users")

_PASSWORD_STDIN = typer.Option(
    "--password-stdin", help="read the password from the first line of stdin (for scripts)"
)


def _read_password(name: str, from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password: str = typer.prompt(f"password for {name}", hide_input=True, confirmation_prompt=True)
    return password


@users_app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="user name: the `by` of their review actions")],
    password_stdin: Annotated[bool, _PASSWORD_STDIN] = False,
) -> None:
    """Add a user (the password is asked twice, or read with --password-stdin; at least
    8 characters; stored as an argon2id hash)."""
    with _curator(ctx, sources_file=False) as facade:
        user = facade.add_user(name, _read_password(name, password_stdin))
    err.print(_text(f"added user {user.name}"))


@users_app.command("passwd")
def passwd(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="user name")],
    password_stdin: Annotated[bool, _PASSWORD_STDIN] = False,
) -> None:
    """Set a user's password; their open web sessions end."""
    with _curator(ctx, sources_file=False) as facade:
        facade.set_password(name, _read_password(name, password_stdin))
    err.print(_text(f"changed the password of {name}"))


@users_app.command("remove")
def remove(ctx: typer.Context, name: Annotated[str, typer.Argument(help="user name")]) -> None:
    """Remove a user; their open web sessions end (their history stays)."""
    with _curator(ctx, sources_file=False) as facade:
        facade.remove_user(name)
    err.print(_text(f"removed user {name}"))


@users_app.command("list")
def list_(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines, one per user")] = False,
) -> None:
    """The users, by name."""
    with _curator(ctx, sources_file=False) as facade:
        users = facade.list_users()
    if as_json:
        for user in users:
            _json_line(shapes.user_json(user))
        return
    table = Table("name", "added", "password changed", title="users")
    for user in users:
        table.add_row(_text(user.name), _when(user.created_at), _when(user.password_changed_at))
    out.print(table)
