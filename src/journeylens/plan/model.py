"""A tracking plan: expected events with a JSON Schema for their properties.

In the spirit of Segment Protocols and Snowplow Iglu::

    mode: flag            # flag: store and record violations; block: reject violating events
    allow_unplanned: true # events the plan does not name are fine (false: a violation)
    events:
      Order Completed:
        description: A customer paid.
        properties:
          type: object
          required: [order_id, total]
          properties:
            order_id: {type: string}
            total: {type: number, minimum: 0}

The active plan of a workspace is ``plan.yaml`` in it (``journeylens plan apply``);
a running server picks up a new one without a restart.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import fastjsonschema
import orjson
import yaml

MODES = ("flag", "block")
PLAN_FILE = "plan.yaml"


class PlanError(ValueError):
    """The plan file itself is wrong."""


@dataclass(frozen=True, slots=True)
class Violation:
    event: str | None
    property: str | None
    code: str  # unplanned_event | required | type | minimum | enum | ...
    message: str

    def describe(self) -> str:
        where = f"{self.event}.{self.property}" if self.property else str(self.event)
        return f"{where}: {self.message}"


@dataclass
class TrackingPlan:
    mode: str = "flag"
    allow_unplanned: bool = True
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    _validators: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_dict(cls, data: Any, source: str = "plan") -> TrackingPlan:
        if not isinstance(data, dict):
            raise PlanError(f"{source}: a tracking plan is a mapping with 'events'.")
        mode = data.get("mode", "flag")
        if mode not in MODES:
            raise PlanError(f"{source}: mode must be flag or block, not {mode!r}.")
        events = data.get("events") or {}
        if not isinstance(events, dict):
            raise PlanError(f"{source}: 'events' maps event names to their definitions.")
        plan = cls(mode=mode, allow_unplanned=bool(data.get("allow_unplanned", True)))
        for name, definition in events.items():
            definition = definition or {}
            if not isinstance(definition, dict):
                raise PlanError(f"{source}: the definition of {name!r} must be a mapping.")
            schema = definition.get("properties", {"type": "object"})
            try:
                plan._validators[str(name)] = fastjsonschema.compile(schema)
            except fastjsonschema.JsonSchemaDefinitionException as error:
                raise PlanError(
                    f"{source}: the schema of {name!r} is not valid JSON Schema: {error}"
                ) from None
            plan.events[str(name)] = definition
        return plan

    @classmethod
    def load(cls, path: str | Path) -> TrackingPlan:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise PlanError(f"Cannot read the plan {path}: {error.strerror}.") from None
        try:
            data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
        except (ValueError, yaml.YAMLError) as error:
            raise PlanError(f"{path} is not valid YAML/JSON: {error}") from None
        return cls.from_dict(data, str(path))

    def to_dict(self) -> dict[str, Any]:
        return {"mode": self.mode, "allow_unplanned": self.allow_unplanned, "events": self.events}

    def dump(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)

    # ---- checking ------------------------------------------------------------------------
    def check(self, event: str | None, properties: dict[str, Any] | str | None) -> Violation | None:
        """The first violation of one event, or None."""
        if event is None:
            return None
        validator = self._validators.get(event)
        if validator is None:
            if self.allow_unplanned:
                return None
            return Violation(
                event, None, "unplanned_event", "the tracking plan does not name this event"
            )
        if isinstance(properties, str):
            properties = orjson.loads(properties)
        try:
            validator(properties or {})
        except fastjsonschema.JsonSchemaValueException as error:
            return _violation(event, properties or {}, error)
        return None


def _violation(event: str, properties: dict[str, Any], error: Any) -> Violation:
    path = [p for p in (error.path or []) if p != "data"]
    prop = ".".join(str(p) for p in path) or None
    message = str(error.message).replace("data.", "", 1).replace("data ", "properties ", 1)
    if error.rule == "required" and isinstance(error.rule_definition, list):
        missing = [name for name in error.rule_definition if name not in properties]
        prop = ".".join([*map(str, path), missing[0]]) if missing else prop
        message = f"required property {missing[0]!r} is missing" if missing else message
    return Violation(event, prop, str(error.rule or "schema"), message)
