"""RFM tiers and personas on the demo recover the planted loyal customers (docs/demo.md §6).

The loyal customers are 5 % of the customers, all there before the data starts, with about 55
sessions a year (regular customers 15) and a median of 14 orders a year against 2: their
frequency is in the top fifth, their last order recent, so RFM puts them in the top tiers;
and on the behavioural features they stand apart from everyone else, so k-means gathers them.
"""

from __future__ import annotations

from collections import Counter

import pytest

from journeylens.analyses.rfm import RfmQuery
from journeylens.demo.load import load
from journeylens.store import person_results
from journeylens.store.writer import Writer
from journeylens.workspace import Workspace

TOP_TIERS = {"champions", "loyal", "potential loyalists", "can't lose"}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(business, tmp_path_factory):
    path = tmp_path_factory.mktemp("demo-rfm") / "ws"
    ws = Workspace.init(path)
    writer = Writer(ws.con).start()
    load(business, path, writer)
    writer.stop()
    users = dict(
        ws.con.execute(
            "SELECT distinct_id, person_id FROM identities WHERE kind = 'user'"
        ).fetchall()
    )
    loyal = {users[c] for c in business.truths["loyal"]["customer_ids"]}
    yield ws, loyal
    ws.close()


def test_loyal_customers_land_in_the_top_rfm_tiers(demo):
    ws, loyal = demo
    result = ws.rfm(persons=True)
    tiers = {p.person_id: p.tier for p in result.persons}
    in_top = sum(tiers.get(person) in TOP_TIERS for person in loyal)
    assert in_top >= 0.9 * len(loyal), Counter(tiers.get(p) for p in loyal)
    # Saved, the table holds the same tiers.
    person_results.save_rfm(ws.con, ws.tables, RfmQuery.parse({}))
    saved = ws.tables.execute(person_results.rfm_tiers(ws.tables))
    assert dict(zip(saved["person_id"], saved["tier"], strict=True)) == tiers


def test_loyal_customers_concentrate_in_one_persona(demo):
    ws, loyal = demo
    result = ws.personas(persons=True)
    personas = {p.person_id: p.persona for p in result.persons}
    (persona, count), *_ = Counter(personas[p] for p in loyal if p in personas).most_common()
    assert count >= 0.75 * len(loyal)
    # Loyal customers are 5 % of the customers; in their persona they are the majority.
    members = sum(name == persona for name in personas.values())
    assert count >= 0.5 * members
    found = next(p for p in result.personas if p.persona == persona)
    z = {d.feature: d.z for d in found.features}
    assert z["orders"] > 1 and z["sessions"] > 1  # more orders and visits than everyone
