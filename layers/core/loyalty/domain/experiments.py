"""The statistics of the experiments report: pure, from sums and sums of squares only.

A unit is a customer's month (docs/experiments.md, "The statistics"). Per group a metric is a mean over
units (revenue per customer, orders per customer, the share with two orders or more) or a ratio of two
such means (the average order value: revenue / orders). Each comparison's relative lift
``(a - b) / b`` has a 95% interval from Welch's t: the standard error of the lift by the delta method,
``se² = se_a² / b² + a² se_b² / b⁴`` (the ratio of two independent means), the degrees of freedom by
Welch-Satterthwaite over those two parts, and the t quantile of ``t_quantile``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

MIN_UNITS = 30  # fewer units in a group than this: the normal-theory interval means little (a warning)


def t_quantile(p: float, df: float) -> float:
    """The ``p`` quantile of Student's t with ``df`` degrees of freedom: exact for 1 and 2; otherwise the
    normal quantile corrected by the Cornish-Fisher expansion to the fourth order (Abramowitz and
    Stegun 26.7.5: within 0.004 of the tables' 97.5% points at 3 degrees of freedom, 0.001 from 4 on)."""
    if df <= 0:
        raise ValueError("degrees of freedom must be positive")
    if math.isinf(df):
        return NormalDist().inv_cdf(p)
    if df == 1:
        return math.tan(math.pi * (p - 0.5))
    if df == 2:
        return (2 * p - 1) / math.sqrt(2 * p * (1 - p))
    z = NormalDist().inv_cdf(p)
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160
    return z + g1 / df + g2 / df**2 + g3 / df**3 + g4 / df**4


@dataclass(frozen=True)
class Sums:
    """A group's units: ``n`` of them, with the sums of revenue ``r`` and orders ``o``, their sums of
    squares ``qr``, ``qo`` and of products ``qx``, and ``rp`` units with two orders or more. Units with
    no order (members who bought nothing that month) add to ``n`` only."""

    n: int = 0
    r: int = 0
    o: int = 0
    qr: int = 0
    qo: int = 0
    qx: int = 0
    rp: int = 0

    def __add__(self, other: Sums) -> Sums:
        return Sums(*(a + b for a, b in zip(self.astuple(), other.astuple(), strict=True)))

    def astuple(self) -> tuple[int, ...]:
        return (self.n, self.r, self.o, self.qr, self.qo, self.qx, self.rp)


@dataclass(frozen=True)
class Estimate:
    mean: float
    variance_of_mean: float  # se²
    n: int


def _variance(total: float, squares: float, n: int) -> float:
    """The sample variance of ``n`` values from their sum and sum of squares (never below 0)."""
    return max((squares - total * total / n) / (n - 1), 0.0) if n > 1 else math.inf


METRICS = ("revenue_minor", "purchase_frequency", "repeat_purchase_rate", "average_order_value_minor")


def estimate(sums: Sums, metric: str) -> Estimate | None:
    """The metric's mean over the units and its squared standard error (None: no unit, or no order for a
    ratio)."""
    n = sums.n
    if n == 0:
        return None
    if metric == "revenue_minor":
        return Estimate(sums.r / n, _variance(sums.r, sums.qr, n) / n, n)
    if metric == "purchase_frequency":
        return Estimate(sums.o / n, _variance(sums.o, sums.qo, n) / n, n)
    if metric == "repeat_purchase_rate":  # values 0 or 1: their squares are themselves
        return Estimate(sums.rp / n, _variance(sums.rp, sums.rp, n) / n, n)
    if metric == "average_order_value_minor":
        if sums.o == 0:
            return None
        ratio, orders_mean = sums.r / sums.o, sums.o / n
        # Linearised: z_i = (r_i - R o_i) / ō, whose mean is 0; its variance from the sums.
        squares = sums.qr - 2 * ratio * sums.qx + ratio * ratio * sums.qo
        spread = max(squares / (n - 1), 0.0) if n > 1 else math.inf
        return Estimate(ratio, spread / (orders_mean * orders_mean) / n, n)
    raise ValueError(f"unknown metric {metric}")


@dataclass(frozen=True)
class Lift:
    lift: float | None
    low: float | None
    high: float | None


def lift(a: Estimate | None, b: Estimate | None) -> Lift:
    """``a`` against ``b`` (the control): relative lift and its 95% interval (None where it cannot be
    told: no units, a control mean of 0, fewer than 2 units in a group)."""
    if a is None or b is None or b.mean == 0:
        return Lift(None, None, None)
    relative = a.mean / b.mean - 1
    if a.n < 2 or b.n < 2 or math.isinf(a.variance_of_mean) or math.isinf(b.variance_of_mean):
        return Lift(relative, None, None)
    part_a = a.variance_of_mean / b.mean**2
    part_b = a.mean**2 * b.variance_of_mean / b.mean**4
    se = math.sqrt(part_a + part_b)
    if se == 0:
        return Lift(relative, relative, relative)
    df = (part_a + part_b) ** 2 / (part_a**2 / (a.n - 1) + part_b**2 / (b.n - 1))
    half = t_quantile(0.975, df) * se
    return Lift(relative, relative - half, relative + half)


def small_group_warning(comparison: str, name: str, units: int) -> str | None:
    if units >= MIN_UNITS:
        return None
    return (
        f"{comparison}: {name} has {units} customer-months, fewer than {MIN_UNITS}: "
        "its intervals mean little (or are missing)"
    )
