"""The paths query and its result (semantics: ``paths.py``).

``PathsQuery`` is what the CLI, the HTTP API and ``ws.paths(...)`` accept; ``PathsResult``
is what they all return.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from journeylens.analyses import dialect
from journeylens.analyses.base import DateRange, Query, Result

PURCHASE_EVENT = "Order Completed"


class Cleaning(BaseModel):
    """A path-cleaning rule: ``PATTERN => REPLACEMENT`` as text, or ``{pattern, replacement}``.

    The pattern is a regular expression in the subset RE2 (DuckDB) and Java (Spark) share
    (no look-around, no back-references); every match is replaced. The replacement may
    name groups as ``\\1``; ``\\\\`` is a literal backslash.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    pattern: str
    replacement: str = ""

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        if not isinstance(data, str):
            return data
        pattern, arrow, replacement = data.partition("=>")
        if not arrow:
            raise ValueError(
                f"Cleaning rule {data!r}: write PATTERN => REPLACEMENT, "
                "e.g. '^/products/[^/]+$ => /products/:slug'."
            )
        return {"pattern": pattern.strip(), "replacement": replacement.strip()}

    @field_validator("pattern")
    @classmethod
    def _portable(cls, pattern: str) -> str:
        return dialect.check_portable_regex(pattern)


class StepNaming(DateRange):
    """How events become steps, the same for paths and the transition graph (``paths_graph``):
    the range, page cleaning, what names a page, which steps count."""

    clean: tuple[Cleaning, ...] = Field(
        (), description="Page cleaning rule 'PATTERN => REPLACEMENT' (regex), repeatable."
    )
    page_step: Literal["path", "url", "name"] = Field(
        "path", description="What names a page or screen step."
    )
    include: Literal["all", "pages", "events"] = Field(
        "all", description="Steps from pages and screens, track events, or both."
    )
    exclude: tuple[str, ...] = Field((), description="Leave out this step, repeatable.")


class PathsQuery(Query, StepNaming):
    per: Literal["session", "person"] = Field(
        "session", description="One path per session or per person."
    )
    start_event: str | None = Field(
        None, description="Paths begin at their first occurrence of this step (event or page)."
    )
    end_event: str | None = Field(
        None, description="Paths end at their first occurrence of this step (event or page)."
    )
    max_steps: int = Field(5, ge=1, le=20, description="Steps shown per path.")
    collapse_loops: bool = Field(False, description="Collapse consecutive repeats of a step.")
    purchase_event: str = Field(
        PURCHASE_EVENT, description="The step that counts as a purchase for entries and exits."
    )
    top: int = Field(10, ge=1, le=1000, description="How many top paths, entries and exits.")

    def named_events(self) -> list[tuple[str, str]]:
        """The start and end steps, and the purchase step when given (its default may be
        missing from a workspace without purchases): events or page steps."""
        named = [("the start step", self.start_event), ("the end step", self.end_event)]
        if "purchase_event" in self.model_fields_set:
            named.append(("the purchase step", self.purchase_event))
        return [(where, name) for where, name in named if name]


class Transition(BaseModel):
    source: str
    target: str
    users: int
    count: int


class Node(BaseModel):
    name: str  # "2_/cart", "[start]", "[end]"
    step: str
    position: int | None  # 0 for [start], None for [end]
    users: int
    count: int


class Link(BaseModel):
    """A Sankey link between ``nodes`` indices; ``value`` is the number of users."""

    source: int
    target: int
    value: int
    count: int


class TopPath(BaseModel):
    steps: list[str]
    complete: bool  # the path ended within max_steps (false: cut short)
    users: int
    count: int


class StepCount(BaseModel):
    step: str
    users: int
    count: int


class PathsResult(Result):
    transitions: list[Transition]
    nodes: list[Node]
    links: list[Link]
    top_paths: list[TopPath]
    entries_to_purchase: list[StepCount]
    exits: list[StepCount]
    paths: int
    users: int
