"""A small hand-written funnel sent through the real collector, for the funnel/segment tests.

Four fresh persons do events whose names carry a token of their own (so nobody in the demo
matches them) on 10 June 2026:

========  =========  ==================  ==============
person    Visit      Cart (or Wish)      Buy
========  =========  ==================  ==============
alice     10:00      Cart 11:00 (+1 h)   13:00 (+2 h)
bob       10:00      Cart 10:30 (+30 m)  –
carol     10:00      –                   –
dave      10:00      Wish 10:10 (+10 m)  –
========  =========  ==================  ==============

So ``Visit → Cart|Wish → Buy`` has 4, 3 and 1 persons; ``Visit → Cart → Buy`` has 4, 2, 1
(carol and dave drop at step 2, bob at step 3).
"""

from __future__ import annotations

import html
import re
import uuid
from dataclasses import dataclass

import httpx

from tests.conftest import create_key
from tests.ui.conftest import Shop

RANGE = {"from": "2026-06-01", "to": "2026-06-30"}  # the page's range: inclusive days
API_RANGE = {"date_from": "2026-06-01", "date_to": "2026-07-01"}  # the API's: end exclusive
PEOPLE = ("alice", "bob", "carol", "dave")


@dataclass(frozen=True)
class Journeys:
    token: str
    person_ids: dict[str, int]  # who -> the person id the server gave them

    def event(self, name: str) -> str:
        return f"{name} {self.token}"

    @property
    def visit(self) -> str:
        return self.event("Visit")

    @property
    def cart(self) -> str:
        return self.event("Cart")

    @property
    def wish(self) -> str:
        return self.event("Wish")

    @property
    def buy(self) -> str:
        return self.event("Buy")


def send_journeys(shop: Shop) -> Journeys:
    token = uuid.uuid4().hex[:8]
    plan = {
        "alice": [("Visit", "10:00"), ("Cart", "11:00"), ("Buy", "13:00")],
        "bob": [("Visit", "10:00"), ("Cart", "10:30")],
        "carol": [("Visit", "10:00")],
        "dave": [("Visit", "10:00"), ("Wish", "10:10")],
    }
    messages = [
        {
            "type": "track",
            "event": f"{event} {token}",
            "userId": f"{who}-{token}",
            "messageId": f"{who}-{token}-{number}",
            "timestamp": f"2026-06-10T{time}:00Z",
            "properties": {"channel": "web"},
        }
        for who, steps in plan.items()
        for number, (event, time) in enumerate(steps)
    ]
    write_key = create_key(shop.workspace, "write")
    sent = httpx.post(
        shop.url + "/v1/batch", json={"batch": messages}, auth=(write_key, ""), timeout=60
    )
    assert sent.status_code == 200, sent.text
    # An analysis waits for the loader, so the persons exist once it has answered.
    shop.api("/api/funnels", step=[f"Visit {token}", f"Cart {token}"], **API_RANGE)
    person_ids = {
        who: shop.api(f"/api/persons/{who}-{token}")["person"]["person_id"] for who in PEOPLE
    }
    return Journeys(token, person_ids)


_ROW = re.compile(r'<tr data-step="(\d+)">(.*?)</tr>', re.DOTALL)
_CELL = re.compile(r'<td class="num ([\w-]+)">(.*?)</td>', re.DOTALL)


def step_rows(page: str) -> list[dict[str, str]]:
    """The funnel table of a /funnels page, as shown: one dict of cell texts per step."""
    return [
        {name: html.unescape(text).strip() for name, text in _CELL.findall(body)}
        for _, body in _ROW.findall(page)
    ]


def count(text: str) -> int:
    """A number as the page prints it (``1,150``)."""
    return int(text.replace(",", ""))
