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
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from journeylens.analyses import inputs, registry
from journeylens.analyses.base import Analysis, AnalysisError
from journeylens.cli.options import DEFAULT_WS, WorkspaceOpt, console, fail
from journeylens.cli.tables import render_all
from journeylens.cli.views import views
from journeylens.config import get_settings
from journeylens.workspace import (
    Workspace,
    WorkspaceConfigError,
    WorkspaceInUseError,
    WorkspaceNotFoundError,
)

FormatOpt = Annotated[
    str,
    typer.Option(
        "--format",
        help="table (for reading), json or csv (for scripts: raw numbers). (default: table)",
        metavar="table|json|csv",
        show_default=False,
    ),
]


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


def emit(analysis: Analysis, rows: list[dict[str, Any]], data: dict[str, Any], fmt: str) -> None:
    """JSON and CSV for scripts (the result's own numbers and keys); tables for people."""
    if fmt == "json":
        print(json.dumps(data, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else [])
        writer.writeheader()
        writer.writerows(rows)
        sys.stdout.write(out.getvalue())
    elif fmt == "table":
        render_all(views(analysis.name, data, rows, analysis.title), console)
    else:
        raise fail(f"--format must be table, json or csv, not {fmt!r}.")


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


def _help(field: FieldInfo, metavar: str) -> str:
    """The description, the choices when the metavar does not list them, the default."""
    text = field.description or ""
    choices = _choices(field)
    if choices and metavar != "|".join(choices):
        text += f" One of: {', '.join(choices)}."
    if not field.is_required():
        default = _default_text(field.default)
        if default:
            text += f" (default: {default})"
    return text.strip()


def _default_text(default: Any) -> str:
    """A default as it is typed: ``14d``, ``Order Completed``, ``A, B`` for a list; none for
    an empty one (a flag's default is in its name: ``--compare/--no-compare``)."""
    if default is None or isinstance(default, bool):
        return ""
    if isinstance(default, timedelta):
        return _duration_text(default)
    if isinstance(default, tuple | list):
        return ", ".join(_default_text(item) for item in default)
    if isinstance(default, BaseModel):
        return ""
    return str(default)


def _metavar(name: str, field: FieldInfo, kind: Any) -> str:
    """``session|person`` for choices, ``N`` for numbers, ``EVENT`` for ``start_event`` and
    a repeated ``support_events``: the last word of the name, singular."""
    choices = _choices(field)
    if choices:
        return "|".join(choices)
    if kind in (int, float):
        return "N"
    if kind is datetime or datetime in typing.get_args(field.annotation):
        return "DATE"
    last = name.rsplit("_", 1)[-1].upper()
    return last.removesuffix("S") if kind == list[str] else last


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


def _field_parameter(name: str, field: FieldInfo, note: str = "") -> inspect.Parameter:
    """The typer option of one query field (``note`` is added to its help). A flag is one
    option: the field's name when it is off by default, else ``--no-<name>`` (``turns_off``)."""
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    flag = _flag(name, field)
    kind = _option_type(field.annotation)
    if kind is bool:
        text = (_help(field, "") + note).strip()
        if turns_off(field):
            flag, text = f"--no-{flag[2:]}", f"Turn off (it is on by default): {text}"
        option = typer.Option(flag, help=text, show_default=False)
    else:
        metavar = str(extra.get("metavar") or _metavar(name, field, kind))
        text = (_help(field, metavar) + note).strip()
        option = typer.Option(flag, help=text, show_default=False, metavar=metavar)
    required = field.is_required()
    return inspect.Parameter(
        name,
        inspect.Parameter.KEYWORD_ONLY,
        default=inspect.Parameter.empty if required else None,
        annotation=Annotated[kind if required else kind | None, option],
    )


def turns_off(field: FieldInfo) -> bool:
    """A flag on by default: given as ``--no-<name>``."""
    return _option_type(field.annotation) is bool and field.default is True


def _flag(name: str, field: FieldInfo) -> str:
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    return str(extra.get("cli") or "--" + name.replace("_", "-"))


def analysis_command(
    analysis: Analysis,
    variant: tuple[str, Analysis] | None = None,
    saver: Callable[[Workspace, Any], dict[str, Any]] | None = None,
) -> Callable[..., None]:
    """A typer command whose options are the fields of the analysis's query model.

    With a ``variant`` (``("graph", paths_graph)``) the command also takes ``--graph`` and the
    variant's own options: ``journeylens paths --graph`` runs the variant; an option that
    only one of them knows is refused with the other, by name.
    """
    fields = dict(analysis.query.model_fields)
    own: set[str] = set()
    notes: dict[str, str] = {}
    if variant is not None:
        flag, other = variant
        theirs = other.query.model_fields
        own = {n for n in theirs if n not in fields}
        notes = {n: f" (not with --{flag})" for n in fields if n not in theirs}
        for name in set(theirs) - own:  # shared: say where --flag defaults otherwise
            if theirs[name].default != fields[name].default:
                notes[name] = f" (with --{flag}: default {theirs[name].default})"
        fields.update({n: theirs[n] for n in sorted(own)})
        notes.update({n: f" (only with --{flag})" for n in own})
    parameters = [
        inspect.Parameter("workspace", inspect.Parameter.KEYWORD_ONLY, default=DEFAULT_WS,
                          annotation=WorkspaceOpt)
    ]  # fmt: skip
    parameters += [_field_parameter(n, f, notes.get(n, "")) for n, f in fields.items()]
    if variant is not None:
        command_name = other.name.replace("_", "-")
        option = typer.Option(
            f"--{flag}", help=f"Show the {other.title.lower()} instead (the same as "
            f"journeylens {command_name}; see its --help).",
        )  # fmt: skip
        parameters.append(
            inspect.Parameter(
                "_variant", inspect.Parameter.KEYWORD_ONLY, default=False,
                annotation=Annotated[bool, option],
            )
        )  # fmt: skip
    if saver is not None:
        option = typer.Option(
            "--save", help=f"Write every person's result to its table ({saver.__doc__})."
        )
        parameters.append(
            inspect.Parameter(
                "_save", inspect.Parameter.KEYWORD_ONLY, default=False,
                annotation=Annotated[bool, option],
            )
        )  # fmt: skip
    parameters.append(
        inspect.Parameter("fmt", inspect.Parameter.KEYWORD_ONLY, default="table",
                          annotation=FormatOpt)
    )  # fmt: skip

    def command(**options: Any) -> None:
        workspace = options.pop("workspace")
        fmt = options.pop("fmt")
        for name in [n for n, f in fields.items() if turns_off(f)]:
            options[name] = False if options.pop(name) else None
        chosen = analysis
        save = bool(options.pop("_save", False))
        given = {k for k, v in options.items() if k != "_variant" and v is not None and v != []}
        if variant is not None:
            flag, other = variant
            if options.pop("_variant"):
                chosen = other
                wrong = sorted(given - set(other.query.model_fields))
                if wrong:
                    names = ", ".join(_flag(n, fields[n]) for n in wrong)
                    raise fail(f"{names}: not an option of --{flag}; leave it out.")
            elif given & own:
                names = ", ".join(_flag(n, fields[n]) for n in sorted(given & own))
                raise fail(f"{names}: an option of --{flag}; add --{flag} to use it.")
        body = {
            k: (v.isoformat() if isinstance(v, datetime) else v)
            for k, v in options.items()
            if k in given
        }
        if save and saver is not None:
            save_and_report(analysis, saver, workspace, body, fmt)
            return
        data = run_or_ask(chosen, workspace, body)
        result = chosen.result.model_validate(data)
        emit(chosen, result.rows(), data, fmt)

    command.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    command.__annotations__ = {}
    command.__doc__ = analysis.summary
    command.__name__ = analysis.name
    return command


def run_or_ask(analysis: Analysis, workspace: str, body: dict[str, Any]) -> dict[str, Any]:
    """Run locally on a read-only workspace, or ask the server that owns it."""
    try:
        with Workspace.open(workspace, read_only=True) as ws:
            today = get_settings().today or inputs.today(ws.config.timezone)
            query = analysis.query.parse(body, today=today)
            tables = ws.tables
            analysis.check_events(tables, query)  # as the HTTP API does
            return analysis.run(tables, query).to_dict()
    except (AnalysisError, WorkspaceNotFoundError, WorkspaceConfigError) as error:
        raise fail(str(error)) from None
    except WorkspaceInUseError as error:
        return ask_server(error, f"/api/{analysis.path}", body)


def save_and_report(
    analysis: Analysis,
    saver: Callable[[Workspace, Any], dict[str, Any]],
    workspace: str,
    body: dict[str, Any],
    fmt: str,
) -> None:
    """Run ``saver`` on a workspace opened for writing; print what it wrote."""
    try:
        with Workspace.open(workspace) as ws:
            today = get_settings().today or inputs.today(ws.config.timezone)
            written = saver(ws, analysis.query.parse(body, today=today))
    except (AnalysisError, WorkspaceNotFoundError, WorkspaceConfigError) as error:
        raise fail(str(error)) from None
    except WorkspaceInUseError as error:
        raise fail(
            f"{error} Saving writes to the workspace: stop the server, then run this again."
        ) from None
    if fmt == "json":
        print(json.dumps(written, ensure_ascii=False, indent=2, default=str))
        return
    console.print(f"Saved {written['persons']:,} persons to [bold]{written['table']}[/].")


def register(app: typer.Typer) -> None:
    from journeylens.cli.person_tables import SAVERS

    known = registry.analyses()
    variants = {a.variant_of[0]: (a.variant_of[1], a) for a in known.values() if a.variant_of}
    for analysis in known.values():
        app.command(analysis.name.replace("_", "-"), help=analysis.summary)(
            analysis_command(analysis, variants.get(analysis.name), SAVERS.get(analysis.name))
        )


__all__ = ["analysis_command", "register", "run_or_ask"]
