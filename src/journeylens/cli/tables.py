"""What a person sees of a result: values formatted for reading, tables that fit the terminal.

Only ``--format table`` comes here; JSON and CSV print the result's own numbers and keys.

* **Values.** Every cell is formatted by its column's kind (``cell``): counts with thousands
  separators, rates as percentages (``25.0%``), durations with units (``1 min 24 s``),
  money with its currency, dates without a midnight time. A missing value is ``—``. Cells are
  plain text, never Rich markup, so a step named ``[start]`` prints as ``[start]``.
* **Width.** ``render`` lays a ``View`` out in the console's width (80 columns when piped):
  numbers are never cut, text columns wrap on words (a word longer than its column folds;
  nothing ends in ``…``). A table too wide for the terminal is folded into parts that each
  repeat its identifying columns (``repeat``: the period, the cohort, the step...).
* **In-progress periods.** A row whose ``in_progress`` is true is marked in the column
  ``marker_column()`` makes; a view adds it after its period column when its rows carry the
  flag, so an analysis that starts reporting ``in_progress`` gets the mark in its table by
  adding that one column to its view (``views.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

Kind = Literal["text", "count", "number", "percent", "points", "duration", "date", "marker"]
MISSING = "—"
IN_PROGRESS = "in_progress"
GAP = 2  # spaces between two columns (``_table``'s padding and box)


@dataclass(frozen=True)
class Column:
    """One column of a view: which row key, its header, and how its values read."""

    key: str
    header: str
    kind: Kind = "text"
    repeat: bool = False  # identifies a row: repeated in every part of a folded table
    signed: bool = False  # a change: +12 / -3
    unit: str = ""  # printed after numbers (a currency: 1,234.50 USD)
    missing: str = MISSING  # printed for None (a ``total`` period has no start date)


@dataclass
class View:
    """A titled table of rows (dicts keyed by ``Column.key``), with notes printed after it."""

    title: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)


def marker_column() -> Column:
    """The in-progress mark: ``in progress`` on rows whose ``in_progress`` is true."""
    return Column(IN_PROGRESS, "", "marker")


# ---- values --------------------------------------------------------------------------------
def cell(value: Any, column: Column) -> str:
    """``value`` as a person reads it in ``column``."""
    if value is None:
        return column.missing
    kind = column.kind
    if kind == "marker":
        return "in progress" if value else ""
    if kind == "date":
        return day(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if kind == "percent":
        text = f"{value * 100:+.1f}%" if column.signed else f"{value * 100:.1f}%"
    elif kind == "points":  # the change of a rate, in percentage points
        text = f"{value * 100:+.1f} pt"
    elif kind == "duration":
        text = duration(value, signed=column.signed)
    elif kind == "count":
        text = number(value, signed=column.signed, decimals=0 if float(value).is_integer() else 1)
    else:
        text = number(value, signed=column.signed)
    return f"{text} {column.unit}" if column.unit else text


def number(value: float, *, signed: bool = False, decimals: int | None = None) -> str:
    """Thousands separators; decimals by size when not given (0.303, 3.46, 45.2, 1,282)."""
    if decimals is None:
        size = abs(value)
        if float(value).is_integer() or size >= 100:
            decimals = 0
        else:
            decimals = 3 if size < 1 else 2 if size < 10 else 1
    text = f"{value:{'+' if signed else ''},.{decimals}f}"
    return text.lstrip("+-") if float(text.replace(",", "")) == 0 else text


def money(value: float | None, currency: str, *, signed: bool = False) -> str:
    if value is None:
        return MISSING
    return f"{number(value, signed=signed, decimals=2)} {currency}"


def duration(seconds: float, *, signed: bool = False) -> str:
    """``0.4 s``, ``47 s``, ``1 min 24 s``, ``2 h 5 min``, ``6 d 20 h``."""
    sign = "-" if seconds < 0 else "+" if signed and seconds > 0 else ""
    size = abs(seconds)
    if size < 9.95:
        return f"{sign}{size:.1f} s".replace(".0 s", " s")
    whole = round(size)
    if whole < 60:
        text = f"{whole} s"
    elif whole < 3600:
        text = f"{whole // 60} min {whole % 60} s"
    elif whole < 86400:
        text = f"{whole // 3600} h {whole % 3600 // 60} min"
    else:
        text = f"{whole // 86400} d {whole % 86400 // 3600} h"
    return sign + text


def day(value: Any) -> str:
    """A date as ``2026-10-05``; a time of day only when it is not midnight."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        if value.time() == datetime.min.time():
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat() if isinstance(value, date) else str(value)


