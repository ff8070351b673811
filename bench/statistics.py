"""Interval estimates for the benchmark tables and figures (accuracy and success rates with their n)."""

from __future__ import annotations

import math
from dataclasses import dataclass

Z_95 = 1.959963984540054


@dataclass(frozen=True)
class Proportion:
    """k successes out of n, with a Wilson score interval (sound at n = 12 and at rates near 0 or 1)."""

    successes: int
    n: int
    low: float
    high: float

    @property
    def rate(self) -> float:
        return self.successes / self.n if self.n else float("nan")

    def as_dict(self) -> dict[str, float | int]:
        return {"rate": self.rate, "n": self.n, "ci95_low": self.low, "ci95_high": self.high}

    def __str__(self) -> str:
        if not self.n:
            return "n/a (n=0)"
        return f"{self.rate:.3f} [{self.low:.3f}, {self.high:.3f}] (n={self.n})"


def wilson_interval(successes: int, n: int, z: float = Z_95) -> Proportion:
    """The Wilson score interval of a binomial proportion; (nan, nan) bounds when n is 0."""
    if n < 0 or successes < 0 or successes > n:
        raise ValueError(f"wilson_interval needs 0 <= successes <= n, got {successes}/{n}")
    if n == 0:
        return Proportion(0, 0, float("nan"), float("nan"))
    p = successes / n
    denominator = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return Proportion(successes, n, low, high)
