"""Nothing acknowledged is ever lost, nothing is stored twice — across SIGKILLs.

A client streams batches and retries each until it is acknowledged (as SDKs do),
while the server is killed with SIGKILL at random moments and restarted, several
times. Afterwards every acknowledged messageId is stored exactly once, and since
the client retried everything until it was acknowledged, nothing is missing.
"""

from __future__ import annotations

import random
import threading
import time

import httpx
import pytest

import journeylens
from tests.conftest import Server

BATCH = 50
CYCLES = 6


class RetryingClient(threading.Thread):
    def __init__(self, url: str, write_key: str, seed: int) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.auth = (write_key, "")
        self.rng = random.Random(seed)
        self.acked: list[str] = []
        self.attempts = 0
        self.failures = 0
        self.stop_after_batch = threading.Event()
        self.batches = 0

    def _batch(self, number: int) -> dict:
        messages = []
        for i in range(BATCH):
            n = number * BATCH + i
            user = f"user-{n % 37}"
            device = f"device-{n % 53}"
            if i == 0:
                messages.append(
                    {
                        "type": "identify",
                        "userId": user,
                        "anonymousId": device,
                        "messageId": f"msg-{n}",
                    }
                )
            else:
                messages.append(
                    {
                        "type": "track",
                        "event": "Product Viewed",
                        "anonymousId": device,
                        "properties": {"n": n, "sku": f"sku-{n % 11}"},
                        "messageId": f"msg-{n}",
                    }
                )
        return {"batch": messages}

    def run(self) -> None:
        with httpx.Client(timeout=5) as http:
            number = 0
            while not self.stop_after_batch.is_set():
                body = self._batch(number)
                while True:  # retry until acknowledged, like an SDK's durable queue
                    self.attempts += 1
                    try:
                        response = http.post(f"{self.url}/v1/batch", json=body, auth=self.auth)
                    except httpx.HTTPError:
                        response = None
                    if response is not None and response.status_code == 200:
                        self.acked.extend(m["messageId"] for m in body["batch"])
                        break
                    if response is not None and 400 <= response.status_code < 500:
                        raise AssertionError(
                            f"client error {response.status_code}: {response.text}"
                        )
                    self.failures += 1
                    time.sleep(0.05)
                number += 1
                self.batches = number


@pytest.mark.slow
def test_sigkill_loses_nothing_acknowledged(workspace, keys):
    rng = random.Random(20261123)
    server = Server(workspace).start()
    client = RetryingClient(server.url, keys["write"], seed=1)
    client.start()
    try:
        for _cycle in range(CYCLES):
            time.sleep(rng.uniform(0.3, 1.5))
            server.kill()
            time.sleep(rng.uniform(0.0, 0.3))
            server.start()
        time.sleep(0.5)
        client.stop_after_batch.set()
        client.join(60)
        assert not client.is_alive(), "client did not finish"
    finally:
        # The last stop is a kill too: opening the workspace must load what the journal
        # holds beyond what the server had loaded (ADR 0004).
        server.kill()

    sent = client.batches * BATCH
    print(
        f"{client.batches} batches, {client.attempts} attempts, {client.failures} failed attempts"
    )
    assert client.failures > 0, "the kills never interrupted a request; the test proved nothing"
    assert len(client.acked) == sent and len(set(client.acked)) == sent
    with journeylens.open(workspace) as ws:
        stored = ws.con.execute("SELECT message_id FROM events").fetchall()
        stored_ids = [row[0] for row in stored]
        assert len(stored_ids) == len(set(stored_ids)), "a message was stored twice"
        assert set(stored_ids) == set(client.acked), "acknowledged messages are missing (or extra)"
        # Identity state is consistent after the crashes.
        orphans = ws.con.execute(
            "SELECT count(*) FROM events WHERE person_id NOT IN (SELECT person_id FROM persons)"
        ).fetchone()[0]
        assert orphans == 0
        users = {
            r[0]
            for r in ws.con.execute(
                "SELECT distinct_id FROM identities WHERE kind = 'user'"
            ).fetchall()
        }
        # The first message of batch b identifies user-(b*BATCH mod 37).
        assert users == {f"user-{(b * BATCH) % 37}" for b in range(client.batches)}
