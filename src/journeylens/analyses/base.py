"""What every analysis shares: the query and result base classes, the tables, errors.

An analysis module (``funnel.py``, ``retention.py`` ...) holds

* ``Query`` — a pydantic model: typed, validated, the same from Python, the CLI (options are
  generated from its fields) and the HTTP API (its JSON body / query string);
* ``build(tables, query) -> ibis.Table`` — the expression, built and not run (STYLE.md 2);
* ``Result`` — a pydantic model with ``to_dict()``, ``to_pandas()`` and ``rows()`` (the flat
  table the CLI prints as a table or CSV);
* ``run(tables, query) -> Result``;
* ``ANALYSIS`` — its registry entry (``registry.py`` lists the modules).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from journeylens.analyses import inputs
from journeylens.analyses.errors import AnalysisError as AnalysisError  # re-exported
from journeylens.analyses.errors import InputError
from journeylens.analyses.inputs import naive_utc as naive_utc  # re-exported
from journeylens.analyses.inputs import parse_duration as parse_duration  # re-exported

# What the business does to a customer, or a system reports about them: not something the
# customer did (behaviour.py). The default of config.toml's [activity] not_activity.
NOT_ACTIVITY = (
    "Email Sent",
    "Email Delivered",
    "Email Bounced",
    "Push Notification Sent",
    "SMS Sent",
    "Order Delivered",
    "Order Shipped",
    "Order Refunded",
    "Support Ticket Resolved",
)


class Query(BaseModel):
    """Base of every analysis query: frozen, unknown fields refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    @classmethod
    def parse(cls, data: dict[str, Any], *, today: date | None = None) -> Query:
        """Validate user input, turning pydantic's errors into one readable AnalysisError.

        ``today`` (in the workspace time zone) is the day relative dates count from
        (``yesterday``, ``-7d``); default: today in UTC by the system clock."""
        try:
            return cls.model_validate(data, context={"today": today})
        except ValidationError as error:
            raise AnalysisError(readable(error)) from None

    def named_events(self) -> list[tuple[str, str]]:
        """The event names the user typed, as ``(where, name)`` (``("step 2", "Buy")``):
        what ``inputs.check_events`` looks up before the query runs."""
        return []


DATE_HELP = "2026-03-01, 2026-03-01T09:30, today, yesterday, -7d or -2w"


class DateRange(BaseModel):
    """``date_from`` (inclusive) and ``date_to`` (exclusive), UTC; naive values are UTC.

    Text is read by ``inputs.parse_time`` (relative dates count from the ``today`` of the
    validation context); a range whose start is after its end is refused."""

    date_from: datetime | None = Field(
        None,
        description=f"On or after this date or time (UTC): {DATE_HELP}.",
        json_schema_extra={"cli": "--from"},
    )
    date_to: datetime | None = Field(
        None,
        description=f"Before this date or time (UTC), not included: {DATE_HELP}.",
        json_schema_extra={"cli": "--to"},
    )

    @field_validator("date_from", "date_to", mode="before")
    @classmethod
    def _typed(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, date) and not isinstance(value, datetime):
            return datetime.combine(value, time())
        if not isinstance(value, str):
            return value
        today = (info.context or {}).get("today") or inputs.today()
        what = "from" if info.field_name == "date_from" else "to"
        return inputs.parse_time(value, today=today, what=what)

    @field_validator("date_from", "date_to", mode="after")
    @classmethod
    def _naive_utc(cls, value: datetime | None) -> datetime | None:
        return naive_utc(value)

    @model_validator(mode="after")
    def _in_order(self) -> Any:
        inputs.check_range(self.date_from, self.date_to)
        return self


class AsOf(BaseModel):
    """``now``: the instant that decides which periods are still in progress."""

    now: datetime | None = Field(
        None,
        description="Periods not yet ended at this time (UTC) are in progress, later ones left "
        "out (default: the latest event).",
    )

    @field_validator("now", mode="after")
    @classmethod
    def _naive_utc(cls, value: datetime | None) -> datetime | None:
        return naive_utc(value)


