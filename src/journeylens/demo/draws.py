"""Fast scalar draws from a numpy ``Generator``.

A numpy call costs about a microsecond, too much once per event; :class:`Draws` takes
uniforms and normals from the generator in blocks and hands them out one by one, so
the stream stays a pure function of the generator's seed.
"""

from __future__ import annotations

import math
import uuid
from bisect import bisect
from collections.abc import Sequence
from itertools import accumulate
from typing import TypeVar

import numpy as np

T = TypeVar("T")

_BLOCK = 256


def stream(seed: int, *keys: int) -> np.random.Generator:
    """An independent generator for one purpose (e.g. one customer's plan)."""
    return np.random.default_rng([seed, *keys])


def cumulative(weights: Sequence[float]) -> list[float]:
    return list(accumulate(weights))


class Draws:
    __slots__ = ("_i", "_j", "_normals", "_uniforms", "rng")

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self._uniforms: list[float] = []
        self._normals: list[float] = []
        self._i = 0
        self._j = 0

    def random(self) -> float:
        i = self._i
        if i >= len(self._uniforms):
            self._uniforms = self.rng.random(_BLOCK).tolist()
            i = 0
        self._i = i + 1
        return self._uniforms[i]

    def normal(self, mean: float = 0.0, sd: float = 1.0) -> float:
        j = self._j
        if j >= len(self._normals):
            self._normals = self.rng.standard_normal(_BLOCK).tolist()
            j = 0
        self._j = j + 1
        return mean + sd * self._normals[j]

    def chance(self, p: float) -> bool:
        return self.random() < p

    def below(self, n: int) -> int:
        return int(self.random() * n)

    def between(self, low: int, high: int) -> int:
        """An integer in ``[low, high]``."""
        return low + int(self.random() * (high - low + 1))

    def uniform(self, low: float, high: float) -> float:
        return low + (high - low) * self.random()

    def pick(self, items: Sequence[T]) -> T:
        return items[int(self.random() * len(items))]

    def weighted(self, items: Sequence[T], cum_weights: Sequence[float]) -> T:
        return items[bisect(cum_weights, self.random() * cum_weights[-1])]

    def index(self, cum_weights: Sequence[float]) -> int:
        return bisect(cum_weights, self.random() * cum_weights[-1])

    def exponential(self, mean: float) -> float:
        return -mean * math.log(1.0 - self.random())

    def poisson(self, lam: float) -> int:
        """Knuth's method; fine for the small means used here."""
        if lam <= 0:
            return 0
        limit, k, p = math.exp(-lam), 0, self.random()
        while p > limit:
            k += 1
            p *= self.random()
        return k

    def sample(self, items: Sequence[T], k: int) -> list[T]:
        """``k`` distinct items (``k`` small)."""
        pool = list(items)
        chosen = []
        for _ in range(min(k, len(pool))):
            chosen.append(pool.pop(int(self.random() * len(pool))))
        return chosen

    def uuid(self) -> str:
        return str(uuid.UUID(bytes=self.rng.bytes(16), version=4))

    def hex(self, digits: int) -> str:
        return self.rng.bytes((digits + 1) // 2).hex()[:digits]
