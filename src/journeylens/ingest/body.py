"""Decode a request body: size limits, gzip, JSON, lone surrogates.

Everything here answers bad input with :class:`BodyError` carrying an HTTP status,
a stable code and a sentence a person can act on — never an unhandled exception.
"""

from __future__ import annotations

import base64
import json
import math
import re
import zlib
from typing import Any
from urllib.parse import parse_qs

import orjson

MAX_BODY_BYTES = 500 * 1024
MAX_EVENT_BYTES = 32 * 1024
MAX_DEPTH = 64

_SURROGATE = re.compile("[\ud800-\udfff]")


class BodyError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def decompress(raw: bytes, encoding: str) -> bytes:
    """Inflate gzip/deflate without ever holding more than the body limit."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return raw
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise BodyError(
            415,
            "unsupported_encoding",
            f"Content-Encoding {encoding!r} is not supported; send gzip or an uncompressed body.",
        )
    wbits = zlib.MAX_WBITS | 32  # auto-detect gzip or zlib header
    inflater = zlib.decompressobj(wbits)
    try:
        data = inflater.decompress(raw, MAX_BODY_BYTES + 1)
    except zlib.error as error:
        raise BodyError(400, "bad_gzip", f"The body is not valid {encoding}: {error}.") from None
    if len(data) > MAX_BODY_BYTES or inflater.unconsumed_tail:
        raise BodyError(
            413,
            "body_too_large",
            f"The decompressed body is larger than {MAX_BODY_BYTES // 1024} KB; "
            "send smaller batches.",
        )
    if not inflater.eof:
        raise BodyError(400, "bad_gzip", "The compressed body is truncated.")
    return data


def _replace_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_replace_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {_replace_surrogates(k): _replace_surrogates(v) for k, v in value.items()}
    return value


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not a JSON value")


def _finite(text: str) -> float:
    number = float(text)
    if math.isinf(number):
        raise ValueError(f"the number {text[:40]} is out of range")
    return number


def parse_json(data: bytes) -> Any:
    """Parse JSON; lone UTF-16 surrogate escapes and invalid UTF-8 bytes become U+FFFD."""
    if data.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte-order mark, which JSON parsers may ignore
        data = data[3:]
    if not data.strip():
        raise BodyError(400, "empty_body", "The request body is empty; send a JSON object.")
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as error:
        reason = str(error)
    if "depth" in reason or "recursion" in reason:
        raise BodyError(
            400, "too_deep", f"The JSON is nested too deeply (more than {MAX_DEPTH} levels)."
        )
    if "surrogate" in reason or "UTF-8" in reason or "utf-8" in reason:
        # The standard library keeps lone surrogates as code points; we replace them.
        text = data.decode("utf-8", errors="replace")
        try:
            return _replace_surrogates(
                json.loads(text, parse_constant=_not_json, parse_float=_finite)
            )
        except RecursionError:
            raise BodyError(400, "too_deep", "The JSON is nested too deeply.") from None
        except ValueError as error:
            raise BodyError(
                400, "malformed_json", f"The body is not valid JSON: {error}."
            ) from None
    raise BodyError(400, "malformed_json", f"The body is not valid JSON: {reason}.")


def depth_exceeds(value: Any, limit: int = MAX_DEPTH) -> bool:
    """True when containers nest deeper than ``limit`` (iterative; cheap for flat events)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend(
                (child, depth + 1) for child in item.values() if isinstance(child, (dict, list))
            )
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item if isinstance(child, (dict, list)))
    return False


def decode_posthog_form(data: bytes) -> bytes:
    """posthog-js legacy bodies: ``data=<base64 JSON>`` form encoding."""
    try:
        fields = parse_qs(data.decode("ascii"), strict_parsing=False)
    except UnicodeDecodeError:
        raise BodyError(400, "malformed_form", "The form body is not ASCII.") from None
    values = fields.get("data")
    if not values:
        raise BodyError(400, "malformed_form", "The form body has no 'data' field.")
    try:
        decoded = base64.b64decode(values[0] + "=" * (-len(values[0]) % 4), validate=False)
    except ValueError as error:
        raise BodyError(
            400, "malformed_form", f"The 'data' field is not base64: {error}."
        ) from None
    if not decoded.strip():
        raise BodyError(400, "malformed_form", "The 'data' field holds no base64-encoded JSON.")
    return decoded
