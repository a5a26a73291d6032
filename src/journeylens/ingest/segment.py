"""Segment HTTP Tracking API messages → canonical rows.

Spec: https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/
``/v1/batch`` carries ``{"batch": [...], "sentAt", "context", "writeKey"}``; the
single-call routes carry one message whose ``type`` is implied by the route.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from journeylens.ingest.batch import ParsedBatch, Rejection, raw_text
from journeylens.ingest.normalize import (
    EVENT_TYPES,
    Reject,
    build_event,
    clean_id,
    clean_message_id,
    encoded_size_check,
    optional_dict,
    optional_name,
    parse_timestamp,
)

SOURCE = "segment"


def write_key_of(body: Any) -> str | None:
    if isinstance(body, dict):
        key = body.get("writeKey") or body.get("write_key")
        return key if isinstance(key, str) else None
    return None


def normalize_message(
    message: Any,
    *,
    received_at: datetime,
    implied_type: str | None = None,
    batch_sent_at: datetime | None = None,
    batch_context: dict[str, Any] | None = None,
    source: str = SOURCE,
) -> dict[str, Any]:
    if not isinstance(message, dict):
        raise Reject("invalid_type", "Each message must be a JSON object.")
    encoded = encoded_size_check(message)
    event_type = message.get("type", implied_type) if implied_type is None else implied_type
    if event_type is None:
        raise Reject("missing_type", "The message has no type (track, page, identify, ...).")
    if not isinstance(event_type, str) or event_type not in EVENT_TYPES:
        raise Reject(
            "invalid_type",
            f"Unknown message type {event_type!r}; expected one of {', '.join(sorted(EVENT_TYPES))}.",
        )
    user_id = clean_id(message.get("userId", message.get("user_id")), "userId")
    anonymous_id = clean_id(message.get("anonymousId", message.get("anonymous_id")), "anonymousId")
    properties = optional_dict(message.get("properties"), "properties")
    traits = optional_dict(message.get("traits"), "traits")
    context = optional_dict(message.get("context"), "context")
    if batch_context:
        context = {**batch_context, **context}
        encoded_size_check({**message, "context": context})  # limits apply to the stored event
    message_id = clean_message_id(
        message.get("messageId", message.get("message_id")), "messageId", encoded
    )

    event: str | None = None
    group_id = previous_id = None
    if event_type == "track":
        event = optional_name(message.get("event"), "event")
        if not event or not event.strip():
            raise Reject("missing_event", "A track call needs a non-empty 'event' name.")
    elif event_type in ("page", "screen"):
        name = optional_name(message.get("name"), "name")
        category = optional_name(message.get("category"), "category")
        extra = {k: v for k, v in (("name", name), ("category", category)) if v is not None}
        properties = {**extra, **properties}
        event = "Page Viewed" if event_type == "page" else "Screen Viewed"
    elif event_type == "group":
        group_id = clean_id(message.get("groupId"), "groupId")
        if group_id is None:
            raise Reject("missing_group_id", "A group call needs a groupId.")
    elif event_type == "alias":
        previous_id = clean_id(message.get("previousId"), "previousId")
        if previous_id is None:
            raise Reject("missing_previous_id", "An alias call needs a previousId.")
        if user_id is None:
            raise Reject("missing_id", "An alias call needs a userId.")

    original = parse_timestamp(
        message.get("originalTimestamp") or message.get("timestamp"), "timestamp"
    )
    sent_at = parse_timestamp(message.get("sentAt"), "sentAt") or batch_sent_at
    return build_event(
        event_type=event_type,
        event=event,
        user_id=user_id,
        anonymous_id=anonymous_id,
        properties=properties,
        traits=traits,
        context=context,
        original_timestamp=original,
        sent_at=sent_at,
        received_at=received_at,
        message_id=message_id,
        source=source,
        group_id=group_id,
        previous_id=previous_id,
        set_traits=traits if event_type == "identify" else None,
    )


def parse_body(body: Any, *, route_type: str | None, received_at: datetime) -> ParsedBatch:
    """``route_type`` is None for ``/v1/batch`` (types come from the messages)."""
    from journeylens.ingest.body import BodyError

    if not isinstance(body, dict):
        raise BodyError(400, "invalid_body", "The body must be a JSON object.")
    parsed = ParsedBatch()
    if route_type is None:
        messages = body.get("batch")
        if not isinstance(messages, list):
            raise BodyError(400, "invalid_body", "A batch body needs a 'batch' array of messages.")
        try:
            batch_sent_at = parse_timestamp(body.get("sentAt"), "sentAt")
        except Reject as error:
            raise BodyError(400, error.code, error.message) from None
        batch_context = body.get("context") if isinstance(body.get("context"), dict) else None
    else:
        messages = [body]
        batch_sent_at, batch_context = None, None
    for index, message in enumerate(messages):
        try:
            row = normalize_message(
                message,
                received_at=received_at,
                implied_type=route_type,
                batch_sent_at=batch_sent_at,
                batch_context=batch_context,
            )
            row["_index"] = index
            parsed.rows.append(row)
        except Reject as error:
            message_id = message.get("messageId") if isinstance(message, dict) else None
            parsed.rejected.append(
                Rejection(
                    index,
                    error.code,
                    error.message,
                    raw_text(message),
                    message_id if isinstance(message_id, str) else None,
                )
            )
    return parsed
