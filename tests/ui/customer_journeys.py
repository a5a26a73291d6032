"""Small hand-written customer journeys sent through the real collector, for the UI tests.

``send(shop, messages)`` posts a Segment batch with a write key; ``Customer`` makes a fresh
person (unique name, email, phone and ids per test) whose traits and events are known.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import httpx

from tests.conftest import create_key
from tests.ui.conftest import Shop


@cache
def write_key(workspace: str) -> str:
    from pathlib import Path

    return create_key(Path(workspace), "write")


def send(shop: Shop, messages: list[dict[str, Any]]) -> None:
    response = httpx.post(
        shop.url + "/v1/batch",
        json={"batch": messages},
        auth=(write_key(str(shop.workspace)), ""),
        timeout=60,
    )
    assert response.status_code == 200, response.text


@dataclass
class Customer:
    """A person nobody else in the demo resembles: every id and trait carries a fresh token."""

    token: str = field(default_factory=lambda: uuid.uuid4().hex[:10])

    @property
    def user_id(self) -> str:
        return f"cust-{self.token}"

    @property
    def anonymous_id(self) -> str:
        return f"anon-{self.token}"

    @property
    def name(self) -> str:
        return f"Orla Pemberton-{self.token}"

    @property
    def email(self) -> str:
        return f"Orla.{self.token}@Example.org"

    @property
    def phone_digits(self) -> str:
        # 1 555 then seven digits from the token: unique enough within one test session.
        return "1555" + f"{int(self.token, 16) % 10_000_000:07d}"

    @property
    def phone(self) -> str:
        d = self.phone_digits
        return f"+1 ({d[1:4]}) {d[4:7]}-{d[7:]}"

    def identify(self, timestamp: str, **traits: Any) -> dict[str, Any]:
        return {
            "type": "identify",
            "userId": self.user_id,
            "anonymousId": self.anonymous_id,
            "messageId": f"{self.token}-identify",
            "timestamp": timestamp,
            "traits": {
                "name": self.name,
                "email": self.email,
                "phone": self.phone,
                "country": "IE",
                "city": "Cork",
                **traits,
            },
        }

    def track(
        self, number: int, event: str, timestamp: str, channel: str, **properties: Any
    ) -> dict[str, Any]:
        return {
            "type": "track",
            "event": event,
            "userId": self.user_id,
            "messageId": f"{self.token}-{number}",
            "timestamp": timestamp,
            "properties": {"channel": channel, **properties},
        }

    def page(self, number: int, name: str, timestamp: str, path: str) -> dict[str, Any]:
        return {
            "type": "page",
            "name": name,
            "anonymousId": self.anonymous_id,
            "messageId": f"{self.token}-{number}",
            "timestamp": timestamp,
            "properties": {"path": path},
            "context": {"page": {"path": path}},
        }
