"""The experiments report's statistics (loyalty.domain.experiments) and the aggregates' plan
(loyalty.domain.impact), pure: the t quantile against the tables, Welch's interval against a direct
computation from the values, and a seeded experiment whose interval holds the planted lift."""

from __future__ import annotations

import math
import random
from statistics import mean, variance

import pytest

from loyalty.domain.experiments import Sums, estimate, lift, t_quantile
from loyalty.domain.impact import Fact, Record, cohort_id, group_id, steps, totals

# Student's t, 97.5% points (any statistics table: e.g. NIST/SEMATECH e-Handbook, table 1.3.6.7.2).
TABLE = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 10: 2.228, 20: 2.086, 30: 2.042, 60: 2.000, 120: 1.980}


@pytest.mark.parametrize(("df", "expected"), sorted(TABLE.items()))
def test_the_t_quantile_matches_the_tables(df: int, expected: float) -> None:
    assert t_quantile(0.975, df) == pytest.approx(expected, abs=0.004 if df == 3 else 0.0015)


def test_the_t_quantile_tends_to_the_normal_one() -> None:
    assert t_quantile(0.975, math.inf) == pytest.approx(1.95996, abs=1e-4)
    assert t_quantile(0.5, 7) == pytest.approx(0.0, abs=1e-12)


def sums_of(values: list[tuple[int, int]], zeros: int = 0) -> Sums:
    """Units (revenue, orders) as the aggregates keep them, ``zeros`` units with nothing on top."""
    return Sums(
        n=len(values) + zeros,
        r=sum(r for r, _ in values),
        o=sum(o for _, o in values),
        qr=sum(r * r for r, _ in values),
        qo=sum(o * o for _, o in values),
        qx=sum(r * o for r, o in values),
        rp=sum(1 for _, o in values if o >= 2),
    )


def test_the_mean_and_its_error_come_out_of_the_sums_as_from_the_values() -> None:
    values = [(1200, 1), (3400, 2), (500, 1), (9000, 3), (2500, 1)]
    found = estimate(sums_of(values, zeros=3), "revenue_minor")
    everyone = [r for r, _ in values] + [0, 0, 0]
    assert found is not None
    assert found.mean == pytest.approx(mean(everyone))
    assert found.variance_of_mean == pytest.approx(variance(everyone) / len(everyone))


def test_the_lift_and_its_interval_follow_welch_and_the_delta_method() -> None:
    a = [(1000 + 37 * i % 400, 1) for i in range(50)]
    b = [(900 + 53 * i % 300, 1) for i in range(40)]
    ra, rb = [r for r, _ in a], [r for r, _ in b]
    ma, mb = mean(ra), mean(rb)
    va, vb = variance(ra) / len(ra), variance(rb) / len(rb)
    pa, pb = va / mb**2, ma**2 * vb / mb**4
    df = (pa + pb) ** 2 / (pa**2 / 49 + pb**2 / 39)
    half = t_quantile(0.975, df) * math.sqrt(pa + pb)
    found = lift(estimate(sums_of(a), "revenue_minor"), estimate(sums_of(b), "revenue_minor"))
    assert found.lift == pytest.approx(ma / mb - 1)
    assert (found.low, found.high) == (pytest.approx(ma / mb - 1 - half), pytest.approx(ma / mb - 1 + half))


def test_no_interval_without_two_units_or_a_control_mean() -> None:
    one = estimate(sums_of([(100, 1)]), "revenue_minor")
    many = estimate(sums_of([(100, 1), (200, 1)]), "revenue_minor")
    assert lift(many, one).low is None and lift(many, one).lift == pytest.approx(0.5)
    assert lift(many, estimate(sums_of([], zeros=5), "revenue_minor")).lift is None


def seeded(planted: float, seed: int) -> tuple[Sums, Sums]:
    """A month of 5,000 members, 20% held out: each buys with probability 0.3 (treatment 0.3 x (1 +
    planted)), baskets lognormal; the members who buy nothing are units with zeros."""
    rng = random.Random(seed)
    treatment: list[tuple[int, int]] = []
    holdout: list[tuple[int, int]] = []
    counts = {"t": 0, "h": 0}
    for _ in range(5000):
        group = "h" if rng.random() < 0.2 else "t"
        counts[group] += 1
        chance = 0.3 * (1 + planted) if group == "t" else 0.3
        if rng.random() < chance:
            orders = 1 + (rng.random() < 0.2)
            revenue = sum(round(rng.lognormvariate(8, 0.6)) for _ in range(orders))
            (treatment if group == "t" else holdout).append((revenue, orders))
    return sums_of(treatment, counts["t"] - len(treatment)), sums_of(holdout, counts["h"] - len(holdout))


