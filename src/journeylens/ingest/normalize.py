"""The one normalisation path every source goes through.

A protocol adapter (Segment, PostHog; the file importers go through Segment's) pulls the fields
out of its own message shape and calls :func:`build_event`, which validates them,
corrects the clock skew, derives the channel and the promoted columns, and
returns one canonical row (a dict keyed like ``events`` minus ``person_id``,
which identity resolution fills in). Anything wrong raises :class:`Reject` with a
stable code and a sentence saying what to fix.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson

from journeylens.ingest.body import MAX_DEPTH, MAX_EVENT_BYTES, depth_exceeds

EVENT_TYPES = frozenset({"track", "page", "screen", "identify", "group", "alias"})
CHANNELS = frozenset({"web", "app", "email", "chat", "store", "social", "iot", "other"})

# Identifiers that SDKs and buggy integrations send when they have no real id.
# Merging on them would glue unrelated customers together, so they are refused.
ILLEGAL_IDS = frozenset(
    {
        "",
        "null",
        "none",
        "nil",
        "nan",
        "undefined",
        "anonymous",
        "guest",
        "0",
        "-1",
        "[object object]",
        "distinct_id",
        "distinctid",
        "not_authenticated",
        "true",
        "false",
    }
)
MAX_ID_LENGTH = 255
MAX_NAME_LENGTH = 255
MIN_YEAR, MAX_YEAR = 1970, 2200

_CHANNEL_ALIASES = {"browser": "web", "mobile": "app", "in-store": "store", "pos": "store"}
_APP_LIBRARIES = (
    "ios",
    "android",
    "react-native",
    "flutter",
    "swift",
    "kotlin",
    "xamarin",
    "unity",
)
_WEB_LIBRARIES = ("analytics.js", "analytics-next", "posthog-js", "web", "javascript")


class Reject(Exception):
    """An event we will not store, with a stable ``code`` and a human ``message``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# ---- field checks ------------------------------------------------------------------
def clean_id(value: Any, field: str) -> str | None:
    """A user/anonymous/group id as a string, ``None`` when absent; refuses junk ids."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise Reject("invalid_type", f"{field} must be a string, not {type(value).__name__}.")
    text = str(value).strip()
    if text.lower() in ILLEGAL_IDS:
        raise Reject(
            "illegal_id",
            f"{field} {value!r} is not a usable identifier (placeholder values such as null, "
            "undefined, anonymous, guest, 0 and empty strings are refused).",
        )
    if len(text) > MAX_ID_LENGTH:
        raise Reject("invalid_id", f"{field} is longer than {MAX_ID_LENGTH} characters.")
    return text


def optional_dict(value: Any, field: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Reject("invalid_type", f"{field} must be a JSON object, not {_json_type(value)}.")
    return value


def optional_name(value: Any, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise Reject("invalid_type", f"{field} must be a string, not {_json_type(value)}.")
    if len(value) > MAX_NAME_LENGTH:
        raise Reject("invalid_name", f"{field} is longer than {MAX_NAME_LENGTH} characters.")
    return value


def parse_timestamp(value: Any, field: str) -> datetime | None:
    """An ISO-8601 string as naive UTC; naive input is taken as UTC."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise Reject(
            "invalid_timestamp", f"{field} must be an ISO-8601 string, not {_json_type(value)}."
        )
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise Reject(
            "invalid_timestamp",
            f"{field} {value[:60]!r} is not an ISO-8601 timestamp "
            "(for example 2024-05-01T12:00:00Z).",
        ) from None
    if parsed.tzinfo is not None:
        try:
            parsed = parsed.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:  # year 1 or 9999 shifted past the calendar: out of range below
            parsed = parsed.replace(tzinfo=None)
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise Reject(
            "invalid_timestamp", f"{field} {value[:60]!r} is outside {MIN_YEAR}–{MAX_YEAR}."
        )
    return parsed


def corrected_timestamp(
    original: datetime | None, sent_at: datetime | None, received_at: datetime
) -> datetime:
    """``received_at − (sent_at − original)``: the device clock's error taken out."""
    if original is None:
        return received_at
    if sent_at is None:
        return original
    return received_at - (sent_at - original)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object" if isinstance(value, dict) else type(value).__name__


