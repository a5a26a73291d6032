"""Models that describe the wire formats in the OpenAPI spec.

The collector parses bodies itself (faster, and every failure gets a per-event
reason instead of a generic 422), so these models document; they do not validate.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class SegmentMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: Literal["track", "page", "screen", "identify", "group", "alias"] | None = Field(
        None, description="Required inside /v1/batch; implied by the route otherwise."
    )
    userId: str | None = None
    anonymousId: str | None = None
    event: str | None = Field(None, description="Required for track.")
    name: str | None = Field(None, description="Page or screen name.")
    properties: dict[str, Any] | None = None
    traits: dict[str, Any] | None = None
    context: dict[str, Any] | None = None
    timestamp: str | None = Field(None, description="ISO-8601 time of the event on the device.")
    originalTimestamp: str | None = None
    sentAt: str | None = None
    messageId: str | None = Field(None, description="Deduplication key.")
    groupId: str | None = None
    previousId: str | None = None
    writeKey: str | None = Field(None, description="Alternative to Basic auth.")


class SegmentBatch(BaseModel):
    model_config = ConfigDict(extra="allow")

    batch: list[dict[str, Any]] = Field(description="Segment messages, each with a type.")
    sentAt: str | None = None
    context: dict[str, Any] | None = None
    writeKey: str | None = None


class PostHogEvent(BaseModel):
    model_config = ConfigDict(extra="allow")

    event: str
    distinct_id: str | None = None
    properties: dict[str, Any] | None = None
    timestamp: str | None = None
    uuid: str | None = None
    api_key: str | None = None


class PostHogBatch(BaseModel):
    model_config = ConfigDict(extra="allow")

    api_key: str | None = None
    batch: list[dict[str, Any]] = Field(description="PostHog events.")
    sent_at: str | None = None


class RejectedEvent(BaseModel):
    index: int = Field(
        description="Position of the event in the request's batch (0 for single calls)."
    )
    code: str = Field(
        description="Stable reason code, e.g. missing_id, missing_event, event_too_large."
    )
    message: str


class IngestResponse(BaseModel):
    success: bool
    accepted: int = Field(
        description="Events stored (or already stored: duplicates count as accepted)."
    )
    rejected: list[RejectedEvent]
    code: str | None = None
    message: str | None = None


class ErrorResponse(BaseModel):
    code: str
    message: str


INGEST_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": IngestResponse, "description": "Stored; any rejected events are listed."},
    400: {"model": IngestResponse, "description": "Malformed body, or every event was rejected."},
    401: {"model": ErrorResponse, "description": "Missing or unknown write key."},
    413: {"model": ErrorResponse, "description": "Body over 500 KB."},
    415: {"model": ErrorResponse, "description": "Unsupported Content-Encoding."},
    503: {
        "model": ErrorResponse,
        "description": "Queue full or store unavailable; retry after Retry-After seconds.",
    },
}


def request_body(model: type[BaseModel], *alternatives: type[BaseModel]) -> dict[str, Any]:
    schemas = [m.model_json_schema() for m in (model, *alternatives)]
    schema: dict[str, Any] = schemas[0] if len(schemas) == 1 else {"anyOf": schemas}
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema}},
        }
    }
