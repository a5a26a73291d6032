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

STREAM_PROFILE = 1

# country: (weight, share writing Chinese, [(city, UTC offset hours, store id, weight)])
PLACES: dict[str, tuple[float, float, tuple[tuple[str, float, str | None, float], ...]]] = {
    "US": (
        0.55,
        0.0,
        (
            ("New York", -5, "S01", 0.22),
            ("San Francisco", -8, "S02", 0.14),
            ("Chicago", -6, "S03", 0.14),
            ("Seattle", -8, "S04", 0.10),
            ("Austin", -6, None, 0.10),
            ("Boston", -5, None, 0.10),
            ("Denver", -7, None, 0.08),
            ("Atlanta", -5, None, 0.12),
        ),
    ),
    "GB": (0.12, 0.0, (("London", 0, "S05", 0.6), ("Manchester", 0, None, 0.25), ("Edinburgh", 0, None, 0.15))),
    "CA": (0.08, 0.0, (("Toronto", -5, "S06", 0.55), ("Vancouver", -8, None, 0.3), ("Montreal", -5, None, 0.15))),
    "AU": (0.07, 0.0, (("Sydney", 10, "S07", 0.6), ("Melbourne", 10, None, 0.4))),
    "CN": (
        0.09,
        1.0,
        (("Shanghai", 8, "S08", 0.4), ("Beijing", 8, None, 0.25), ("Shenzhen", 8, None, 0.2), ("Hangzhou", 8, None, 0.15)),
    ),
    "TW": (0.05, 1.0, (("Taipei", 8, "S09", 0.6), ("Taichung", 8, None, 0.25), ("Kaohsiung", 8, None, 0.15))),
    "SG": (0.04, 0.6, (("Singapore", 8, "S10", 1.0),)),
}  # fmt: skip
STORES = {
    "S01": ("Brightlane Fifth Avenue", "New York", "US"),
    "S02": ("Brightlane Union Square", "San Francisco", "US"),
    "S03": ("Brightlane Michigan Avenue", "Chicago", "US"),
    "S04": ("Brightlane Pike Place", "Seattle", "US"),
    "S05": ("Brightlane Covent Garden", "London", "GB"),
    "S06": ("Brightlane Queen Street", "Toronto", "CA"),
    "S07": ("Brightlane Pitt Street", "Sydney", "AU"),
    "S08": ("Brightlane Nanjing Road", "Shanghai", "CN"),
    "S09": ("Brightlane Xinyi", "Taipei", "TW"),
    "S10": ("Brightlane Orchard", "Singapore", "SG"),
}
_COUNTRIES = tuple(PLACES)
_COUNTRY_CUM = cumulative([PLACES[c][0] for c in _COUNTRIES])
_CITY_CUM = {c: cumulative([w for *_, w in PLACES[c][2]]) for c in _COUNTRIES}

