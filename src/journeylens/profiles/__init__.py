"""Who customers are: one profile per person.

* ``customer360`` — one customer's 360° view and finding customers (plain data, no web layer).

The record matching, merge rules and computed traits of issue 13 grow here as modules of
their own (docs/architecture.md "Profiles").
"""

from journeylens.profiles.customer360 import (
    SEARCH_PAGE_SIZE,
    TIMELINE_PAGE_SIZE,
    display_name,
    local_time,
    merged_into,
    person_of_distinct_id,
    profile,
    search,
    shown_value,
)

__all__ = [
    "SEARCH_PAGE_SIZE",
    "TIMELINE_PAGE_SIZE",
    "display_name",
    "local_time",
    "merged_into",
    "person_of_distinct_id",
    "profile",
    "search",
    "shown_value",
]
