"""PostHog capture payloads → canonical rows.

``/batch/`` carries ``{"api_key", "batch": [...], "sent_at"}``; ``/capture/``,
``/e/`` and ``/i/v0/e/`` carry one event, a ``{"batch": [...]}`` object or a bare
array (posthog-js). Special events map onto the common model:

* ``$identify`` (distinct_id = the user, ``$anon_distinct_id`` = the device) → identify
* ``$create_alias`` (distinct_id = the id kept, ``alias`` = the id joining it) → alias
* ``$set`` → identify without a link; ``$set``/``$set_once`` on any event update traits
* ``$pageview`` → page, ``$screen`` → screen, ``$groupidentify`` → group

A plain event's ``distinct_id`` is stored as ``anonymous_id`` unless the event says
``$is_identified: true``: PostHog only treats a person as identified after
``$identify``, and so do we.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from journeylens.ingest.batch import ParsedBatch, Rejection, raw_text
from journeylens.ingest.body import BodyError
from journeylens.ingest.normalize import (
    Reject,
    build_event,
    clean_id,
    clean_message_id,
    encoded_size_check,
    offset_timestamp,
    optional_dict,
    optional_name,
    parse_timestamp,
)

SOURCE = "posthog"
_TYPE_OF = {"$pageview": "page", "$screen": "screen", "$groupidentify": "group", "$set": "identify"}


def events_of(body: Any) -> tuple[list[Any], dict[str, Any]]:
    """The list of events and the envelope around them."""
    if isinstance(body, list):
        return body, {}
    if not isinstance(body, dict):
        raise BodyError(400, "invalid_body", "The body must be a JSON object or array.")
    if "batch" in body:
        if not isinstance(body["batch"], list):
            raise BodyError(400, "invalid_body", "'batch' must be an array of events.")
        return body["batch"], body
    if "data" in body and isinstance(body["data"], (list, dict)):
        data = body["data"]
        return (data if isinstance(data, list) else [data]), body
    return [body], body


def api_key_of(body: Any) -> str | None:
    events, envelope = events_of(body)
    for holder in (envelope, *(e for e in events[:1] if isinstance(e, dict))):
        for key in ("api_key", "token"):
            if isinstance(holder.get(key), str):
                return holder[key]
        props = holder.get("properties")
        if isinstance(props, dict) and isinstance(props.get("token"), str):
            return props["token"]
    return None


def normalize_event(
    message: Any, *, received_at: datetime, batch_sent_at: datetime | None
) -> dict[str, Any]:
    if not isinstance(message, dict):
        raise Reject("invalid_type", "Each event must be a JSON object.")
    encoded = encoded_size_check(message)
    event = optional_name(message.get("event"), "event")
    if not event or not event.strip():
        raise Reject("missing_event", "The event has no 'event' name.")
    properties = dict(optional_dict(message.get("properties"), "properties"))
    properties.pop("token", None)  # the project key is a credential, not data
    set_traits = optional_dict(message.get("$set", properties.pop("$set", None)), "$set")
    set_once = optional_dict(
        message.get("$set_once", properties.pop("$set_once", None)), "$set_once"
    )
    distinct_id = clean_id(
        message.get("distinct_id", properties.get("distinct_id", message.get("$distinct_id"))),
        "distinct_id",
    )
    if distinct_id is None:
        raise Reject("missing_id", "The event has no distinct_id.")

    event_type = _TYPE_OF.get(event, "track")
    user_id: str | None = None
    anonymous_id: str | None = distinct_id
    previous_id = group_id = None
    if event == "$identify":
        event_type = "identify"
        user_id = distinct_id
        anonymous_id = clean_id(properties.get("$anon_distinct_id"), "$anon_distinct_id")
    elif event == "$create_alias":
        # The event's distinct_id is the id being kept; ``alias`` joins its person.
        event_type = "alias"
        previous_id = clean_id(properties.get("alias"), "alias")
        if previous_id is None:
            raise Reject("missing_alias", "$create_alias needs an 'alias' property.")
        user_id, anonymous_id = distinct_id, None
    elif properties.get("$is_identified") is True:
        user_id, anonymous_id = distinct_id, None
    if event_type == "group":
        group_id = clean_id(properties.get("$group_key"), "$group_key")
        if group_id is None:
            raise Reject("missing_group_id", "$groupidentify needs a $group_key property.")

    original = parse_timestamp(message.get("timestamp"), "timestamp")
    sent_at = parse_timestamp(message.get("sent_at"), "sent_at") or batch_sent_at
    if original is None and message.get("offset") is not None:
        original, sent_at = offset_timestamp(received_at, message.get("offset")), None
    message_id = clean_message_id(message.get("uuid"), "uuid", encoded)
    context = (
        {"library": {"name": properties["$lib"]}} if isinstance(properties.get("$lib"), str) else {}
    )
    if isinstance(properties.get("$lib_version"), str) and context:
        context["library"]["version"] = properties["$lib_version"]
    return build_event(
        event_type=event_type,
        event=event,
        user_id=user_id,
        anonymous_id=anonymous_id,
        properties=properties,
        traits=set_traits,
        context=context,
        original_timestamp=original,
        sent_at=sent_at,
        received_at=received_at,
        message_id=message_id,
        source=SOURCE,
        group_id=group_id,
        previous_id=previous_id,
        set_traits=set_traits,
        set_once=set_once,
    )


def parse_body(body: Any, *, received_at: datetime) -> ParsedBatch:
    events, envelope = events_of(body)
    try:
        batch_sent_at = parse_timestamp(envelope.get("sent_at"), "sent_at")
    except Reject as error:
        raise BodyError(400, error.code, error.message) from None
    parsed = ParsedBatch()
    for index, message in enumerate(events):
        try:
            row = normalize_event(message, received_at=received_at, batch_sent_at=batch_sent_at)
            row["_index"] = index
            parsed.rows.append(row)
        except Reject as error:
            uuid = message.get("uuid") if isinstance(message, dict) else None
            parsed.rejected.append(
                Rejection(
                    index,
                    error.code,
                    error.message,
                    raw_text(message),
                    uuid if isinstance(uuid, str) else None,
                )
            )
    return parsed
