"""Analysis commands, one per registered analysis, their options made from the query model."""

from __future__ import annotations

import csv
import inspect
import io
import json
import sys
import types
import typing
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated, Any

import typer
from pydantic.fields import FieldInfo
from rich.table import Table

from journeylens.analyses import inputs, registry
from journeylens.analyses.base import Analysis, AnalysisError
from journeylens.cli.options import DEFAULT_WS, WorkspaceOpt, console, fail
from journeylens.workspace import (
    Workspace,
    WorkspaceConfigError,
    WorkspaceInUseError,
    WorkspaceNotFoundError,
)

FormatOpt = Annotated[str, typer.Option("--format", help="table, json or csv")]


def ask_server(error: WorkspaceInUseError, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """While a server owns the workspace, run the analysis there (with its local token)."""
    import urllib.error
    import urllib.request

    info = error.server
    if not info or not info.get("local_token"):
        raise fail(str(error)) from None
    request = urllib.request.Request(
        f"http://{info['host']}:{info['port']}{path}",
        data=json.dumps(body).encode(),
        headers={
            "Authorization": f"Bearer {info['local_token']}",
            "Content-Type": "application/json",
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as http_error:
        detail = json.loads(http_error.read() or b"{}")
        raise fail(detail.get("message", str(http_error))) from None
    except (urllib.error.URLError, OSError, ValueError) as other:
        raise fail(f"{error} Asking it failed: {other}") from None


def emit(rows: list[dict[str, Any]], data: dict[str, Any], fmt: str, title: str) -> None:
    if fmt == "json":
        print(json.dumps(data, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else [])
        writer.writeheader()
        writer.writerows(rows)
        sys.stdout.write(out.getvalue())
    elif fmt == "table":
        table = Table(*(rows[0].keys() if rows else []), title=title)
        for row in rows:
            table.add_row(*(_cell(v) for v in row.values()))
        console.print(table)
    else:
        raise fail(f"--format must be table, json or csv, not {fmt!r}.")


def _cell(value: Any) -> str:
    if isinstance(value, float):
        if value.is_integer():
            return f"{value:,.0f}"
        return f"{value:.3f}" if abs(value) < 10 else f"{value:,.0f}"
    return "—" if value is None else str(value)


def _option_type(annotation: Any) -> Any:
    """The CLI type of a query field: simple scalars as they are, lists as repeated text, and
    dates as text, read by the query model as the API reads them (``analyses.inputs``:
    ``yesterday``, ``-7d``) so both give the same message for a bad one."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType) and len(args) == 1:
        return _option_type(args[0])
    if origin in (list, tuple):
        return list[str]
    if annotation in (bool, int, float):
        return annotation
    return str


def _help(field: FieldInfo) -> str:
    text = field.description or ""
    choices = _choices(field)
    if choices:
        text += f" One of: {', '.join(choices)}."
    if not field.is_required() and field.default not in (None, (), []):
        default = field.default
        if isinstance(default, timedelta):
            default = _duration_text(default)
        text += f" (default {default})"
    return text.strip()


def _metavar(name: str, field: FieldInfo, kind: Any) -> str:
    """``session|person`` for choices, ``N`` for numbers, ``STEP`` for a repeated ``steps``."""
    choices = _choices(field)
    if choices:
        return "|".join(choices)
    if kind in (int, float):
        return "N"
    if datetime in typing.get_args(field.annotation):
        return "DATE"
    if kind == list[str]:
        return name.upper().removesuffix("S")
    return name.upper()


def _choices(field: FieldInfo) -> list[str]:
    choices = [a for a in typing.get_args(field.annotation) if isinstance(a, str)]
    for arg in typing.get_args(field.annotation):
        choices += [c for c in typing.get_args(arg) if isinstance(c, str)]
    return choices


def _duration_text(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def analysis_command(analysis: Analysis) -> Callable[..., None]:
    """A typer command whose options are the fields of the analysis's query model."""
    fields = analysis.query.model_fields
    parameters = [
        inspect.Parameter("workspace", inspect.Parameter.KEYWORD_ONLY, default=DEFAULT_WS,
                          annotation=WorkspaceOpt)
    ]  # fmt: skip
    for name, field in fields.items():
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        flag = str(extra.get("cli") or "--" + name.replace("_", "-"))
        kind = _option_type(field.annotation)
        if kind is bool:
            option = typer.Option(
                f"{flag}/--no-{flag.removeprefix('--')}", help=_help(field), show_default=False
            )
        else:
            metavar = str(extra.get("metavar") or _metavar(name, field, kind))
            option = typer.Option(flag, help=_help(field), show_default=False, metavar=metavar)
        required = field.is_required()
        parameters.append(
            inspect.Parameter(
                name,
                inspect.Parameter.KEYWORD_ONLY,
                default=inspect.Parameter.empty if required else None,
                annotation=Annotated[kind if required else kind | None, option],
            )
        )
    parameters.append(
        inspect.Parameter("fmt", inspect.Parameter.KEYWORD_ONLY, default="table",
                          annotation=FormatOpt)
    )  # fmt: skip

    def command(**options: Any) -> None:
        workspace = options.pop("workspace")
        fmt = options.pop("fmt")
        body = {
            k: (v.isoformat() if isinstance(v, datetime) else v)
            for k, v in options.items()
            if v is not None and v != []
        }
        data = run_or_ask(analysis, workspace, body)
        result = analysis.result.model_validate(data)
        emit(result.rows(), data, fmt, analysis.title)

    command.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    command.__annotations__ = {}
    command.__doc__ = analysis.summary
    command.__name__ = analysis.name
    return command


def run_or_ask(analysis: Analysis, workspace: str, body: dict[str, Any]) -> dict[str, Any]:
    """Run locally on a read-only workspace, or ask the server that owns it."""
    try:
        with Workspace.open(workspace, read_only=True) as ws:
            query = analysis.query.parse(body, today=inputs.today(ws.config.timezone))
            tables = ws.tables
            inputs.check_events(tables, query.named_events())  # as the HTTP API does
            return analysis.run(tables, query).to_dict()
    except (AnalysisError, WorkspaceNotFoundError, WorkspaceConfigError) as error:
        raise fail(str(error)) from None
    except WorkspaceInUseError as error:
        return ask_server(error, f"/api/{analysis.path}", body)


def register(app: typer.Typer) -> None:
    for analysis in registry.analyses().values():
        app.command(analysis.name.replace("_", "-"), help=analysis.summary)(
            analysis_command(analysis)
        )


__all__ = ["analysis_command", "register", "run_or_ask"]
