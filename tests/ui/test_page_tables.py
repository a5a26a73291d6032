"""A page's tables as CSV (``web/ui/page_tables.py``), without a server."""

from __future__ import annotations

import csv
import io

import pytest

from journeylens.analyses.errors import InputError
from journeylens.web.ui import page_tables

TWIN = {
    "query": {"steps": [{"name": "not a table: what was asked"}]},
    "period": {"from": "2026-10-01", "to": "2026-10-30"},
    "event_names": [{"event": "Order Completed", "count": 3}],
    "result": {"steps": [{"name": "Visit", "users": 4}, {"name": "Buy", "users": 1}]},
    "labels": ["a", "b"],  # a list of text: not a table
}


def test_tables_are_the_lists_of_objects_by_their_keys_outside_the_query():
    assert list(page_tables.tables_of(TWIN)) == ["event_names", "result.steps"]


def test_a_table_is_chosen_by_name_by_its_last_part_or_else_the_main_one():
    tables = page_tables.tables_of(TWIN)
    assert page_tables.chosen(tables, None, None) == "event_names"
    assert page_tables.chosen(tables, None, "result.steps") == "result.steps"
    assert page_tables.chosen(tables, "steps", "result.steps") == "result.steps"
    with pytest.raises(InputError, match="no table 'nope'; its tables are event_names, result"):
        page_tables.chosen(tables, "nope", None)
    with pytest.raises(InputError, match="no table to give as CSV"):
        page_tables.chosen({}, None, None)


def test_cells_keep_json_values_and_quote_what_a_spreadsheet_would_run():
    rows = [
        {"name": '=HYPERLINK("http://x")', "value": -0.5, "on": True, "none": None},
        {"name": "@SUM(A1)", "value": 2, "on": False, "none": None, "extra": [1, {"a": 2}]},
    ]
    read = list(csv.reader(io.StringIO(page_tables.to_csv(rows))))
    assert read == [
        ["name", "value", "on", "none", "extra"],
        ['\'=HYPERLINK("http://x")', "-0.5", "true", "", ""],
        ["'@SUM(A1)", "2", "false", "", '[1,{"a":2}]'],
    ]
    assert page_tables.to_csv([]) == ""


def test_formats_and_file_names():
    assert page_tables.check_format(None) == "html"
    assert page_tables.check_format("CSV") == "csv"
    with pytest.raises(InputError, match="html \\(the default\\), json or csv"):
        page_tables.check_format("xlsx")
    assert (
        page_tables.filename("/funnels", "result.steps") == "journeylens-funnels-result-steps.csv"
    )
    assert page_tables.filename("/", "tiles") == "journeylens-overview-tiles.csv"
