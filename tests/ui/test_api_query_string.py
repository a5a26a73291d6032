"""The query-string form of /api/<analysis>: singular aliases apply only where they fit."""

from __future__ import annotations


def test_exclude_means_each_analysis_own_field(shop):
    # paths has its own `exclude` field (steps to drop); funnels map `exclude` to `exclusions`.
    paths = shop.api("/api/paths", per="person", max_steps=3, exclude="Product Viewed")
    names = {t["source"] for t in paths["transitions"]} | {
        t["target"] for t in paths["transitions"]
    }
    assert paths["transitions"] and not any(name.endswith("_Product Viewed") for name in names)
    kept = shop.api("/api/paths", per="person", max_steps=3)
    assert any(t["target"].endswith("_Product Viewed") for t in kept["transitions"]), (
        "the demo's paths pass through Product Viewed, so the exclusion above is a real check"
    )