class Result(BaseModel):
    """Base of every analysis result."""

    model_config = ConfigDict(frozen=True)

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def rows(self) -> list[dict[str, Any]]:
        """The flat table printed by ``--format table|csv`` (default: the first list field)."""
        data = self.to_dict()
        for value in data.values():
            if isinstance(value, list) and (not value or isinstance(value[0], dict)):
                return [
                    {k: v for k, v in row.items() if not isinstance(v, list | dict)}
                    for row in value
                ]
        return [data]

    def to_pandas(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows())


@dataclass
class Tables:
    """The workspace's tables on one Ibis backend, plus the settings analyses need."""

    backend: ibis.BaseBackend
    timezone: str = "UTC"
    currency: str = "USD"
    path: Path | None = None  # the workspace folder: settings files such as stages.yaml
    # Events that are not customer activity (config.toml [activity] not_activity; behaviour.py)
    not_activity: tuple[str, ...] = NOT_ACTIVITY
    _cache: dict[str, ir.Table] = field(default_factory=dict, repr=False)

    def table(self, name: str) -> ir.Table:
        if name not in self._cache:
            self._cache[name] = self.backend.table(name)
        return self._cache[name]

    @property
    def engine(self) -> str:
        """The backend's name (``duckdb``, ``pyspark``...): the key of ``dialect`` fragments."""
        return self.backend.name

    @property
    def events(self) -> ir.Table:
        return self.table("events")

    @property
    def persons(self) -> ir.Table:
        return self.table("persons")

    @property
    def orders(self) -> ir.Table:
        return self.table("orders")

    @property
    def order_items(self) -> ir.Table:
        return self.table("order_items")

    @property
    def feedback(self) -> ir.Table:
        return self.table("feedback")

    @property
    def identities(self) -> ir.Table:
        return self.table("identities")

    def execute(self, expr: ir.Expr) -> Any:
        """Run ``expr``: the same pandas shape on every engine (``dialect.uniform_result``)."""
        from journeylens.analyses.dialect import uniform_result

        return uniform_result(expr, self.backend.execute(expr))


@dataclass(frozen=True)
class Analysis:
    """One registry entry: how the CLI, the HTTP API and ``ws.<name>(...)`` find an analysis."""

    name: str  # python method and CLI command: ws.funnel(...), journeylens funnel
    path: str  # HTTP: /api/<path>
    summary: str
    query: type[Query]
    result: type[Result]
    run: Callable[[Tables, Any], Result]
    heading: str | None = None  # the printed title, when not the capitalised name
    # (analysis, flag): also ``journeylens <analysis> --<flag>``, e.g. ("paths", "graph")
    variant_of: tuple[str, str] | None = None
    # The names besides event names that a query's named events may be (paths: page steps)
    steps: Callable[[Tables, Any], ir.Column] | None = None

    def check_events(self, tables: Tables, query: Query) -> None:
        """Refuse the event names the query names that no event (or step) has, with the
        closest that exists (``inputs.check_events``): the CLI, the HTTP API and the pages
        (``web/runs.run``) call it before :attr:`run`; ``ws.<name>(...)`` does not."""
        steps = self.steps(tables, query) if self.steps and query.named_events() else None
        inputs.check_events(tables, query.named_events(), steps)

    @property
    def title(self) -> str:
        return self.heading or self.name.replace("_", " ").capitalize()


def readable(error: ValidationError) -> str:
    """One line from pydantic's errors: ``field: message``, or an InputError's message alone
    (it names the input itself)."""
    parts = []
    for item in error.errors():
        if isinstance(item.get("ctx", {}).get("error"), InputError):
            parts.append(str(item["ctx"]["error"]))
            continue
        where = ".".join(str(p) for p in item["loc"])
        message = item["msg"].removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)


def number(value: Any) -> float | None:
    """A float from a pandas cell, None for NULL/NaN."""
    if value is None or pd.isna(value):
        return None
    return float(value)
