"""Brightlane's product catalogue and the co-purchase structure of its baskets.

An order is either built around one *anchor* (a phone, a laptop, a camera, ...) that
pulls in accessories with the probabilities in :data:`CO_PURCHASE` (truth 8), or is
a small basket of stand-alone items. Accessories marked ``matching`` fit the anchor
model (the Aurora X5 case goes with the Aurora X5).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from journeylens.demo.draws import Draws, cumulative
from journeylens.demo.params import SITE


@dataclass(frozen=True, slots=True)
class Product:
    product_id: str
    name: str
    category: str
    brand: str
    price: float
    fits: str | None = None  # the anchor product an accessory is made for
    slug: str = field(init=False)
    sku: str = field(init=False)
    url: str = field(init=False)

    def __post_init__(self) -> None:
        slug = "".join(c if c.isalnum() else "-" for c in self.name.lower()).strip("-")
        object.__setattr__(self, "slug", slug)
        object.__setattr__(self, "sku", f"BL-{self.brand[:3].upper()}-{self.product_id[1:]}")
        object.__setattr__(self, "url", f"{SITE}/products/{slug}")


_P = Product
PRODUCTS: tuple[Product, ...] = (
    _P("P1001", "Aurora X5 128GB", "Smartphones", "Aurora", 799.0),
    _P("P1002", "Aurora X5 Pro 256GB", "Smartphones", "Aurora", 1099.0),
    _P("P1003", "Aurora Lite 64GB", "Smartphones", "Aurora", 399.0),
    _P("P1004", "Nimbus S3 128GB", "Smartphones", "Nimbus", 649.0),
    _P("P1005", "Nimbus S3 Mini", "Smartphones", "Nimbus", 499.0),
    _P("P1006", "Vertex One 256GB", "Smartphones", "Vertex", 899.0),
    _P("P1101", "Aurora X5 Clear Case", "Phone Cases", "Aurora", 29.0, "P1001"),
    _P("P1102", "Aurora X5 Pro Leather Case", "Phone Cases", "Aurora", 49.0, "P1002"),
    _P("P1103", "Aurora Lite Silicone Case", "Phone Cases", "Aurora", 25.0, "P1003"),
    _P("P1104", "Nimbus S3 Rugged Case", "Phone Cases", "Nimbus", 39.0, "P1004"),
    _P("P1105", "Nimbus S3 Mini Slim Case", "Phone Cases", "Nimbus", 29.0, "P1005"),
    _P("P1106", "Vertex One Folio Case", "Phone Cases", "Vertex", 45.0, "P1006"),
    _P("P1201", "30W USB-C Charger", "Chargers", "Voltix", 29.0),
    _P("P1202", "65W GaN Charger", "Chargers", "Voltix", 59.0),
    _P("P1203", "Wireless Charging Pad", "Chargers", "Voltix", 39.0),
    _P("P1301", "Tempered Glass Screen Protector 2-pack", "Screen Protectors", "Shieldz", 19.0),
    _P("P1302", "Privacy Screen Protector", "Screen Protectors", "Shieldz", 24.0),
    _P("P1401", "Pulse Earbuds Pro", "Headphones", "Pulse", 199.0),
    _P("P1402", "Pulse Earbuds Lite", "Headphones", "Pulse", 79.0),
    _P("P1403", "Pulse Over-Ear ANC", "Headphones", "Pulse", 349.0),
    _P("P1404", "Pulse Sport Earbuds", "Headphones", "Pulse", 99.0),
    _P("P2001", "Vertex Book 14", "Laptops", "Vertex", 1299.0),
    _P("P2002", "Vertex Book 16 Pro", "Laptops", "Vertex", 2199.0),
    _P("P2003", "Halcyon Air 13", "Laptops", "Halcyon", 999.0),
    _P("P2004", "Halcyon Go 15", "Laptops", "Halcyon", 749.0),
    _P("P2005", "Raptor Blade 17 Gaming Laptop", "Laptops", "Raptor", 1799.0),
    _P("P2101", "Glide Precision Wireless Mouse", "Mice", "Glide", 49.0),
    _P("P2102", "Glide Silent Click Mouse", "Mice", "Glide", 29.0),
    _P("P2103", "Raptor Gaming Mouse", "Mice", "Raptor", 79.0),
    _P("P2201", "Trailhead Commuter Laptop Backpack", "Laptop Bags", "Trailhead", 89.0),
    _P("P2202", "Trailhead Slim Laptop Sleeve 14", "Laptop Bags", "Trailhead", 39.0),
    _P("P2203", "Trailhead Messenger Bag 16", "Laptop Bags", "Trailhead", 69.0),
    _P("P2301", "Voltix 7-in-1 USB-C Hub", "USB-C Hubs", "Voltix", 59.0),
    _P("P2302", "Voltix Thunderdock Pro", "USB-C Hubs", "Voltix", 149.0),
    _P("P3001", "Kestrel Z50 Mirrorless Kit", "Cameras", "Kestrel", 1199.0),
    _P("P3002", "Kestrel Z30 Vlog Kit", "Cameras", "Kestrel", 749.0),
    _P("P3003", "Kestrel FX Compact", "Cameras", "Kestrel", 599.0),
    _P("P3004", "Pico Action Cam 4", "Cameras", "Pico", 349.0),
    _P("P3101", "Memora ProSpeed SD 128GB", "SD Cards", "Memora", 29.0),
    _P("P3102", "Memora ProSpeed SD 256GB", "SD Cards", "Memora", 49.0),
    _P("P3103", "Memora ProSpeed microSD 512GB", "SD Cards", "Memora", 89.0),
    _P("P3201", "Steady Carbon Travel Tripod", "Tripods", "Steady", 79.0),
    _P("P3202", "Steady Mini Tabletop Tripod", "Tripods", "Steady", 25.0),
    _P("P3301", "Trailhead Sling Camera Bag", "Camera Bags", "Trailhead", 59.0),
    _P("P3302", "Trailhead Camera Backpack 30L", "Camera Bags", "Trailhead", 129.0),
    _P("P4001", "Aurora Tab 11", "Tablets", "Aurora", 599.0),
    _P("P4002", "Aurora Tab 13 Pro", "Tablets", "Aurora", 1099.0),
    _P("P4003", "Nimbus Pad 10", "Tablets", "Nimbus", 329.0),
    _P("P4101", "Aurora Tab 11 Smart Cover", "Tablet Covers", "Aurora", 49.0, "P4001"),
    _P("P4102", "Aurora Tab 13 Pro Keyboard Folio", "Tablet Covers", "Aurora", 199.0, "P4002"),
    _P("P4103", "Nimbus Pad 10 Protective Case", "Tablet Covers", "Nimbus", 35.0, "P4003"),
    _P("P4201", "Aurora Pencil 2", "Styluses", "Aurora", 129.0),
    _P("P4202", "Universal Fine-Tip Stylus", "Styluses", "Shieldz", 39.0),
    _P("P5001", "Lumen OLED 55 TV", "TVs", "Lumen", 1499.0),
    _P("P5002", "Lumen QLED 65 TV", "TVs", "Lumen", 1199.0),
    _P("P5003", "Lumen LED 43 TV", "TVs", "Lumen", 449.0),
    _P("P5101", "Ultra HDMI 2.1 Cable 2m", "HDMI Cables", "Voltix", 19.0),
    _P("P5102", "Braided HDMI Cable 5m", "HDMI Cables", "Voltix", 29.0),
    _P("P5201", "Lumen Soundbar 300", "Soundbars", "Lumen", 299.0),
    _P("P5202", "Lumen Soundbar Max", "Soundbars", "Lumen", 699.0),
    _P("P5301", "Tilting TV Wall Mount", "Wall Mounts", "Steady", 59.0),
    _P("P6001", "Orbit Console", "Game Consoles", "Orbit", 499.0),
    _P("P6002", "Orbit Console Digital", "Game Consoles", "Orbit", 399.0),
    _P("P6101", "Orbit Wireless Controller", "Controllers", "Orbit", 69.0),
    _P("P6102", "Orbit Pro Controller", "Controllers", "Orbit", 179.0),
    _P("P6201", "Starfall Odyssey", "Games", "Orbit Studios", 69.0),
    _P("P6202", "Kart Rally Turbo", "Games", "Orbit Studios", 59.0),
    _P("P6203", "Shadow Tactics Online", "Games", "Nightjar Games", 49.0),
    _P("P6204", "Farmstead Days", "Games", "Nightjar Games", 39.0),
    _P("P6205", "Pro Soccer 26", "Games", "Goalpost", 69.0),
    _P("P6206", "Puzzle Realms", "Games", "Nightjar Games", 29.0),
    _P("P7001", "Brewhaus Espresso Pro", "Coffee Machines", "Brewhaus", 649.0),
    _P("P7002", "Brewhaus Drip 12", "Coffee Machines", "Brewhaus", 89.0),
    _P("P7003", "Brewhaus Capsule One", "Coffee Machines", "Brewhaus", 149.0),
    _P("P7101", "House Blend Coffee Beans 1kg", "Coffee Beans", "Brewhaus", 24.0),
    _P("P7102", "Ethiopia Single Origin Beans 500g", "Coffee Beans", "Brewhaus", 19.0),
    _P("P7103", "Dark Roast Coffee Beans 1kg", "Coffee Beans", "Brewhaus", 22.0),
    _P("P7104", "Swiss Water Decaf Beans 500g", "Coffee Beans", "Brewhaus", 17.0),
    _P("P7201", "Brewhaus Milk Frother", "Milk Frothers", "Brewhaus", 79.0),
    _P("P7301", "Brewhaus Descaling Kit", "Descalers", "Brewhaus", 15.0),
    _P("P8001", "Aurora Watch 3", "Smartwatches", "Aurora", 399.0),
    _P("P8002", "Nimbus Band Fit", "Smartwatches", "Nimbus", 129.0),
    _P("P8003", "Vertex Watch Active", "Smartwatches", "Vertex", 249.0),
    _P("P8101", "Sport Watch Band", "Watch Bands", "Aurora", 49.0),
    _P("P8102", "Milanese Loop Watch Band", "Watch Bands", "Aurora", 99.0),
    _P("P8103", "Leather Watch Band", "Watch Bands", "Trailhead", 79.0),
    _P("P8104", "Braided Solo Loop Band", "Watch Bands", "Aurora", 59.0),
    _P("P9001", "Echoic Smart Speaker", "Smart Home", "Echoic", 99.0),
    _P("P9002", "Echoic Smart Bulb 4-pack", "Smart Home", "Echoic", 49.0),
    _P("P9003", "Echoic Smart Plug 2-pack", "Smart Home", "Echoic", 25.0),
    _P("P9004", "Echoic Video Doorbell", "Smart Home", "Echoic", 179.0),
    _P("P9101", "Voltix 10000mAh Power Bank", "Power Banks", "Voltix", 39.0),
    _P("P9102", "Voltix 20000mAh Power Bank", "Power Banks", "Voltix", 59.0),
)

INDEX = {p.product_id: i for i, p in enumerate(PRODUCTS)}
BY_CATEGORY: dict[str, tuple[int, ...]] = {}
for _i, _p in enumerate(PRODUCTS):
    BY_CATEGORY[_p.category] = (*BY_CATEGORY.get(_p.category, ()), _i)

# Truth 8: P(accessory category in the order | anchor category in the order), per order.
# (category, probability, matching: the accessory made for that anchor model)
CO_PURCHASE: dict[str, tuple[tuple[str, float, bool], ...]] = {
    "Smartphones": (
        ("Phone Cases", 0.60, True),
        ("Chargers", 0.40, False),
        ("Screen Protectors", 0.35, False),
        ("Headphones", 0.15, False),
    ),
    "Laptops": (("Mice", 0.50, False), ("Laptop Bags", 0.40, False), ("USB-C Hubs", 0.25, False)),
    "Cameras": (("SD Cards", 0.70, False), ("Tripods", 0.35, False), ("Camera Bags", 0.20, False)),
    "Tablets": (("Tablet Covers", 0.55, True), ("Styluses", 0.30, False)),
    "TVs": (("HDMI Cables", 0.50, False), ("Soundbars", 0.30, False), ("Wall Mounts", 0.20, False)),
    "Game Consoles": (("Games", 0.70, False), ("Controllers", 0.50, False)),
    "Coffee Machines": (
        ("Coffee Beans", 0.60, False),
        ("Milk Frothers", 0.20, False),
        ("Descalers", 0.15, False),
    ),
    "Smartwatches": (("Watch Bands", 0.45, False), ("Chargers", 0.10, False)),
}
ANCHORS = tuple(CO_PURCHASE)
ANCHOR_WEIGHTS = cumulative((0.25, 0.15, 0.10, 0.10, 0.10, 0.10, 0.10, 0.10))
# Baskets without an anchor: one to three of these, bought on their own.
STANDALONE = (
    ("Headphones", 0.15),
    ("Smart Home", 0.15),
    ("Power Banks", 0.10),
    ("Coffee Beans", 0.12),
    ("Games", 0.10),
    ("Chargers", 0.08),
    ("Phone Cases", 0.06),
    ("SD Cards", 0.05),
    ("Watch Bands", 0.05),
    ("HDMI Cables", 0.04),
    ("Mice", 0.05),
    ("Screen Protectors", 0.05),
)
_STANDALONE_NAMES = tuple(c for c, _ in STANDALONE)
_STANDALONE_CUM = cumulative([w for _, w in STANDALONE])
_CONSUMABLES = frozenset({"Coffee Beans", "Games"})
_MATCHING: dict[tuple[int, str], int] = {
    (INDEX[p.fits], p.category): i for i, p in enumerate(PRODUCTS) if p.fits is not None
}

Basket = list[tuple[int, int]]  # (product index, quantity)


def pick_in(category: str, draws: Draws, premium: bool = False) -> int:
    options = BY_CATEGORY[category]
    first = draws.pick(options)
    if premium:  # the dearer of two looks
        second = draws.pick(options)
        if PRODUCTS[second].price > PRODUCTS[first].price:
            return second
    return first


def anchor_basket(anchor_category: str, draws: Draws, premium: bool = False) -> Basket:
    anchor = pick_in(anchor_category, draws, premium)
    basket = [(anchor, 1)]
    for category, probability, matching in CO_PURCHASE[anchor_category]:
        if draws.chance(probability):
            item = _MATCHING[(anchor, category)] if matching else pick_in(category, draws)
            quantity = 2 if category == "Games" and draws.chance(0.3) else 1
            basket.append((item, quantity))
    return basket


def standalone_basket(draws: Draws) -> Basket:
    u = draws.random()
    count = 1 if u < 0.70 else 2 if u < 0.95 else 3
    basket: Basket = []
    seen: set[int] = set()
    for _ in range(count):
        category = draws.weighted(_STANDALONE_NAMES, _STANDALONE_CUM)
        item = pick_in(category, draws)
        if item in seen:
            continue
        seen.add(item)
        quantity = 2 if category in _CONSUMABLES and draws.chance(0.3) else 1
        basket.append((item, quantity))
    return basket


def basket_for(interests: tuple[str, ...], anchor_share: float, premium: bool, draws: Draws):
    if draws.chance(anchor_share):
        category = draws.pick(interests) if draws.chance(0.8) else draws.pick(ANCHORS)
        return anchor_basket(category, draws, premium)
    return standalone_basket(draws)


def catalogue_rows() -> list[dict]:
    return [
        {
            "product_id": p.product_id,
            "sku": p.sku,
            "name": p.name,
            "category": p.category,
            "brand": p.brand,
            "price": p.price,
            "currency": "USD",
            "url": p.url,
        }
        for p in PRODUCTS
    ]
