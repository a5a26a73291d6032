"""Identity resolution: which person does each event belong to?

The graph maps every distinct id (a user id, an anonymous/device id, a PostHog
distinct_id) to a person. It lives in memory in the one writer process and is
persisted by the writer in the same transaction as the events it resolved.

Rules (docs/architecture.md "Identity"):

* ``identify(user, anonymous)`` and any event carrying both ids link them; if the
  anonymous id already has a person who is *not identified*, that person is merged
  into the user's person, so pre-login events (any device) belong to the customer.
* A person is identified once one of its ids arrived as a user id.
* Two persons that are both identified are never merged: the link is refused and
  recorded in ``person_merges`` with status ``refused``.
* ``alias(previous, user)`` links ``previous`` into ``user`` under the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb

ANONYMOUS, USER = "anonymous", "user"


@dataclass(slots=True)
class MergeRecord:
    status: str  # merged | refused
    source: int
    target: int
    distinct_id: str
    other_id: str
    message_id: str
    reason: str


@dataclass
class GraphChanges:
    """What one batch changed, for the writer to persist."""

    new_ids: dict[str, tuple[int, str]] = field(default_factory=dict)
    upgraded_ids: set[str] = field(default_factory=set)
    new_persons: set[int] = field(default_factory=set)
    identified: set[int] = field(default_factory=set)
    forward: dict[int, int] = field(default_factory=dict)
    records: list[MergeRecord] = field(default_factory=list)

    def final(self, person_id: int) -> int:
        while person_id in self.forward:
            person_id = self.forward[person_id]
        return person_id


class IdentityGraph:
    def __init__(self) -> None:
        self.person_of: dict[str, int] = {}
        self.kind_of: dict[str, str] = {}
        self.members: dict[int, list[str]] = {}
        self.identified: set[int] = set()
        self.refused_pairs: set[tuple[int, int]] = set()
        self.next_person_id = 1
        self.changes = GraphChanges()

    # ---- loading ---------------------------------------------------------------------
    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection) -> IdentityGraph:
        graph = cls()
        cur = con.cursor()
        for distinct_id, person_id, kind in cur.execute(
            "SELECT distinct_id, person_id, kind FROM identities"
        ).fetchall():
            graph.person_of[distinct_id] = person_id
            graph.kind_of[distinct_id] = kind
            graph.members.setdefault(person_id, []).append(distinct_id)
        graph.identified = {
            row[0]
            for row in cur.execute("SELECT person_id FROM persons WHERE is_identified").fetchall()
        }
        graph.refused_pairs = {
            (a, b)
            for a, b in cur.execute(
                "SELECT source_person_id, target_person_id FROM person_merges WHERE status = 'refused'"
            ).fetchall()
        }
        top = cur.execute("SELECT coalesce(max(person_id), 0) FROM persons").fetchone()
        graph.next_person_id = int(top[0]) + 1 if top else 1
        cur.close()
        return graph

    def take_changes(self) -> GraphChanges:
        changes, self.changes = self.changes, GraphChanges()
        return changes

    # ---- resolution ------------------------------------------------------------------
    def resolve(self, row: dict[str, Any]) -> int:
        """The person of one canonical row; records links and merges as it goes."""
        user_id, anonymous_id = row["user_id"], row["anonymous_id"]
        message_id = row["message_id"]
        if row["type"] == "alias":
            return self._link(user_id, USER, row["previous_id"], message_id)
        if user_id is not None and anonymous_id is not None and user_id != anonymous_id:
            return self._link(user_id, USER, anonymous_id, message_id)
        if user_id is not None:
            return self._ensure(user_id, USER)
        return self._ensure(anonymous_id, ANONYMOUS)

    def attach(self, person_id: int, distinct_id: str, kind: str) -> None:
        """Add a contact key (email/phone) to a person unless it already names someone."""
        if distinct_id not in self.person_of:
            self._add(distinct_id, person_id, kind)

    def link_contact(self, keys: list[tuple[str, str]], message_id: str) -> int:
        """A CRM record: its ids in priority order (user id, email, phone) name one person.

        The first id already known picks the person; the others join it, merging
        anonymous persons but never another identified customer.
        """
        person_id = next((self.person_of[d] for d, _ in keys if d in self.person_of), None)
        if person_id is None:
            person_id = self._new_person(identified=True)
        else:
            self._mark_identified(person_id)
        primary = keys[0][0]
        for distinct_id, kind in keys:
            owner = self.person_of.get(distinct_id)
            if owner is None:
                self._add(distinct_id, person_id, kind)
            elif owner != person_id:
                if owner in self.identified:
                    self._refuse(owner, person_id, distinct_id, primary, message_id)
                else:
                    self._merge(owner, person_id, distinct_id, primary, message_id)
        return person_id

    def _new_person(self, identified: bool) -> int:
        person_id = self.next_person_id
        self.next_person_id += 1
        self.members[person_id] = []
        self.changes.new_persons.add(person_id)
        if identified:
            self._mark_identified(person_id)
        return person_id

    def _mark_identified(self, person_id: int) -> None:
        if person_id not in self.identified:
            self.identified.add(person_id)
            self.changes.identified.add(person_id)

    def _add(self, distinct_id: str, person_id: int, kind: str) -> None:
        self.person_of[distinct_id] = person_id
        self.kind_of[distinct_id] = kind
        self.members[person_id].append(distinct_id)
        self.changes.new_ids[distinct_id] = (person_id, kind)

    def _upgrade(self, distinct_id: str, kind: str) -> None:
        """An id first seen anonymously that now arrives as a user id identifies its person."""
        if kind != USER:
            return
        person_id = self.person_of[distinct_id]
        if self.kind_of[distinct_id] != USER:
            self.kind_of[distinct_id] = USER
            if distinct_id in self.changes.new_ids:
                self.changes.new_ids[distinct_id] = (person_id, USER)
            else:
                self.changes.upgraded_ids.add(distinct_id)
        self._mark_identified(person_id)

    def _ensure(self, distinct_id: str, kind: str) -> int:
        person_id = self.person_of.get(distinct_id)
        if person_id is None:
            person_id = self._new_person(identified=kind == USER)
            self._add(distinct_id, person_id, kind)
            return person_id
        self._upgrade(distinct_id, kind)
        return person_id

    def _link(self, primary: str, kind: str, secondary: str, message_id: str) -> int:
        primary_person = self.person_of.get(primary)
        secondary_person = self.person_of.get(secondary)
        if primary_person is None and secondary_person is None:
            person_id = self._new_person(identified=kind == USER)
            self._add(primary, person_id, kind)
            self._add(secondary, person_id, ANONYMOUS)
            return person_id
        if secondary_person is None:
            assert primary_person is not None
            self._upgrade(primary, kind)
            self._add(secondary, primary_person, ANONYMOUS)
            return primary_person
        if primary_person is None:
            if kind == USER and secondary_person in self.identified:
                # The device/anonymous id already belongs to another identified customer
                # (a shared device): the new user gets a person of their own.
                person_id = self._new_person(identified=True)
                self._add(primary, person_id, kind)
                self._refuse(secondary_person, person_id, secondary, primary, message_id)
                return person_id
            self._add(primary, secondary_person, kind)
            if kind == USER:
                self._mark_identified(secondary_person)
            return secondary_person
        self._upgrade(primary, kind)
        if primary_person == secondary_person:
            return primary_person
        if secondary_person not in self.identified:
            self._merge(secondary_person, primary_person, secondary, primary, message_id)
        else:
            self._refuse(secondary_person, primary_person, secondary, primary, message_id)
        return primary_person

    def _merge(
        self, source: int, target: int, source_id: str, target_id: str, message_id: str
    ) -> None:
        moved = self.members.pop(source)
        for distinct_id in moved:
            self.person_of[distinct_id] = target
            if distinct_id in self.changes.new_ids:
                self.changes.new_ids[distinct_id] = (target, self.kind_of[distinct_id])
        self.members[target].extend(moved)
        self.identified.discard(source)
        self.changes.forward[source] = target
        self.changes.records.append(
            MergeRecord("merged", source, target, source_id, target_id, message_id, "identified")
        )

    def _refuse(
        self, source: int, target: int, source_id: str, target_id: str, message_id: str
    ) -> None:
        if (source, target) in self.refused_pairs:
            return
        self.refused_pairs.add((source, target))
        self.changes.records.append(
            MergeRecord(
                "refused",
                source,
                target,
                source_id,
                target_id,
                message_id,
                "both persons are already identified; they are not merged automatically",
            )
        )