# ---- derived columns ---------------------------------------------------------------
def derive_channel(event_type: str, properties: dict[str, Any], context: dict[str, Any]) -> str:
    for explicit in (properties.get("channel"), context.get("channel")):
        if isinstance(explicit, str):
            name = _CHANNEL_ALIASES.get(explicit.lower(), explicit.lower())
            if name in CHANNELS:
                return name
    if event_type == "screen":
        return "app"
    library = context.get("library")
    lib_name = library.get("name") if isinstance(library, dict) else None
    if not isinstance(lib_name, str):
        lib_name = properties.get("$lib") if isinstance(properties.get("$lib"), str) else ""
    lib_name = lib_name.lower()
    device = context.get("device")
    device_type = device.get("type") if isinstance(device, dict) else None
    if any(marker in lib_name for marker in _APP_LIBRARIES) or device_type in ("ios", "android"):
        return "app"
    if any(marker in lib_name for marker in _WEB_LIBRARIES) or isinstance(
        context.get("page"), dict
    ):
        return "web"
    return "other"


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value or None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if value == value and abs(value) != float("inf") else None
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
        return number if number == number and abs(number) != float("inf") else None
    return None


def _first_text(*values: Any) -> str | None:
    for value in values:
        if value is not None:
            text = _text(value)
            if text:
                return text
    return None


_EMPTY: dict[str, Any] = {}


def promoted_columns(
    event: str | None, properties: dict[str, Any], context: dict[str, Any]
) -> dict[str, Any]:
    page = context.get("page", _EMPTY)
    page = page if isinstance(page, dict) else _EMPTY
    campaign = context.get("campaign", _EMPTY)
    campaign = campaign if isinstance(campaign, dict) else _EMPTY
    get = properties.get
    url = _first_text(page.get("url"), get("url"), get("$current_url"))
    path = _first_text(page.get("path"), get("path"), get("$pathname"))
    query: dict[str, list[str]] = _EMPTY
    if url and (path is None or "utm_" in url):
        try:
            parts = urlsplit(url)
            path = path or parts.path or None
            if "utm_" in parts.query:
                query = parse_qs(parts.query)
        except ValueError:
            pass

    def utm(key: str, campaign_key: str) -> str | None:
        from_url = query.get(f"utm_{key}") if query else None
        return _first_text(
            campaign.get(campaign_key), get(f"utm_{key}"), from_url[0] if from_url else None
        )

    revenue = _number(get("revenue"))
    if revenue is None and event == "Order Completed":
        revenue = _number(get("total"))
    currency = _text(get("currency"))
    product_id = get("product_id")
    return {
        "url": url,
        "path": path,
        "referrer": _first_text(page.get("referrer"), get("referrer"), get("$referrer")),
        "utm_source": utm("source", "source"),
        "utm_medium": utm("medium", "medium"),
        "utm_campaign": utm("campaign", "name"),
        "product_id": _text(product_id) if product_id is not None else None,
        "revenue": revenue,
        "currency": currency.upper()[:8] if currency else None,
    }


def _session_id(properties: dict[str, Any], context: dict[str, Any]) -> str | None:
    for value in (
        context.get("sessionId"),
        context.get("session_id"),
        properties.get("session_id"),
        properties.get("$session_id"),
    ):
        text = _text(value)
        if text:
            return text[:MAX_ID_LENGTH]
    return None


def stable_message_id(raw: bytes) -> str:
    """An id derived from the message content, so a resent message without one dedupes."""
    return "jl-" + hashlib.blake2b(raw, digest_size=16).hexdigest()


def clean_message_id(value: Any, field: str, encoded: bytes) -> str:
    """The dedupe key: as sent, or hashed from the content when absent or a placeholder.

    A placeholder such as ``"null"`` or ``"0"`` sent for every message would make all
    of them duplicates of the first; hashing the content instead loses nothing and
    still dedupes a true resend.
    """
    if value is None:
        return stable_message_id(encoded)
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise Reject("invalid_type", f"{field} must be a string, not {_json_type(value)}.")
    text = str(value).strip()
    if text.lower() in ILLEGAL_IDS:
        return stable_message_id(encoded)
    if len(text) > MAX_ID_LENGTH:
        raise Reject("invalid_id", f"{field} is longer than {MAX_ID_LENGTH} characters.")
    return text


