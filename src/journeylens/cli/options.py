"""Options and helpers shared by every command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from typer.core import TyperCommand, TyperGroup

from journeylens.config import get_settings

console = Console()
err = Console(stderr=True)

WorkspaceOpt = Annotated[
    Path,
    typer.Option(
        "--workspace",
        "-w",
        envvar="JOURNEYLENS_WORKSPACE",
        help="Workspace directory (DuckDB file, config, keys).",
        show_default=True,
        metavar="DIR",
    ),
]
DEFAULT_WS = get_settings().workspace


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print an error the way every command does and return the Exit to raise."""
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def _untyped_flags(command: typer.core.click.Command, ctx: typer.core.click.Context) -> None:
    """Typer's help prints ``<bool>`` after every flag (``--help`` too); a flag takes no value."""
    for param in command.get_params(ctx):
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""


class Command(TyperCommand):
    def format_help(self, ctx, formatter):  # type: ignore[no-untyped-def]
        _untyped_flags(self, ctx)
        return super().format_help(ctx, formatter)


class Group(TyperGroup):
    def format_help(self, ctx, formatter):  # type: ignore[no-untyped-def]
        _untyped_flags(self, ctx)
        return super().format_help(ctx, formatter)


class App(typer.Typer):
    """A ``typer.Typer`` whose commands print help without type placeholders after flags."""

    def __init__(self, **options: Any) -> None:
        options.setdefault("cls", Group)
        super().__init__(**options)

    def command(self, *args: Any, **options: Any) -> Any:
        options.setdefault("cls", Command)
        return super().command(*args, **options)
