"""Personas: k-means clusters of persons' behaviour, each described and named from its features.

Semantics (docs/rfm.md "Personas"). The features (``persona_features.py``) are built in the
engine over a window (default: the 365 days up to the end of the UTC day of the latest event;
``window_days``), pulled to pandas ordered by ``person_id``, the skewed counts and money
``log1p``-transformed (revenue), then standardised (scikit-learn's ``StandardScaler``: mean
0, unit variance; a constant feature stays 0) and weighted: the features of one block (the six
channel shares, the category shares) are each multiplied by ``1/sqrt(block size)``, so a
block weighs as much as one feature in the distance and the channel mix cannot outvote value
and activity. For each k of the range (default 3–8, or the one
``k``) scikit-learn's ``KMeans(n_clusters=k, n_init=10, random_state=seed)`` is fitted and
scored by the silhouette (a k above the number of distinct persons is skipped) (``silhouette_score`` over every person, or over
``SILHOUETTE_SAMPLE`` of them drawn with the same seed when there are more); the best silhouette wins, the smaller k on a tie. The same data, range
and seed give the same clusters.

Each cluster is described by the z-score of its mean on every feature against the whole
base (the mean of the standardised values: how many standard deviations the cluster sits
from everyone), and named from its two most distinctive features that have a phrase
(``PHRASES``): "High spenders, app-first". Clusters are numbered by size, largest first.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field, field_validator
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler

from journeylens.analyses.base import Analysis, AnalysisError, DateRange, Query, Result, Tables
from journeylens.models import persona_features

SILHOUETTE_SAMPLE = 5000
N_INIT = 10
DISTINCT = 0.5  # |z| from which a feature names a cluster
# (feature, sign) → phrase. Features not listed (a category) get "<category> buyers".
PHRASES: dict[tuple[str, int], str] = {
    ("revenue", 1): "high spenders",
    ("revenue", -1): "low spenders",
    ("orders", 1): "frequent buyers",
    ("orders", -1): "rare buyers",
    ("recency_days", 1): "lapsed",
    ("recency_days", -1): "recent buyers",
    ("sessions", 1): "very active",
    ("sessions", -1): "rarely active",
    ("share_app", 1): "app-first",
    ("share_web", 1): "web-first",
    ("share_store", 1): "store shoppers",
    ("share_email", 1): "e-mail readers",
    ("share_chat", 1): "chat users",
    ("share_social", 1): "social followers",
    ("discount_share", 1): "discount-driven",
    ("support_per_session", 1): "often in touch with support",
}


class PersonasQuery(Query, DateRange):
    window_days: int = Field(
        365,
        ge=1,
        le=3660,
        description="The window's length in days when --from or --to is not given.",
        json_schema_extra={"cli": "--days"},
    )
    k: int | None = Field(None, ge=2, le=20, description="Exactly this many personas.")
    k_range: str = Field(
        "3-8", description="The numbers of personas to try, chosen by silhouette (e.g. 3-8)."
    )
    seed: int = Field(
        0, ge=0, description="The k-means random seed (the same seed, the same personas)."
    )
    persons: bool = Field(False, description="List every person's persona.")

    @field_validator("k_range")
    @classmethod
    def _range(cls, value: str) -> str:
        low, _, high = value.partition("-")
        if not (low.strip().isdigit() and high.strip().isdigit()):
            raise ValueError(f"Write the range as two numbers, e.g. 3-8 (not {value!r}).")
        if not 2 <= int(low) <= int(high) <= 20:
            raise ValueError(f"The range {value!r} must go up, from 2 to at most 20.")
        return f"{int(low)}-{int(high)}"

    def ks(self) -> list[int]:
        if self.k is not None:
            return [self.k]
        low, high = (int(part) for part in self.k_range.split("-"))
        return list(range(low, high + 1))


class KScore(BaseModel):
    k: int
    silhouette: float


class Distinction(BaseModel):
    feature: str
    z: float  # the cluster's mean against the whole base, in standard deviations
    mean: float  # the cluster's mean, in the feature's own unit


class Persona(BaseModel):
    cluster: int
    persona: str
    persons: int
    share: float
    features: list[Distinction]  # every feature, most distinctive first


class PersonAssignment(BaseModel):
    person_id: int
    cluster: int
    persona: str


class PersonasResult(Result):
    window_start: datetime | None
    window_end: datetime | None
    k: int | None
    seed: int
    persons_clustered: int
    silhouettes: list[KScore]
    feature_names: list[str]
    personas: list[Persona]
    persons: list[PersonAssignment] | None = None

    def rows(self) -> list[dict[str, Any]]:
        if self.persons is not None:
            return [p.model_dump(mode="json") for p in self.persons]
        return [
            {
                "cluster": p.cluster,
                "persona": p.persona,
                "persons": p.persons,
                "share": p.share,
                "distinguished_by": ", ".join(f"{d.feature} {d.z:+.1f}" for d in p.features[:3]),
            }
            for p in self.personas
        ]


def window(tables: Tables, query: PersonasQuery) -> tuple[datetime, datetime] | None:
    length = timedelta(days=query.window_days)
    if query.date_from is not None and query.date_to is not None:
        return query.date_from, query.date_to
    if query.date_from is not None:
        return query.date_from, query.date_from + length
    if query.date_to is not None:
        return query.date_to - length, query.date_to
    latest = tables.execute(tables.events.timestamp.max())
    if latest is None or pd.isna(latest):
        return None
    end = datetime.combine(pd.Timestamp(latest).date(), datetime.min.time()) + timedelta(days=1)
    return end - length, end


def features(tables: Tables, start: datetime, end: datetime) -> pd.DataFrame:
    """The feature table in pandas, one row per person, ordered by ``person_id``."""
    categories = persona_features.top_categories(tables, start, end)
    frame = tables.execute(persona_features.build(tables, start, end, categories))
    return frame.reset_index(drop=True)


def standardised(frame: pd.DataFrame) -> np.ndarray:
    """``log1p`` of the skewed columns, then every column scaled to mean 0, unit variance."""
    values = frame.drop(columns=["person_id"]).astype("float64").copy()
    for column in persona_features.SKEWED:
        values[column] = np.log1p(values[column].clip(lower=0))
    return StandardScaler().fit_transform(values.to_numpy())


def weights(columns: list[str]) -> np.ndarray:
    """``1/sqrt(n)`` for each of the ``n`` features of a block (``persona_features.BLOCKS``),
    1 for the others."""

    def block(column: str) -> str:
        return next((b for b in persona_features.BLOCKS if column.startswith(b)), column)

    sizes = pd.Series([block(c) for c in columns]).value_counts()
    return np.array([1 / np.sqrt(sizes[block(c)]) for c in columns])


def fit(matrix: np.ndarray, ks: list[int], seed: int) -> tuple[int, np.ndarray, list[KScore]]:
    """The best k by silhouette (ties: the smaller), its labels and every k's score."""
    scores: list[KScore] = []
    best: tuple[float, int, np.ndarray] | None = None
    distinct = len(np.unique(matrix, axis=0))  # k-means cannot make more clusters than that
    usable = [k for k in ks if 2 <= k < len(matrix) and k <= distinct]
    if not usable:
        raise AnalysisError(
            f"{len(matrix)} persons ({distinct} different) are too few for {ks[0]}–{ks[-1]} "
            "personas: try a smaller --k or a longer window."
        )
    for k in usable:
        labels = KMeans(n_clusters=k, n_init=N_INIT, random_state=seed).fit_predict(matrix)
        if len(set(labels)) < 2:
            continue
        sample = SILHOUETTE_SAMPLE if len(matrix) > SILHOUETTE_SAMPLE else None  # None: all
        score = float(silhouette_score(matrix, labels, sample_size=sample, random_state=seed))
        scores.append(KScore(k=k, silhouette=score))
        if best is None or score > best[0]:
            best = (score, k, labels)
    if best is None:
        raise AnalysisError("The persons' features are all alike: there is nothing to cluster.")
    return best[1], best[2], scores


