"""Who Brightlane's customers are: profiles, CRM contacts and their near-duplicates.

A :class:`Profile` is a pure function of ``(seed, index)``, so the message stream can
rebuild it without keeping one per customer. Contacts need the whole population (e-mail
addresses are unique), so they are built once by :func:`contact_rows`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from journeylens.demo import params as P
from journeylens.demo.catalogue import ANCHOR_WEIGHTS, ANCHORS
from journeylens.demo.draws import Draws, cumulative, stream
from journeylens.demo.names import (
    CA_AREAS,
    CALLING,
    EMAIL_DOMAINS,
    EMAIL_TYPOS,
    EN_FEMALE,
    EN_LAST,
    EN_MALE,
    NICKNAMES,
    PLACES,
    STORES,
    US_AREAS,
    ZH_FEMALE,
    ZH_MALE,
    ZH_SURNAMES,
)

STREAM_PROFILE = 1

_COUNTRIES = tuple(PLACES)
_COUNTRY_CUM = cumulative([PLACES[c][0] for c in _COUNTRIES])
_CITY_CUM = {c: cumulative([w for *_, w in PLACES[c][2]]) for c in _COUNTRIES}
LOYALTY_TIERS = ("member", "silver", "gold", "platinum")
_DEVICE_KINDS = ("web", "ios", "android")


@dataclass(frozen=True, slots=True)
class Profile:
    index: int
    customer_id: str
    kind: str  # regular | loyal | churner
    language: str  # en | zh
    country: str
    city: str
    tz: float  # hours from UTC (no daylight saving)
    store_id: str | None  # home store when the customer shops in one
    first_name: str
    last_name: str
    latin_first: str  # the name in Latin letters (pinyin for Chinese names)
    latin_last: str
    gender: str | None
    birth_date: date
    signup_t: float  # seconds since START; negative: signed up before the data starts
    churn_t: float | None  # truth 5: 00:00 UTC of the churn date
    variant: str  # truth 3: control | treatment
    campaign: str | None  # truth 4: recipient | holdout | None (not eligible)
    opt_in: bool
    sessions_per_day: float
    interests: tuple[str, str]
    social: bool
    device_kinds: tuple[str, ...]
    loyalty_tier: str

    @property
    def is_new(self) -> bool:
        return self.signup_t >= 0

    @property
    def signup_date(self) -> date:
        return P.day_of(self.signup_t)


def customer_id_of(index: int) -> str:
    return f"C{index + 1:06d}"


_ACQUISITION_FIRST, _ACQUISITION_LAST = 14, P.DAYS - 7
_ACQUISITION_CUM = cumulative(P.DAY_WEIGHTS[_ACQUISITION_FIRST:_ACQUISITION_LAST].tolist())


def build_profile(seed: int, index: int) -> Profile:
    draws = Draws(stream(seed, STREAM_PROFILE, index))
    country = draws.weighted(_COUNTRIES, _COUNTRY_CUM)
    zh_share, cities = PLACES[country][1], PLACES[country][2]
    city, tz, city_store, _ = draws.weighted(cities, _CITY_CUM[country])
    language = "zh" if draws.chance(zh_share) else "en"
    u = draws.random()
    gender = "female" if u < 0.49 else "male" if u < 0.96 else "non-binary" if u < 0.97 else None
    feminine = gender == "female" or (gender not in ("female", "male") and draws.chance(0.5))
    if language == "zh":
        surname, given = draws.pick(ZH_SURNAMES), draws.pick(ZH_FEMALE if feminine else ZH_MALE)
        first_name, last_name, latin_first, latin_last = given[0], surname[0], given[1], surname[1]
    else:
        first_name = draws.pick(EN_FEMALE if feminine else EN_MALE)
        last_name = draws.pick(EN_LAST)
        latin_first, latin_last = first_name, last_name
    age = min(82.0, max(18.0, draws.normal(38.0, 13.0)))
    birth_date = P.END - timedelta(days=int(age * 365.25))

    if draws.chance(P.EXISTING_SHARE):
        signup_t = -draws.uniform(1.0, 3 * 365.0) * P.DAY
    else:
        day = _ACQUISITION_FIRST + draws.index(_ACQUISITION_CUM)
        signup_t = day * P.DAY + draws.uniform(8.0, 22.0) * P.HOUR - tz * P.HOUR
    kind = "regular"
    churn_t = None
    if signup_t < 0 and draws.chance(P.LOYAL_SHARE / P.EXISTING_SHARE):
        kind = "loyal"
    elif signup_t < P.t_of(P.CHURN_SIGNUP_BEFORE) and draws.chance(P.CHURN_SHARE):
        kind = "churner"
        first = max(P.t_of(P.CHURN_FIRST_DAY), signup_t + 90 * P.DAY)
        last = P.t_of(P.CHURN_LAST_DAY)
        churn_t = float(int(draws.uniform(first, last) // P.DAY) * P.DAY)
    variant = "treatment" if draws.chance(0.5) else "control"
    opt_in = draws.chance(0.7)
    campaign = None
    if kind == "regular" and opt_in and signup_t < P.t_of(P.CAMPAIGN_SIGNUP_BEFORE):
        campaign = "recipient" if draws.chance(P.CAMPAIGN_RECIPIENT_SHARE) else "holdout"
    shape, mean = P.SESSIONS_PER_YEAR[kind]
    sessions_per_day = float(draws.rng.gamma(shape, mean / shape)) / 365.0
    first_interest = draws.weighted(ANCHORS, ANCHOR_WEIGHTS)
    second_interest = first_interest
    while second_interest == first_interest:
        second_interest = draws.weighted(ANCHORS, ANCHOR_WEIGHTS)
    store_id = None
    if city_store is not None and draws.chance(0.85):
        store_id = city_store
    elif draws.chance(0.05):  # shops in a store when travelling
        store_id = draws.pick(tuple(STORES))
    u = draws.random()
    n_devices = 1 if u < 0.5 else 2 if u < 0.85 else 3
    if kind == "loyal" and n_devices == 1:
        n_devices = 2
    first_kind = draws.weighted(
        _DEVICE_KINDS, cumulative((0.45, 0.25, 0.30) if language == "zh" else (0.55, 0.25, 0.20))
    )
    kinds = [first_kind]
    while len(kinds) < n_devices:
        candidate = draws.pick(_DEVICE_KINDS)
        if candidate not in kinds or draws.chance(0.2):
            kinds.append(candidate)
    if kind == "loyal":
        tier = "platinum" if draws.chance(0.3) else "gold"
    else:
        u = draws.random()
        tier = "member" if u < 0.8 else "silver" if u < 0.98 else "gold"
    return Profile(
        index=index,
        customer_id=customer_id_of(index),
        kind=kind,
        language=language,
        country=country,
        city=city,
        tz=float(tz),
        store_id=store_id,
        first_name=first_name,
        last_name=last_name,
        latin_first=latin_first,
        latin_last=latin_last,
        gender=gender,
        birth_date=birth_date,
        signup_t=signup_t,
        churn_t=churn_t,
        variant=variant,
        campaign=campaign,
        opt_in=opt_in,
        sessions_per_day=sessions_per_day,
        interests=(first_interest, second_interest),
        social=draws.chance(0.4 if kind == "loyal" else 0.25),
        device_kinds=tuple(kinds),
        loyalty_tier=tier,
    )


# ---- contacts ------------------------------------------------------------------------
def _ascii(name: str) -> str:
    return "".join(c for c in name.lower() if c.isascii() and c.isalpha())


def _email(profile: Profile, draws: Draws, used: set[str]) -> str:
    first, last = _ascii(profile.latin_first), _ascii(profile.latin_last)
    domain = draws.pick(EMAIL_DOMAINS[profile.country])
    if domain == "qq.com" or (domain == "163.com" and draws.chance(0.3)):
        local = str(draws.between(10_000_000, 3_999_999_999))
    else:
        u = draws.random()
        if u < 0.35:
            local = f"{first}.{last}"
        elif u < 0.55:
            local = f"{first}{last}"
        elif u < 0.70:
            local = f"{first[0]}{last}"
        elif u < 0.80:
            local = f"{first}_{last}"
        else:
            local = f"{first}{last}{profile.birth_date.year % 100:02d}"
    email = f"{local}@{domain}"
    while email in used:
        email = f"{local}{draws.between(1, 999)}@{domain}"
    used.add(email)
    return email


def _phone(profile: Profile, draws: Draws) -> str:
    country = profile.country
    digits = lambda n: "".join(str(draws.below(10)) for _ in range(n))  # noqa: E731
    if country in ("US", "CA"):
        areas = (US_AREAS if country == "US" else CA_AREAS)[profile.city].split()
        national = draws.pick(areas) + str(draws.between(2, 9)) + digits(6)
    elif country == "GB":
        national = "7" + digits(9)
    elif country == "AU":
        national = "4" + digits(8)
    elif country == "CN":
        national = "1" + str(draws.between(3, 9)) + digits(9)
    elif country == "TW":
        national = "9" + digits(8)
    else:
        national = draws.pick("89") + digits(7)
    return f"+{CALLING[country]}{national}"


def reformat_phone(phone: str, country: str, draws: Draws) -> str:
    """The same number as a person would type it in another shop or form."""
    national = phone[1 + len(CALLING[country]) :]
    if country in ("US", "CA"):
        a, b, c = national[:3], national[3:6], national[6:]
        return draws.pick((f"({a}) {b}-{c}", f"{a}-{b}-{c}", f"{a}.{b}.{c}", f"1 {a} {b} {c}"))
    if country == "CN":
        a, b, c = national[:3], national[3:7], national[7:]
        return draws.pick((f"{a} {b} {c}", f"{a}-{b}-{c}", national, f"0086 {national}"))
    if country == "SG":
        return draws.pick((f"{national[:4]} {national[4:]}", f"+65 {national[:4]}-{national[4:]}"))
    trunk = "0" + national  # GB, AU and TW dial a leading 0 at home
    if country == "GB":
        return draws.pick((f"{trunk[:5]} {trunk[5:]}", f"+44 {national[:4]} {national[4:]}"))
    if country == "AU":
        return draws.pick((f"{trunk[:4]} {trunk[4:7]} {trunk[7:]}", trunk))
    return draws.pick((f"{trunk[:4]}-{trunk[4:7]}-{trunk[7:]}", trunk))


def _email_typo(email: str, draws: Draws) -> str:
    local, domain = email.split("@", 1)
    u = draws.random()
    if domain in EMAIL_TYPOS and u < 0.4:
        return f"{local}@{EMAIL_TYPOS[domain]}"
    if "." in local and u < 0.6:
        return f"{local.replace('.', '', 1)}@{domain}"
    i = draws.between(1, len(local) - 1)
    if local[i] != local[i - 1]:  # two letters swapped
        return f"{local[: i - 1]}{local[i]}{local[i - 1]}{local[i + 1 :]}@{domain}"
    return f"{local[:i]}{local[i + 1 :]}@{domain}"  # a letter dropped


def _name_variant(profile: Profile, draws: Draws) -> tuple[str, str]:
    if profile.language == "zh":
        if draws.chance(0.5):
            return profile.latin_first, profile.latin_last
        return f"{profile.latin_last} {profile.latin_first}", ""  # all in one field
    first, last = profile.first_name, profile.last_name
    if first in NICKNAMES and draws.chance(0.7):
        return NICKNAMES[first], last
    if len(last) > 4:  # a dropped or doubled letter
        i = draws.between(1, len(last) - 2)
        dropped, doubled = last[:i] + last[i + 1 :], last[:i] + last[i] + last[i:]
        return first, dropped if draws.chance(0.5) else doubled
    return first.lower(), last.upper()


def contact_rows(profiles: list[Profile], seed: int) -> tuple[list[dict], list[dict[str, object]]]:
    """CRM rows (sorted by creation, with record ids) and the duplicate truth."""
    rows: list[dict] = []
    duplicates: list[tuple[dict, str, list[str]]] = []
    used: set[str] = set()
    for profile in profiles:
        draws = Draws(stream(seed, STREAM_PROFILE + 100, profile.index))
        email, phone = _email(profile, draws, used), _phone(profile, draws)
        signup_date = profile.signup_date
        row = {
            "record_id": "",
            "customer_id": profile.customer_id,
            "email": email,
            "phone": phone,
            "first_name": profile.first_name,
            "last_name": profile.last_name,
            "gender": profile.gender,
            "birth_date": profile.birth_date.isoformat(),
            "country": profile.country,
            "city": profile.city,
            "signup_date": signup_date.isoformat(),
            "loyalty_tier": profile.loyalty_tier,
            "marketing_opt_in": profile.opt_in,
            "preferred_language": profile.language,
            "home_store_id": profile.store_id,
            "source": "web" if draws.chance(0.6) else "app" if draws.chance(0.7) else "store",
        }
        rows.append(row)
        if not draws.chance(0.06):
            continue
        changes = draws.sample(("email_typo", "phone_format", "name_variant"), 2)
        if draws.chance(0.3):
            changes = changes[:1]
        duplicate = {**row}
        if "email_typo" in changes:
            duplicate["email"] = _email_typo(email, draws)
        if "phone_format" in changes:
            duplicate["phone"] = reformat_phone(phone, profile.country, draws)
        if "name_variant" in changes:
            duplicate["first_name"], duplicate["last_name"] = _name_variant(profile, draws)
        if draws.chance(0.6):
            duplicate["customer_id"] = None
            changes.append("no_customer_id")
        else:
            duplicate["customer_id"] = f"LEG-{draws.between(100_000, 999_999)}"
            changes.append("legacy_customer_id")
        if draws.chance(0.5):
            duplicate["birth_date"] = None
        other_day = signup_date - timedelta(days=draws.between(30, 900))
        duplicate["signup_date"] = other_day.isoformat()
        duplicate["loyalty_tier"] = "member"
        duplicate["marketing_opt_in"] = False
        duplicate["source"] = "store"
        rows.append(duplicate)
        duplicates.append((duplicate, profile.customer_id, changes))
    rows.sort(key=lambda r: (r["signup_date"], r["email"]))
    for number, row in enumerate(rows, 1):
        row["record_id"] = f"crm-{number:07d}"
    truth = [
        {"record_id": row["record_id"], "customer_id": customer_id, "differences": changes}
        for row, customer_id, changes in duplicates
    ]
    return rows, truth
