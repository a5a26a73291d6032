"""Person traits: merging ``$set`` / ``$set_once`` and promoting well-known traits to columns."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any


def apply_traits(
    current: dict[str, Any], set_traits: dict[str, Any] | None, set_once: dict[str, Any] | None
) -> dict[str, Any]:
    merged = dict(current)
    if set_once:
        for key, value in set_once.items():
            merged.setdefault(key, value)
    if set_traits:
        merged.update(set_traits)
    return merged


def _first(traits: dict[str, Any], *names: str) -> Any:
    for name in names:
        value = traits.get(name)
        if value not in (None, ""):
            return value
    return None


def _text(value: Any, limit: int = 255) -> str | None:
    if isinstance(value, str):
        return value.strip()[:limit] or None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def _date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00")).date()
    except ValueError:
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None


def _birth_year(traits: dict[str, Any]) -> int | None:
    year = traits.get("birth_year")
    if isinstance(year, int) and not isinstance(year, bool) and 1900 <= year <= 2100:
        return year
    born = _date(_first(traits, "birthday", "birth_date", "birthdate"))
    return born.year if born else None


def promoted(traits: dict[str, Any]) -> dict[str, Any]:
    """The ``persons`` columns derived from the traits (Segment identify spec names)."""
    address = traits.get("address") if isinstance(traits.get("address"), dict) else {}
    first_name = _text(_first(traits, "first_name", "firstName"))
    last_name = _text(_first(traits, "last_name", "lastName"))
    name = _text(traits.get("name")) or (
        " ".join(part for part in (first_name, last_name) if part) or None
    )
    email = _text(_first(traits, "email", "$email"))
    return {
        "email": email.lower() if email else None,
        "phone": _text(traits.get("phone")),
        "name": name,
        "first_name": first_name,
        "last_name": last_name,
        "gender": _text(traits.get("gender")),
        "birth_year": _birth_year(traits),
        "country": _text(_first(traits, "country")) or _text(address.get("country")),
        "city": _text(_first(traits, "city")) or _text(address.get("city")),
        "signup_date": _date(_first(traits, "signup_date", "created_at", "createdAt")),
    }
