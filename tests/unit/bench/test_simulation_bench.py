"""The simulator's bench: it measures what it says (orders of a shop-like history replayed under two
programs) and the table judges the extrapolated million against the target."""

from __future__ import annotations

from bench import report, simulation


def test_the_bench_replays_its_history_and_the_table_judges_it() -> None:
    measured = simulation.run(2_000)
    assert measured["orders"] == 2_000 and measured["extrapolated"]
    assert measured["members"] > 1_000  # 20,000 drawn from: nearly every order a new member
    assert abs(measured["million_orders_s"] - measured["seconds"] * 500) <= 3  # seconds are shown to 0.01
    [row] = report._simulation_rows(measured)
    assert row.target == "< 60 s"
    assert row.result == (report.PASS if measured["million_orders_s"] < 60 else report.FAIL)


def test_the_proposed_program_differs_where_the_bench_says() -> None:
    current, proposed = simulation.programs()
    assert current.campaigns[0].multiplier == 2 and proposed.campaigns[0].multiplier == 3
    assert [t.threshold for t in proposed.tiers] == [0, 500, 5000]