# ---- layout --------------------------------------------------------------------------------
def render(view: View, console: Console) -> None:
    """Print ``view`` in ``console.width``: one table, or folded parts, then its notes."""
    texts = [
        [cell(row.get(c.key), c) if c.key in row else "" for c in view.columns] for row in view.rows
    ]
    columns = list(range(len(view.columns)))
    parts = _fold(view, texts, columns, console.width) if view.rows else [columns]
    for number_, part in enumerate(parts):
        title = view.title if number_ == 0 else f"{view.title} (continued)"
        widths = _widths(view, texts, part, console.width)
        console.print(Text(title, style="bold"))  # above, not in the table: it never wraps there
        console.print(_table(view, texts, part, widths))
    for note in view.notes:
        console.print(Text(note))


def render_all(views: Iterable[View], console: Console) -> None:
    for index, view in enumerate(views):
        if index:
            console.print()
        render(view, console)


def _numeric(column: Column) -> bool:
    """Numbers are right-aligned; they, dates and marks never wrap."""
    return column.kind not in ("text", "marker", "date")


def _natural(view: View, texts: list[list[str]], index: int) -> tuple[int, int]:
    """(widest cell or header word, narrowest it may get) of one column."""
    column = view.columns[index]
    header = max((cell_len(word) for word in column.header.split()), default=0)
    widest = max([cell_len(row[index]) for row in texts] + [header, 1])
    if column.kind != "text":
        return widest, widest
    longest_word = max(
        [cell_len(word) for row in texts for word in row[index].split()] + [header, 1]
    )
    return widest, min(widest, max(min(longest_word, 24), 8))


def _fits(view: View, texts: list[list[str]], part: list[int], width: int) -> bool:
    least = sum(_natural(view, texts, i)[1] for i in part)
    return least + GAP * (len(part) - 1) <= width


def _fold(view: View, texts: list[list[str]], columns: list[int], width: int) -> list[list[int]]:
    """Split the columns into parts that fit, each starting with the ``repeat`` columns."""
    if _fits(view, texts, columns, width):
        return [columns]
    keys = [i for i in columns if view.columns[i].repeat]
    parts: list[list[int]] = []
    current: list[int] = []
    for index in (i for i in columns if i not in keys):
        if current and not _fits(view, texts, keys + current + [index], width):
            parts.append(keys + current)
            current = []
        current.append(index)
    parts.append(keys + current)
    return parts


def _widths(view: View, texts: list[list[str]], part: list[int], width: int) -> dict[int, int]:
    """Numbers get their full width; text columns share the rest, none under its minimum."""
    natural = {i: _natural(view, texts, i) for i in part}
    room = width - GAP * (len(part) - 1)
    if sum(widest for widest, _ in natural.values()) <= room:
        return {i: widest for i, (widest, _) in natural.items()}
    widths = {i: least for i, (_, least) in natural.items()}
    flexible = [i for i in part if natural[i][0] > natural[i][1]]
    spare = room - sum(widths.values())
    if spare < 0:  # even the minimum does not fit: narrow the text columns, folding words
        texts_only = [i for i in part if view.columns[i].kind == "text"] or part
        share = max((room - sum(widths[i] for i in part if i not in texts_only)), 0)
        for i in texts_only:
            widths[i] = max(share // len(texts_only), 4)
        return widths
    wanted = sum(natural[i][0] - natural[i][1] for i in flexible)
    for i in flexible:
        extra = (natural[i][0] - natural[i][1]) * spare // wanted if wanted else 0
        widths[i] += extra
    return widths


def _table(view: View, texts: list[list[str]], part: list[int], widths: dict[int, int]) -> Table:
    table = Table(
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1, 0, 0),
    )
    for i in part:
        column = view.columns[i]
        table.add_column(
            Text(column.header, style="bold", overflow="fold", no_wrap=False),
            justify="right" if _numeric(column) else "left",
            width=widths[i],
            overflow="fold",
            no_wrap=column.kind != "text",
        )
    for row in texts:
        table.add_row(*(Text(row[i]) for i in part))
    return table


__all__ = ["Column", "View", "cell", "duration", "marker_column", "money", "number", "render"]
