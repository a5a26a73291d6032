"""Analysis commands: ``journeylens funnel ...`` (more to come: trends, retention, paths)."""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.table import Table

from journeylens.analyses.funnel import FunnelError
from journeylens.cli.options import DEFAULT_WS, WorkspaceOpt, console, fail
from journeylens.workspace import Workspace, WorkspaceInUseError, WorkspaceNotFoundError

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
        return f"{value:.3f}" if value < 10 else f"{value:,.0f}"
    return "—" if value is None else str(value)


def funnel_command(
    step: Annotated[
        list[str],
        typer.Option("--step", help="A step: an event, or several as 'A|B'. Repeat in order."),
    ],
    workspace: WorkspaceOpt = DEFAULT_WS,
    window: Annotated[
        str, typer.Option(help="Conversion window from the first step-1 event: 14d, 36h, none.")
    ] = "14d",
    date_from: Annotated[
        datetime | None, typer.Option("--from", help="Step 1 on or after (UTC).")
    ] = None,
    date_to: Annotated[datetime | None, typer.Option("--to", help="Step 1 before (UTC).")] = None,
    breakdown: Annotated[
        str | None,
        typer.Option(
            help="First-touch breakdown: channel, utm_source, properties.KEY, context.PATH."
        ),
    ] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Ordered steps: users per step, conversion, drop-off and time to convert."""
    body = {
        "steps": step,
        "window": window,
        "date_from": date_from.isoformat() if date_from else None,
        "date_to": date_to.isoformat() if date_to else None,
        "breakdown": breakdown,
    }
    try:
        with Workspace.open(workspace, read_only=True) as ws:
            data = ws.funnel(
                step, window=window, date_from=date_from, date_to=date_to, breakdown=breakdown
            ).to_dict()
    except FunnelError as error:
        raise fail(str(error)) from None
    except WorkspaceNotFoundError as error:
        raise fail(str(error)) from None
    except WorkspaceInUseError as error:
        data = ask_server(error, "/api/funnels", body)
    rows = (
        [{"breakdown": "(all)", **step} for step in data["steps"]] if breakdown else data["steps"]
    )
    for group in data.get("breakdown") or []:
        rows.extend({"breakdown": group["value"], **step} for step in group["steps"])
    emit(rows, data, fmt, "Funnel")


def register(app: typer.Typer) -> None:
    app.command("funnel")(funnel_command)


__all__ = ["funnel_command", "register"]
