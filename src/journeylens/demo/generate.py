"""``generate(seed, customers)`` → a :class:`DemoBusiness` with planted truths.

Customers are simulated one by one from ``(seed, index)`` alone, so the message stream
(:meth:`DemoBusiness.messages`) re-simulates them instead of keeping a year of events
in memory, and gives the same messages on every call.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from journeylens.demo import params as P
from journeylens.demo.catalogue import PRODUCTS, catalogue_rows
from journeylens.demo.people import build_profile, contact_rows
from journeylens.demo.plan import Plan
from journeylens.demo.segment import SegmentWriter
from journeylens.demo.simulate import simulate, simulate_visitor
from journeylens.demo.truths import Observer

# About 1.4 million messages, generated in well under a minute on two cores.
DEFAULT_CUSTOMERS = 10_000


def visitors_for(customers: int) -> int:
    """Anonymous visitors who never log in, besides the customers."""
    return customers // 2


@dataclass(frozen=True)
class DemoBusiness:
    seed: int
    customers: int
    start: datetime.date
    end: datetime.date
    catalogue: list[dict]
    contacts: list[dict]
    store_orders: list[dict]
    feedback: list[dict]
    truths: dict

    def messages(self, shard: int = 0, shards: int = 1) -> Iterator[dict]:
        """Segment messages, customer by customer; a fresh, identical stream on each call.

        ``shard``/``shards`` pick every ``shards``-th customer and visitor, so several
        processes can produce the stream in parallel; the union is the whole stream,
        with the same message ids.
        """
        return message_stream(self.seed, self.customers, self.contacts, shard, shards)


def message_stream(
    seed: int, customers: int, contacts: list[dict], shard: int = 0, shards: int = 1
) -> Iterator[dict]:
    writer = SegmentWriter(seed)
    by_customer = {
        row["customer_id"]: row
        for row in contacts
        if row["customer_id"] and not row["customer_id"].startswith("LEG-")
    }
    for index in range(shard, customers, shards):
        profile = build_profile(seed, index)
        plan = simulate(profile, seed)
        yield from writer.plan_messages(plan, by_customer[profile.customer_id])
    for index in range(shard, visitors_for(customers), shards):
        yield from writer.visitor_messages(simulate_visitor(seed, index), index)


def generate(seed: int = 7, customers: int = DEFAULT_CUSTOMERS) -> DemoBusiness:
    if customers < 1:
        raise ValueError(f"customers must be at least 1, not {customers}.")
    profiles = [build_profile(seed, index) for index in range(customers)]
    contacts, duplicates = contact_rows(profiles, seed)
    observer = Observer()
    store_orders: list[dict] = []
    feedback: list[dict] = []
    for profile in profiles:
        plan = simulate(profile, seed)
        observer.add(plan)
        store_orders.extend(_store_rows(plan))
        feedback.extend(_feedback_rows(plan))
    for index in range(visitors_for(customers)):
        observer.add_visitor(simulate_visitor(seed, index))
    truths = observer.truths(seed=seed, customers=customers, duplicates=duplicates)
    return DemoBusiness(
        seed=seed,
        customers=customers,
        start=P.START,
        end=P.END,
        catalogue=catalogue_rows(),
        contacts=contacts,
        store_orders=store_orders,
        feedback=feedback,
        truths=truths,
    )


def _store_rows(plan: Plan) -> Iterator[dict[str, Any]]:
    assert plan.profile is not None
    customer_id = plan.profile.customer_id
    for order in plan.store_orders:
        ordered_at = P.iso(order.placed_at)
        for index, quantity in order.lines:
            product = PRODUCTS[index]
            yield {
                "order_id": order.order_id,
                "customer_id": customer_id,
                "ordered_at": ordered_at,
                "store_id": order.store_id,
                "product_id": product.product_id,
                "product_name": product.name,
                "category": product.category,
                "price": product.price,
                "quantity": quantity,
                "currency": P.CURRENCY,
            }


def _feedback_rows(plan: Plan) -> Iterator[dict[str, Any]]:
    for row in sorted(plan.feedback, key=lambda r: r["created_at"]):
        yield {**row, "created_at": P.iso(row["created_at"])}
