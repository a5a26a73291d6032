"""Which column holds which field: common names recognised, overrides by option or file.

``--map user_id=CustomerNo`` (repeatable) or ``--mapping mapping.yaml`` holding
``{user_id: CustomerNo, timestamp: Zeit}`` override the recognised names. Column
names match case-insensitively, ignoring spaces, dashes and underscores.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "events": {
        "user_id": ("user_id", "userid", "customer_id", "distinct_id", "user", "customer"),
        "anonymous_id": ("anonymous_id", "anon_id", "device_id", "visitor_id", "cookie_id"),
        "event": ("event", "event_name", "action", "event_type"),
        "timestamp": (
            "timestamp",
            "time",
            "event_time",
            "event_timestamp",
            "datetime",
            "date",
            "occurred_at",
            "created_at",
            "ts",
        ),
        "message_id": ("message_id", "event_id", "uuid", "id"),
        "type": ("type", "call_type"),
        "session_id": ("session_id", "session"),
        "channel": ("channel",),
        "properties": ("properties", "props"),
        "context": ("context",),
        "traits": ("traits",),
    },
    "contacts": {
        "user_id": ("user_id", "customer_id", "contact_id", "crm_id", "id", "userid"),
        "email": ("email", "email_address", "e_mail", "mail"),
        "phone": ("phone", "phone_number", "mobile", "telephone", "tel"),
        "name": ("name", "full_name"),
        "first_name": ("first_name", "firstname", "given_name"),
        "last_name": ("last_name", "lastname", "surname", "family_name"),
        "gender": ("gender", "sex"),
        "birth_date": ("birth_date", "birthday", "date_of_birth", "dob", "birthdate"),
        "country": ("country", "country_code"),
        "city": ("city", "town"),
        "signup_date": (
            "signup_date",
            "signed_up_at",
            "registration_date",
            "registered_at",
            "created_at",
            "joined",
        ),
    },
    "orders": {
        "order_id": ("order_id", "order_number", "order_no", "order"),
        "user_id": ("customer_id", "user_id", "userid", "customer", "distinct_id"),
        "ordered_at": (
            "ordered_at",
            "order_date",
            "timestamp",
            "date",
            "created_at",
            "time",
            "order_time",
        ),
        "revenue": ("revenue", "total", "order_total", "amount"),
        "currency": ("currency",),
        "products": ("products", "items", "line_items"),
        "product_id": ("product_id", "sku", "item_id"),
        "product_name": ("product_name", "item_name", "name"),
        "category": ("category", "product_category"),
        "price": ("price", "unit_price"),
        "quantity": ("quantity", "qty"),
        "channel": ("channel",),
        "store_id": ("store_id", "store"),
        "coupon": ("coupon", "discount_code"),
    },
    "feedback": {
        "feedback_id": ("feedback_id", "review_id", "response_id", "id"),
        "user_id": ("customer_id", "user_id", "userid", "customer", "distinct_id"),
        "created_at": ("created_at", "submitted_at", "timestamp", "date", "time"),
        "channel": ("channel", "source"),
        "kind": ("kind", "feedback_type", "type"),
        "text": (
            "text",
            "comment",
            "review",
            "review_text",
            "body",
            "feedback",
            "message",
            "answer",
        ),
        "rating": ("rating", "stars"),
        "nps": ("nps", "nps_score", "likelihood_to_recommend", "score"),
        "language": ("language", "lang", "locale"),
        "product_id": ("product_id", "sku"),
        "order_id": ("order_id", "order_number"),
    },
}
KINDS = tuple(ALIASES)


def _squash(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", name.strip().lower())


class MappingError(ValueError):
    pass


@dataclass
class ColumnMapping:
    kind: str
    columns: dict[str, str]  # field -> column in the file

    def get(self, row: dict[str, Any], field: str) -> Any:
        column = self.columns.get(field)
        return row.get(column) if column is not None else None

    def extra(self, row: dict[str, Any]) -> dict[str, Any]:
        """Columns no field claimed: they become properties or traits."""
        used = set(self.columns.values())
        return {k: v for k, v in row.items() if k not in used and v is not None}


def load_mapping_file(path: Path) -> dict[str, str]:
    text = Path(path).read_text(encoding="utf-8")
    if Path(path).suffix.lower() in (".yaml", ".yml"):
        import yaml

        data = yaml.safe_load(text)
    else:
        data = json.loads(text)
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise MappingError(f"{path}: a mapping file holds 'field: column' pairs.")
    return {str(k): v for k, v in data.items()}


def parse_map_options(options: list[str]) -> dict[str, str]:
    mapping = {}
    for option in options:
        field, sep, column = option.partition("=")
        if not sep or not field.strip() or not column.strip():
            raise MappingError(
                f"--map {option!r}: write it as FIELD=COLUMN, e.g. user_id=CustomerNo."
            )
        mapping[field.strip()] = column.strip()
    return mapping


def resolve(kind: str, header: list[str], overrides: dict[str, str] | None = None) -> ColumnMapping:
    """Match the file's columns to fields; overrides name columns exactly."""
    aliases = ALIASES[kind]
    overrides = overrides or {}
    unknown = sorted(set(overrides) - set(aliases))
    if unknown:
        raise MappingError(
            f"Unknown field(s) {', '.join(unknown)} for {kind}; "
            f"the fields are: {', '.join(aliases)}."
        )
    columns: dict[str, str] = {}
    for field, column in overrides.items():
        if column not in header:
            raise MappingError(
                f"--map {field}={column}: the file has no column {column!r} "
                f"(its columns: {', '.join(header)})."
            )
        columns[field] = column
    by_squash = {_squash(name): name for name in header}
    taken = set(columns.values())
    for field, names in aliases.items():
        if field in columns:
            continue
        for alias in names:
            column = by_squash.get(_squash(alias))
            if column is not None and column not in taken:
                columns[field] = column
                taken.add(column)
                break
    return ColumnMapping(kind, columns)
