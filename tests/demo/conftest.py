"""One demo business per test session, shared by the demo tests."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pytest

from journeylens.demo import generate
from tests.demo.data import CUSTOMERS, SEED, Raw, _day, collect


@pytest.fixture(scope="session")
def business():
    return generate(seed=SEED, customers=CUSTOMERS)


@pytest.fixture(scope="session")
def raw(business) -> Raw:
    return collect(business.messages())


@pytest.fixture(scope="session")
def all_orders(business, raw) -> list[tuple[str, date, set[str], str | None, float]]:
    """Online orders (Order Completed) and in-store orders (grouped order lines)."""
    store: dict[str, list[dict]] = defaultdict(list)
    for line in business.store_orders:
        store[line["order_id"]].append(line)
    in_store = [
        (
            lines[0]["customer_id"],
            _day(lines[0]["ordered_at"]),
            {line["category"] for line in lines},
            None,
            sum(line["price"] * line["quantity"] for line in lines),
        )
        for lines in store.values()
    ]
    return raw.orders + in_store