@pytest.mark.parametrize("planted", [0.25, 0.0])
def test_the_interval_holds_the_planted_lift_about_95_times_in_100(planted: float) -> None:
    """A 95% interval misses the truth one time in twenty: over 60 seeded experiments it holds it at
    least 52 times for each metric (fewer has a chance under 0.3% if the interval is right). Buying
    ``planted`` more often lifts revenue, orders and two-order months per member by as much, and leaves
    the average order value as it is."""
    truth = {
        "revenue_minor": planted,
        "purchase_frequency": planted,
        "repeat_purchase_rate": planted,
        "average_order_value_minor": 0.0,
    }
    held = dict.fromkeys(truth, 0)
    for seed in range(60):
        treatment, holdout = seeded(planted, seed)
        for metric, lifted in truth.items():
            found = lift(estimate(treatment, metric), estimate(holdout, metric))
            assert found.low is not None and found.high is not None
            held[metric] += found.low <= lifted <= found.high
    assert all(count >= 52 for count in held.values()), held


# --- the aggregates' plan ----------------------------------------------------------------------------


def test_a_customer_month_moves_the_sums_of_squares_exactly() -> None:
    records = [
        Record(1, 0.0, "1", (Fact("m-1", "t", "2027-03", 1000, 1, 10, "2027-02"),)),
        Record(2, 0.0, "2", (Fact("m-1", "t", "2027-03", 500, 1, 5, "2027-02"),)),
        Record(3, 0.0, "3", (Fact("m-1", "t", "2027-03", -200, 0),)),  # a refund
    ]
    (step,) = steps(records, None, {})
    assert step.customers[("m-1", "2027-03")] == ((0, 0), (1300, 2))
    assert step.adds[group_id("2027-03", "t")] == {
        "c": 1,
        "o": 2,
        "r": 1300,
        "qr": 1300**2,
        "qo": 4,
        "qx": 1300 * 2,
        "rp": 1,
        "p": 15,
    }
    assert step.adds[cohort_id("2027-02")] == {"a2027-03": 1}
    assert (step.last, step.label) == (3, "3")


def test_the_plan_starts_from_the_month_as_read_and_skips_what_the_checkpoint_took() -> None:
    records = [Record(5, 0.0, "5", (Fact("n:ab", "n", "2027-03", 300, 1),)), Record(6, 0.0, "6")]
    (step,) = steps(records, 4, {("n:ab", "2027-03"): (700, 1)})
    assert step.customers[("n:ab", "2027-03")] == ((700, 1), (1000, 2))
    assert step.adds[group_id("2027-03", "n")] == {
        "o": 1,
        "r": 300,
        "qr": 1000**2 - 700**2,
        "qo": 3,
        "qx": 2000 - 700,
        "rp": 1,
    }
    assert step.last == 6
    assert steps(records, 6, {}) == []


def test_a_batch_too_big_for_one_transaction_is_split_between_records() -> None:
    records = [Record(i, 0.0, str(i), (Fact(f"m-{i}", "t", "2027-03", 100, 1),)) for i in range(1, 151)]
    found = steps(records, None, {}, limit=60)
    assert all(step.size() <= 60 for step in found)
    assert sum(len(step.customers) for step in found) == 150
    assert sum(step.adds[group_id("2027-03", "t")]["c"] for step in found) == 150
    assert [step.last for step in found][-1] == 150


def test_a_rebuilds_totals_are_what_the_stream_steps_would_write_from_nothing() -> None:
    rng = random.Random(11)
    records = []
    for n in range(1, 400):
        customer, month = f"m-{rng.randrange(40)}", f"2027-0{rng.randrange(1, 4)}"
        refund = rng.random() < 0.2
        revenue = -rng.randrange(1, 500) if refund else rng.randrange(100, 9000)
        points = 0 if refund else rng.randrange(1, 90)
        fact = Fact(customer, "t" if n % 5 else "h", month, revenue, 0 if refund else 1, points, "2027-01")
        counts = {cohort_id("2027-01"): {"n": 1}} if n % 7 == 0 else {}
        records.append(Record(n, 0.0, str(n), (fact,), counts))
    customers, aggregates = totals(records)
    (step,) = steps(records, None, {}, limit=10_000)
    assert customers == {key: now for key, (_, now) in step.customers.items() if now != (0, 0)}
    assert aggregates == step.adds