def by_size(labels: np.ndarray) -> np.ndarray:
    """Labels renumbered by cluster size, largest first (ties: the smaller old label)."""
    sizes = pd.Series(labels).value_counts()
    order = sorted(sizes.index, key=lambda label: (-sizes[label], label))
    mapping = {old: new for new, old in enumerate(order)}
    return np.array([mapping[label] for label in labels])


def describe(frame: pd.DataFrame, matrix: np.ndarray, labels: np.ndarray) -> list[Persona]:
    names = [c for c in frame.columns if c != "person_id"]
    raw = frame[names].astype("float64")
    personas, taken = [], set()
    for cluster in sorted(set(labels)):
        inside = labels == cluster
        z = matrix[inside].mean(axis=0)
        means = raw[inside].mean(axis=0)
        ranked = sorted(range(len(names)), key=lambda i: (-abs(z[i]), names[i]))
        features = [
            Distinction(feature=names[i], z=round(float(z[i]), 4), mean=float(means.iloc[i]))
            for i in ranked
        ]
        name = readable_name(features, taken, cluster)
        taken.add(name)
        personas.append(
            Persona(
                cluster=int(cluster),
                persona=name,
                persons=int(inside.sum()),
                share=float(inside.mean()),
                features=features,
            )
        )
    return personas


