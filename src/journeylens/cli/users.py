"""``journeylens users``: the people who sign in to the web UI."""

from __future__ import annotations

import getpass
import sys
from typing import Annotated

import typer
from rich.table import Table

from journeylens.cli.options import DEFAULT_WS, App, WorkspaceOpt, console, err, fail
from journeylens.store.users import LANGUAGES, ROLES, UserError, UserStore

users_app = App(
    help="Create, list and delete the users who sign in to the web UI.", no_args_is_help=True
)


def read_password(confirm: bool = True) -> str:
    """From the terminal (asked twice), or the first line of standard input in a script."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if confirm and getpass.getpass("Again: ") != first:
        raise fail("The two passwords differ; nothing changed.")
    return first


@users_app.command("create")
def users_create(
    name: Annotated[str, typer.Argument(help="The name to sign in with.")],
    role: Annotated[
        str, typer.Option(help=f"{' or '.join(ROLES)}: admins also manage write keys.")
    ] = "member",
    language: Annotated[str, typer.Option(help=f"UI language: {', '.join(LANGUAGES)}.")] = "en",
    workspace: WorkspaceOpt = DEFAULT_WS,
) -> None:
    """Create a user; the password is read from standard input when it is not a terminal."""
    password = read_password()
    workspace.mkdir(parents=True, exist_ok=True)
    try:
        UserStore(workspace).create(name, password, role=role, language=language)
    except UserError as error:
        raise fail(str(error)) from None
    err.print(f"Created {role} {name}; sign in at the server's address.")


@users_app.command("password")
def users_password(name: str, workspace: WorkspaceOpt = DEFAULT_WS) -> None:
    """Set a new password (read from standard input when it is not a terminal)."""
    try:
        UserStore(workspace).set_password(name, read_password())
    except UserError as error:
        raise fail(str(error)) from None
    err.print(f"Changed the password of {name}.")


@users_app.command("list")
def users_list(workspace: WorkspaceOpt = DEFAULT_WS) -> None:
    """List users (names, roles, languages; passwords are stored only as hashes)."""
    table = Table("name", "role", "language", "created")
    for user in UserStore(workspace).list():
        table.add_row(user.name, user.role, user.language, user.created_at)
    console.print(table)


@users_app.command("delete")
def users_delete(name: str, workspace: WorkspaceOpt = DEFAULT_WS) -> None:
    """Delete a user; their open sessions end at their next request."""
    try:
        UserStore(workspace).delete(name)
    except UserError as error:
        raise fail(str(error)) from None
    console.print(f"Deleted user {name}.")
