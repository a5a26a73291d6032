"""What the running server holds: the open workspace, its writer, its keys and users."""

from __future__ import annotations

from dataclasses import dataclass

from journeylens.plan.enforce import PlanStore
from journeylens.store.journal import Journal
from journeylens.store.keys import KeyStore
from journeylens.store.loader import Loader
from journeylens.store.users import UserStore
from journeylens.store.writer import Writer
from journeylens.workspace import Workspace


@dataclass
class ServerState:
    workspace: Workspace
    writer: Writer
    keys: KeyStore
    users: UserStore
    plans: PlanStore
    journal: Journal
    loader: Loader
    max_lag_bytes: int