def phrase(feature: str, z: float) -> str | None:
    sign = 1 if z > 0 else -1
    if (feature, sign) in PHRASES:
        return PHRASES[(feature, sign)]
    if feature.startswith("category_") and sign > 0:
        return feature.removeprefix("category_").replace("_", " ") + " buyers"
    return None


def readable_name(features: list[Distinction], taken: set[str], cluster: int) -> str:
    """The phrases of the (up to) two most distinctive features with |z| ≥ ``DISTINCT``;
    a third when the name is taken; "Typical customers" when nothing stands out."""
    phrases = [p for d in features if abs(d.z) >= DISTINCT for p in [phrase(d.feature, d.z)] if p]
    for count in (2, 3, len(phrases)):
        words = phrases[:count]
        if words:
            name = ", ".join(words)
            name = name[0].upper() + name[1:]
            if name not in taken:
                return name
    base = "Typical customers" if not phrases else ", ".join(phrases).capitalize()
    return base if base not in taken else f"{base} ({cluster + 1})"


def run(tables: Tables, query: PersonasQuery) -> PersonasResult:
    span = window(tables, query)
    empty = PersonasResult(
        window_start=span[0] if span else None,
        window_end=span[1] if span else None,
        k=None,
        seed=query.seed,
        persons_clustered=0,
        silhouettes=[],
        feature_names=[],
        personas=[],
        persons=[] if query.persons else None,
    )
    if span is None:
        return empty
    frame = features(tables, *span)
    if frame.empty:
        return empty
    matrix = standardised(frame)
    columns = [c for c in frame.columns if c != "person_id"]
    k, labels, scores = fit(matrix * weights(columns), query.ks(), query.seed)
    labels = by_size(labels)
    personas = describe(frame, matrix, labels)
    names = {p.cluster: p.persona for p in personas}
    persons = None
    if query.persons:
        persons = [
            PersonAssignment(person_id=int(pid), cluster=int(c), persona=names[int(c)])
            for pid, c in zip(frame["person_id"], labels, strict=True)
        ]
    return PersonasResult(
        window_start=span[0],
        window_end=span[1],
        k=k,
        seed=query.seed,
        persons_clustered=len(frame),
        silhouettes=scores,
        feature_names=[c for c in frame.columns if c != "person_id"],
        personas=personas,
        persons=persons,
    )


ANALYSIS = Analysis(
    name="personas",
    path="personas",
    summary="Personas: k-means clusters of behaviour (k by silhouette), each named from the "
    "features that set it apart.",
    query=PersonasQuery,
    result=PersonasResult,
    run=run,
)
