"""``journeylens import events|contacts|orders|feedback FILE``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from journeylens.cli.options import DEFAULT_WS, WorkspaceOpt, fail
from journeylens.cli.options import err as console
from journeylens.importers.fields import FieldError
from journeylens.importers.mapping import KINDS, MappingError, load_mapping_file, parse_map_options
from journeylens.importers.readers import ReadError
from journeylens.importers.run import Importer, ImportSummary
from journeylens.plan.enforce import PlanStore
from journeylens.store.writer import Writer
from journeylens.workspace import Workspace, WorkspaceInUseError


def run_import(
    workspace: Path,
    kind: str,
    file: Path,
    *,
    fmt: str | None = None,
    maps: list[str] | None = None,
    mapping_file: Path | None = None,
    tz: str = "UTC",
    channel: str | None = None,
    writer: Writer | None = None,
    show_progress: bool = True,
) -> ImportSummary:
    """Import one file; opens the workspace unless a running ``writer`` is given."""
    mapping = load_mapping_file(mapping_file) if mapping_file else {}
    mapping.update(parse_map_options(maps or []))
    own = writer is None
    ws = Workspace.init(workspace) if own else None
    if own:
        assert ws is not None
        writer = Writer(ws.con).start()
    assert writer is not None
    try:
        plan = PlanStore(workspace).current()
        importer = Importer(
            writer, kind, file, fmt=fmt, mapping=mapping, tz=tz, channel=channel, plan=plan
        )
        with Progress(
            TextColumn(f"importing {kind} from [bold]{file.name}[/]"),
            BarColumn(),
            DownloadColumn()
            if importer.progress_unit == "bytes"
            else TextColumn("{task.completed:,} rows"),
            TimeRemainingColumn(),
            console=console,
            disable=not show_progress,
            transient=False,
        ) as progress:
            task = progress.add_task("import", total=importer.source.total or None)
            return importer.run(
                lambda done, total: progress.update(task, completed=done, total=total)
            )
    finally:
        if own:
            writer.stop()
            assert ws is not None
            ws.close()


def print_summary(summary: ImportSummary, as_json: bool) -> None:
    if as_json:
        print(json.dumps(summary.as_dict(), ensure_ascii=False, indent=2))
        return
    table = Table(title=f"Imported {summary.kind} from {summary.path}", show_header=False)
    for label, value in (
        ("rows read", summary.rows_read),
        ("imported", summary.imported),
        ("duplicates (already stored)", summary.duplicates),
        ("rejected", summary.rejected),
    ):
        table.add_row(label, f"{value:,}")
    table.add_row("time", f"{summary.seconds:.1f} s")
    Console().print(table)
    if summary.errors:
        console.print("[bold]Rejected rows[/] (kept in failed_events):")
        for line, reason in summary.errors:
            console.print(f"  line {line}: {reason}", highlight=False, markup=False)
        if summary.rejected > len(summary.errors):
            console.print(f"  … and {summary.rejected - len(summary.errors):,} more")


def import_command(
    kind: Annotated[str, typer.Argument(help="events, contacts, orders or feedback")],
    file: Annotated[Path, typer.Argument(help="CSV, JSON Lines or Parquet file")],
    workspace: WorkspaceOpt = DEFAULT_WS,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="csv, jsonl or parquet (default: from the file name)"),
    ] = None,
    maps: Annotated[
        list[str] | None, typer.Option("--map", help="FIELD=COLUMN, repeatable")
    ] = None,
    mapping_file: Annotated[
        Path | None, typer.Option("--mapping", help="YAML/JSON file of FIELD: COLUMN")
    ] = None,
    tz: Annotated[
        str, typer.Option("--timezone", help="Time zone of timestamps without one")
    ] = "UTC",
    channel: Annotated[
        str | None, typer.Option(help="Channel for orders without one (e.g. store)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON")] = False,
) -> None:
    """Import a file of events, CRM contacts, orders or feedback (streamed; re-importing changes nothing)."""
    if kind not in KINDS:
        raise fail(f"Unknown kind {kind!r}; use one of: {', '.join(KINDS)}.")
    try:
        summary = run_import(
            workspace,
            kind,
            file,
            fmt=fmt,
            maps=maps,
            mapping_file=mapping_file,
            tz=tz,
            channel=channel,
            show_progress=not as_json,
        )
    except WorkspaceInUseError as error:
        raise fail(f"{error} Stop the server to import files.") from None
    except (ReadError, MappingError, FieldError, OSError) as error:
        raise fail(str(error)) from None
    print_summary(summary, as_json)