EN_FEMALE = [
    "Emma",
    "Olivia",
    "Ava",
    "Sophia",
    "Isabella",
    "Mia",
    "Charlotte",
    "Amelia",
    "Harper",
    "Evelyn",
    "Abigail",
    "Emily",
    "Elizabeth",
    "Sofia",
    "Avery",
    "Ella",
    "Scarlett",
    "Grace",
    "Chloe",
    "Victoria",
    "Riley",
    "Aria",
    "Lily",
    "Zoey",
    "Hannah",
    "Natalie",
    "Samantha",
    "Leah",
    "Audrey",
    "Claire",
    "Lucy",
    "Anna",
    "Sarah",
    "Jessica",
    "Jennifer",
    "Katherine",
    "Rebecca",
    "Laura",
    "Megan",
    "Rachel",
    "Lauren",
    "Nicole",
    "Michelle",
    "Amanda",
    "Stephanie",
    "Margaret",
    "Patricia",
    "Susan",
    "Karen",
    "Nancy",
    "Julia",
    "Alice",
    "Ruby",
    "Isla",
    "Freya",
    "Maya",
    "Zara",
    "Priya",
    "Aisha",
    "Naomi",
]
EN_MALE = [
    "Liam",
    "Noah",
    "Oliver",
    "Elijah",
    "James",
    "William",
    "Benjamin",
    "Lucas",
    "Henry",
    "Alexander",
    "Mason",
    "Michael",
    "Ethan",
    "Daniel",
    "Jacob",
    "Logan",
    "Jackson",
    "Sebastian",
    "Jack",
    "Aiden",
    "Owen",
    "Samuel",
    "Matthew",
    "Joseph",
    "Levi",
    "David",
    "John",
    "Wyatt",
    "Luke",
    "Andrew",
    "Christopher",
    "Joshua",
    "Nathan",
    "Thomas",
    "Charles",
    "Robert",
    "Richard",
    "Steven",
    "Anthony",
    "Kevin",
    "Brian",
    "George",
    "Edward",
    "Jonathan",
    "Nicholas",
    "Ryan",
    "Patrick",
    "Peter",
    "Harry",
    "Oscar",
    "Leo",
    "Arjun",
    "Omar",
    "Mateo",
    "Diego",
    "Kenji",
    "Rahul",
    "Marcus",
    "Tyler",
    "Zachary",
]
EN_LAST = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
    "Patel",
    "Shah",
    "Murphy",
    "O'Brien",
    "Kelly",
    "Evans",
    "Edwards",
    "Collins",
    "Stewart",
    "Morris",
    "Cook",
    "Rogers",
    "Morgan",
    "Cooper",
    "Peterson",
    "Reed",
    "Bailey",
    "Bell",
    "Gomez",
    "Kim",
    "Park",
    "Singh",
    "Khan",
    "Hughes",
    "Foster",
    "Price",
    "Bennett",
    "Wood",
    "Ross",
    "Henderson",
    "McAllister",
    "Fitzgerald",
    "Sullivan",
    "Russell",
    "Phillips",
]
NICKNAMES = {
    "Robert": "Bob", "William": "Bill", "Elizabeth": "Liz", "Katherine": "Kate", "Michael": "Mike",
    "Jennifer": "Jen", "Christopher": "Chris", "Daniel": "Dan", "Jonathan": "Jon",
    "Alexander": "Alex", "Thomas": "Tom", "James": "Jim", "Margaret": "Maggie", "Samantha": "Sam",
    "Benjamin": "Ben", "Matthew": "Matt", "Andrew": "Andy", "Joseph": "Joe", "Richard": "Rick",
    "Steven": "Steve", "Anthony": "Tony", "Patricia": "Pat", "Rebecca": "Becky",
    "Victoria": "Vicky", "Nicholas": "Nick", "Zachary": "Zach", "Abigail": "Abby",
    "Stephanie": "Steph", "Jessica": "Jess", "Nathan": "Nate", "Samuel": "Sam", "Edward": "Ed",
    "Charles": "Charlie", "Peter": "Pete", "Joshua": "Josh", "Isabella": "Bella", "Amanda": "Mandy",
    "Susan": "Sue", "Nicole": "Nikki", "Harry": "Hal", "Evelyn": "Evie", "Olivia": "Liv",
}  # fmt: skip
ZH_SURNAMES = (
    ("王", "Wang"), ("李", "Li"), ("张", "Zhang"), ("刘", "Liu"), ("陈", "Chen"), ("杨", "Yang"),
    ("黄", "Huang"), ("赵", "Zhao"), ("吴", "Wu"), ("周", "Zhou"), ("徐", "Xu"), ("孙", "Sun"),
    ("马", "Ma"), ("朱", "Zhu"), ("胡", "Hu"), ("郭", "Guo"), ("何", "He"), ("林", "Lin"),
    ("罗", "Luo"), ("高", "Gao"), ("梁", "Liang"), ("郑", "Zheng"), ("谢", "Xie"), ("宋", "Song"),
    ("唐", "Tang"), ("韩", "Han"), ("冯", "Feng"), ("邓", "Deng"), ("曹", "Cao"), ("彭", "Peng"),
    ("曾", "Zeng"), ("萧", "Xiao"), ("田", "Tian"), ("董", "Dong"), ("潘", "Pan"), ("袁", "Yuan"),
    ("蔡", "Cai"), ("蒋", "Jiang"), ("余", "Yu"), ("叶", "Ye"),
)  # fmt: skip
ZH_FEMALE = (
    ("芳", "Fang"), ("静", "Jing"), ("丽", "Li"), ("敏", "Min"), ("婷", "Ting"), ("雪", "Xue"),
    ("慧", "Hui"), ("欣怡", "Xinyi"), ("雨桐", "Yutong"), ("诗涵", "Shihan"), ("梓涵", "Zihan"),
    ("佳怡", "Jiayi"), ("思琪", "Siqi"), ("晓燕", "Xiaoyan"), ("美玲", "Meiling"),
    ("淑芬", "Shufen"), ("雅婷", "Yating"), ("怡君", "Yijun"), ("佩珊", "Peishan"),
    ("秀英", "Xiuying"), ("玉兰", "Yulan"), ("海燕", "Haiyan"), ("文静", "Wenjing"),
    ("梦瑶", "Mengyao"), ("若曦", "Ruoxi"), ("嘉欣", "Jiaxin"), ("婉清", "Wanqing"),
    ("子琪", "Ziqi"), ("可欣", "Kexin"), ("乐怡", "Leyi"),
)  # fmt: skip
ZH_MALE = (
    ("伟", "Wei"), ("强", "Qiang"), ("磊", "Lei"), ("军", "Jun"), ("洋", "Yang"), ("勇", "Yong"),
    ("杰", "Jie"), ("涛", "Tao"), ("明", "Ming"), ("超", "Chao"), ("浩然", "Haoran"),
    ("子轩", "Zixuan"), ("宇轩", "Yuxuan"), ("俊杰", "Junjie"), ("志强", "Zhiqiang"),
    ("建华", "Jianhua"), ("家豪", "Jiahao"), ("冠宇", "Guanyu"), ("宏伟", "Hongwei"),
    ("文博", "Wenbo"), ("思远", "Siyuan"), ("天宇", "Tianyu"), ("博文", "Bowen"),
    ("一鸣", "Yiming"), ("子豪", "Zihao"), ("晨阳", "Chenyang"), ("嘉伟", "Jiawei"),
    ("志明", "Zhiming"), ("国华", "Guohua"), ("俊宏", "Junhong"),
)  # fmt: skip
EMAIL_DOMAINS = {
    "US": ("gmail.com", "outlook.com", "yahoo.com", "icloud.com", "hotmail.com", "aol.com"),
    "GB": ("gmail.com", "outlook.com", "btinternet.com", "yahoo.co.uk", "icloud.com"),
    "CA": ("gmail.com", "outlook.com", "yahoo.ca", "icloud.com", "shaw.ca"),
    "AU": ("gmail.com", "outlook.com", "bigpond.com", "icloud.com", "yahoo.com.au"),
    "CN": ("qq.com", "163.com", "126.com", "foxmail.com", "sina.com"),
    "TW": ("gmail.com", "yahoo.com.tw", "hotmail.com", "outlook.com"),
    "SG": ("gmail.com", "singnet.com.sg", "hotmail.com", "outlook.com", "yahoo.com.sg"),
}
EMAIL_TYPOS = {
    "gmail.com": "gmial.com",
    "outlook.com": "outlok.com",
    "yahoo.com": "yaho.com",
    "hotmail.com": "hotmial.com",
    "icloud.com": "icould.com",
    "qq.com": "qq.con",
    "163.com": "136.com",
}
_US_AREAS = {"New York": "212 917 646", "San Francisco": "415 628", "Chicago": "312 773",
             "Seattle": "206 425", "Austin": "512 737", "Boston": "617 857", "Denver": "303 720",
             "Atlanta": "404 678"}  # fmt: skip
_CA_AREAS = {"Toronto": "416 647", "Vancouver": "604 778", "Montreal": "514 438"}
_CALLING = {"US": "1", "CA": "1", "GB": "44", "AU": "61", "CN": "86", "TW": "886", "SG": "65"}
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
        areas = (_US_AREAS if country == "US" else _CA_AREAS)[profile.city].split()
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
    return f"+{_CALLING[country]}{national}"


def reformat_phone(phone: str, country: str, draws: Draws) -> str:
    """The same number as a person would type it in another shop or form."""
    national = phone[1 + len(_CALLING[country]) :]
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
    if len(local) > 3:
        i = draws.between(1, len(local) - 2)
        return f"{local[: i - 1]}{local[i]}{local[i - 1]}{local[i + 1 :]}@{domain}"
    return f"{local.upper()}@{domain}"


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
