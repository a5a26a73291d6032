"""``journeylens demo``: generate the demo retailer, load it, print a summary, serve it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from journeylens.cli.options import DEFAULT_WS, WorkspaceOpt, console, err, fail
from journeylens.cli.server import run_server
from journeylens.workspace import Workspace, WorkspaceInUseError


def demo_command(
    workspace: WorkspaceOpt = DEFAULT_WS,
    seed: Annotated[int, typer.Option(help="Same seed, same business.")] = 7,
    customers: Annotated[
        int | None, typer.Option(help="Number of customers (default: about 1.5M events).")
    ] = None,
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the workspace afterwards.")
    ] = True,
    reload: Annotated[
        bool, typer.Option("--reload", help="Load again even if this demo is already loaded.")
    ] = False,
    host: Annotated[str, typer.Option(envvar="JOURNEYLENS_HOST")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="JOURNEYLENS_PORT")] = 8750,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Generate a realistic omnichannel retailer, load it through the collector and importers, then serve it."""
    from journeylens.demo import DEFAULT_CUSTOMERS, generate
    from journeylens.demo.load import business_summary, load, loaded_marker
    from journeylens.store.writer import Writer

    customers = customers or DEFAULT_CUSTOMERS
    marker = loaded_marker(workspace)
    try:
        ws = Workspace.init(workspace)
    except WorkspaceInUseError as error:
        raise fail(f"{error} Stop it before loading the demo.") from None
    try:
        if marker == {"seed": seed, "customers": customers} and not reload:
            err.print(
                f"The demo (seed {seed}, {customers:,} customers) is already loaded in {workspace}."
            )
        else:
            err.print(f"Generating the demo retailer: seed {seed}, {customers:,} customers…")
            business = generate(seed=seed, customers=customers)
            writer = Writer(ws.con).start()
            try:
                with Progress(
                    TextColumn("{task.description}"),
                    BarColumn(),
                    AmountColumn(),
                    TimeElapsedColumn(),
                    console=err,
                    disable=as_json,
                ) as bar:
                    tasks: dict[str, TaskID] = {}

                    def progress(stage: str, done: int, total: int | None, unit: str) -> None:
                        if stage not in tasks:
                            tasks[stage] = bar.add_task(f"loading {stage}", total=total, unit=unit)
                        bar.update(tasks[stage], completed=done, total=total)

                    result = load(business, workspace, writer, progress)
            finally:
                writer.stop()
            err.print(f"Loaded in {result.seconds:.0f} s ({result.events_sent:,} SDK messages).")
        summary = business_summary(ws.con, ws.config.currency)
    finally:
        ws.close()
    if as_json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        _print_summary(summary, workspace)
    if serve:
        run_server(workspace, host, port)


class AmountColumn(ProgressColumn):
    """How far a stage is, with its unit: ``1.2/3.4 MB`` of a file, ``12,345 rows`` sent."""

    def render(self, task: Task) -> Text:
        return Text(amount(int(task.completed), task.total, task.fields.get("unit", "rows")))


def amount(done: int, total: float | None, unit: str) -> str:
    if unit == "bytes":
        shown = f"{done / 1e6:,.1f}"
        return f"{shown}/{total / 1e6:,.1f} MB" if total else f"{shown} MB"
    return f"{done:,}/{int(total):,} {unit}" if total else f"{done:,} {unit}"


def _print_summary(summary: dict, workspace: Path) -> None:
    table = Table(title="Brightlane, the demo retailer", show_header=False)
    table.add_row("period", " → ".join(summary["time_range"]))
    table.add_row("customers (identified)", f"{summary['customers']:,}")
    table.add_row("anonymous visitors", f"{summary['anonymous_visitors']:,}")
    table.add_row("events", f"{summary['events']:,}")
    for channel, count in summary["events_by_channel"].items():
        table.add_row(f"  {channel}", f"{count:,}")
    table.add_row("orders", f"{summary['orders']:,} ({summary['refunded_orders']:,} refunded)")
    for channel, count in summary["orders_by_channel"].items():
        table.add_row(f"  {channel}", f"{count:,}")
    for currency, revenue in summary["revenue"].items():
        table.add_row(f"revenue, net of refunds ({currency})", f"{revenue:,.2f}")
        gross, refunds = summary["gross_revenue"][currency], summary["refunds"][currency]
        table.add_row("  gross − refunds", f"{gross:,.2f} − {refunds:,.2f}")
    table.add_row(
        "feedback", ", ".join(f"{k} {v:,}" for k, v in summary["feedback_by_kind"].items())
    )
    table.add_row(
        "  languages", ", ".join(f"{k} {v:,}" for k, v in summary["feedback_by_language"].items())
    )
    console.print(table)
    console.print(f"Raw files and planted truths: {workspace / 'demo-data'} (see docs/demo.md).")
