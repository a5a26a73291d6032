"""``journeylens plan apply|show|check|infer``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from journeylens.cli.options import DEFAULT_WS, App, WorkspaceOpt, console, fail
from journeylens.plan.check import check_stored
from journeylens.plan.infer import infer_plan
from journeylens.plan.model import PLAN_FILE, PlanError, TrackingPlan
from journeylens.workspace import Workspace, WorkspaceInUseError, WorkspaceNotFoundError

plan_app = App(help="Tracking plans: expected events and their properties.", no_args_is_help=True)


def _open(workspace: Path) -> Workspace:
    try:
        return Workspace.open(workspace, read_only=True)
    except (WorkspaceInUseError, WorkspaceNotFoundError) as error:
        raise fail(str(error)) from None


@plan_app.command("apply")
def apply(file: Path, workspace: WorkspaceOpt = DEFAULT_WS) -> None:
    """Make FILE the workspace's active plan (a running server picks it up at once)."""
    try:
        plan = TrackingPlan.load(file)
    except PlanError as error:
        raise fail(str(error)) from None
    workspace.mkdir(parents=True, exist_ok=True)
    target = workspace / PLAN_FILE
    if file.suffix.lower() == ".json":
        target.write_text(plan.dump(), encoding="utf-8")
    else:
        shutil.copyfile(file, target)
    console.print(f"Active plan: {len(plan.events)} events, mode [bold]{plan.mode}[/] ({target}).")


@plan_app.command("show")
def show(workspace: WorkspaceOpt = DEFAULT_WS) -> None:
    """Print the active plan."""
    file = workspace / PLAN_FILE
    if not file.exists():
        raise fail(f"{workspace} has no tracking plan; draft one with `journeylens plan infer`.")
    print(file.read_text(encoding="utf-8"), end="")


@plan_app.command("check")
def check(
    workspace: WorkspaceOpt = DEFAULT_WS,
    plan_file: Annotated[
        Path | None, typer.Option("--plan", help="Plan to check against (default: the active one)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Report how the stored events violate the plan, per event and property."""
    source = plan_file or workspace / PLAN_FILE
    if not source.exists():
        raise fail(
            f"No plan at {source}; pass --plan FILE or apply one with `journeylens plan apply`."
        )
    try:
        plan = TrackingPlan.load(source)
    except PlanError as error:
        raise fail(str(error)) from None
    with _open(workspace) as ws:
        report = check_stored(ws.con, plan)
    if as_json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return
    events = Table("event", "checked", "violating", "in plan", title="Events")
    for item in report.as_dict()["events"]:
        events.add_row(
            item["event"],
            f"{item['checked']:,}",
            f"{item['violating']:,}",
            "yes" if item["planned"] else "no",
        )
    console.print(events)
    problems = Table("event", "property", "rule", "count", "example", title="Violations")
    for item in report.as_dict()["violations"]:
        problems.add_row(
            item["event"],
            item["property"] or "—",
            item["code"],
            f"{item['count']:,}",
            item["example"],
        )
    console.print(problems if report.problems else "No violations.")


@plan_app.command("infer")
def infer(
    workspace: WorkspaceOpt = DEFAULT_WS,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the draft here (default: print it)")
    ] = None,
    sample: Annotated[int, typer.Option(help="Events sampled per event name")] = 1000,
) -> None:
    """Draft a plan from the events already stored."""
    with _open(workspace) as ws:
        plan = infer_plan(ws.con, sample=sample)
    text = plan.dump()
    if output:
        output.write_text(text, encoding="utf-8")
        console.print(
            f"Drafted a plan of {len(plan.events)} events in {output}; edit it, then `journeylens plan apply {output}`."
        )
    else:
        print(text, end="")