def dumps(value: dict[str, Any]) -> str | None:
    return orjson.dumps(value).decode() if value else None


def encoded_size_check(message: dict[str, Any]) -> bytes:
    """Serialise a raw message once: enforces depth and size, and gives the bytes to keep."""
    try:
        encoded = orjson.dumps(message, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError as error:
        if "recursion" in str(error).lower():
            raise Reject(
                "too_deep", f"The event nests objects deeper than {MAX_DEPTH} levels."
            ) from None
        raise Reject("invalid_value", f"The event cannot be stored as JSON: {error}.") from None
    # The number of brackets bounds the depth, so only a bracket-heavy event needs the walk.
    if encoded.count(b"{") + encoded.count(b"[") > MAX_DEPTH and depth_exceeds(message):
        raise Reject("too_deep", f"The event nests objects deeper than {MAX_DEPTH} levels.")
    if len(encoded) > MAX_EVENT_BYTES:
        raise Reject(
            "event_too_large",
            f"The event is {len(encoded) // 1024} KB; events may be at most "
            f"{MAX_EVENT_BYTES // 1024} KB.",
        )
    return encoded


# ---- the canonical row ---------------------------------------------------------------
def build_event(
    *,
    event_type: str,
    event: str | None,
    user_id: str | None,
    anonymous_id: str | None,
    properties: dict[str, Any],
    traits: dict[str, Any],
    context: dict[str, Any],
    original_timestamp: datetime | None,
    sent_at: datetime | None,
    received_at: datetime,
    message_id: str,
    source: str,
    group_id: str | None = None,
    previous_id: str | None = None,
    set_traits: dict[str, Any] | None = None,
    set_once: dict[str, Any] | None = None,
) -> dict[str, Any]:
    if event_type not in EVENT_TYPES:
        raise Reject("invalid_type", f"Unknown event type {event_type!r}.")
    if user_id is None and anonymous_id is None:
        raise Reject("missing_id", "The event has neither userId nor anonymousId.")
    if event_type == "track" and not event:
        raise Reject("missing_event", "A track call needs a non-empty event name.")
    timestamp = corrected_timestamp(original_timestamp, sent_at, received_at)
    if not MIN_YEAR <= timestamp.year <= MAX_YEAR:
        raise Reject(
            "invalid_timestamp",
            f"timestamp corrected for the device clock (received − (sentAt − timestamp)) "
            f"falls in {timestamp.year}, outside {MIN_YEAR}–{MAX_YEAR}; check sentAt.",
        )
    row: dict[str, Any] = {
        "message_id": message_id,
        "type": event_type,
        "event": event,
        "timestamp": timestamp,
        "original_timestamp": original_timestamp,
        "sent_at": sent_at,
        "received_at": received_at,
        "anonymous_id": anonymous_id,
        "user_id": user_id,
        "session_id": _session_id(properties, context),
        "channel": derive_channel(event_type, properties, context),
        "source": source,
        "properties": dumps(properties),
        "traits": dumps(traits),
        "context": dumps(context),
        "group_id": group_id,
        "previous_id": previous_id,
        # Not columns: what identity resolution applies to the person.
        "_set": set_traits or None,
        "_set_once": set_once or None,
    }
    row.update(promoted_columns(event, properties, context))
    return row


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def offset_timestamp(received_at: datetime, offset_ms: Any) -> datetime | None:
    """PostHog's ``offset``: milliseconds between the event and the send."""
    number = _number(offset_ms)
    if number is None:
        return None
    try:
        moment: datetime | None = received_at - timedelta(milliseconds=number)
    except OverflowError:
        moment = None
    if moment is None or not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise Reject(
            "invalid_timestamp",
            f"offset {number:g} ms puts the event outside {MIN_YEAR}–{MAX_YEAR}.",
        )
    return moment
