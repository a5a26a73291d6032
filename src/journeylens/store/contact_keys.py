"""Identity keys from contact details, so CRM rows and SDK users meet on one person.

``email:alice@example.com`` and ``phone:15550102030`` are distinct ids of kind
``email`` / ``phone``. Emails are trimmed and lower-cased; phones keep their digits
(a leading ``+`` and punctuation dropped). Near-duplicates (typos, a missing
country code) are not matched here: that is fuzzy matching's job.
"""

from __future__ import annotations

import re
from typing import Any

_NOT_DIGIT = re.compile(r"\D+")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def email_key(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    email = value.strip().lower()
    return f"email:{email}" if _EMAIL.match(email) else None


def phone_key(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    digits = _NOT_DIGIT.sub("", str(value))
    return f"phone:{digits}" if 6 <= len(digits) <= 15 else None


def contact_keys(traits: dict[str, Any]) -> list[tuple[str, str]]:
    keys = []
    email = email_key(traits.get("email"))
    if email:
        keys.append((email, "email"))
    phone = phone_key(traits.get("phone"))
    if phone:
        keys.append((phone, "phone"))
    return keys
