"""Reading field values the way files write them: timestamps, numbers, JSON columns."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson


class FieldError(ValueError):
    pass


def timezone(name: str) -> tzinfo:
    try:
        return UTC if name.upper() == "UTC" else ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise FieldError(
            f"Unknown time zone {name!r}; use an IANA name such as Asia/Shanghai or UTC."
        ) from None


def timestamp(value: Any, tz: tzinfo, field: str) -> str:
    """An ISO-8601 UTC string from ISO text, a date, epoch seconds/ms/µs or a datetime.

    Naive values are read in ``tz`` (the ``--timezone`` option).
    """
    if value is None or value == "":
        raise FieldError(f"{field} is empty")
    moment: datetime
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        moment = _epoch(float(value))
    elif isinstance(value, str):
        text = value.strip()
        try:
            moment = _epoch(float(text))
        except ValueError:
            try:
                moment = datetime.fromisoformat(text.replace("/", "-"))
            except ValueError:
                raise FieldError(
                    f"{field} {text[:40]!r} is not a timestamp (ISO-8601 such as "
                    "2024-05-01T12:00:00Z, a date, or epoch seconds)"
                ) from None
    else:
        raise FieldError(f"{field} has an unusable type {type(value).__name__}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _epoch(number: float) -> datetime:
    if number != number or abs(number) > 1e18:
        raise ValueError
    if abs(number) >= 1e14:  # microseconds
        number /= 1e6
    elif abs(number) >= 1e11:  # milliseconds
        number /= 1e3
    return datetime.fromtimestamp(number, UTC)


def number(value: Any, field: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise FieldError(f"{field} must be a number, not a boolean")
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value).replace(",", "").strip())
    except ValueError:
        raise FieldError(f"{field} {str(value)[:30]!r} is not a number") from None


def json_object(value: Any, field: str) -> dict[str, Any]:
    """A JSON column (text in CSV, an object in JSONL/Parquet)."""
    return _json_column(value, field, dict, "a JSON object")


def json_list(value: Any, field: str) -> list[Any]:
    return _json_column(value, field, list, "a JSON array")


def _json_column(value: Any, field: str, kind: type, described: str) -> Any:
    if value is None or value == "":
        return kind()
    if isinstance(value, str):
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError:
            raise FieldError(f"{field} is not valid JSON") from None
    if isinstance(value, kind):
        return value
    raise FieldError(f"{field} must be {described}")


def plain(value: Any) -> Any:
    """Make Parquet values JSON-friendly (datetimes, dates, decimals)."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if type(value).__name__ == "Decimal":
        return float(value)
    return value
