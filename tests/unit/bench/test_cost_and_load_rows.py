"""bench.cost's all-in bill from a load run, and bench.report's load rows beside the design before."""

from __future__ import annotations

from typing import Any

import pytest

from bench import cost, report
from local import streams
from local.template import ROOT, Template, load


@pytest.fixture(scope="module")
def template() -> Template:
    return load(ROOT / "template.yaml")


def run(invocations: dict[str, int], accruals: int = 1000, **overrides: Any) -> dict[str, Any]:
    figures: dict[str, Any] = {
        "accruals": accruals,
        "accruals_per_s": 40.0,
        "p50_ms": 300.0,
        "p95_ms": 700.0,
        "p99_ms": 900.0,
        "conflicts": 0,
        "retries": 0,
        "books_lag_ms": 0.0,
        "invocations": invocations,
        "function_ms_median": {name: 30.0 for name in invocations},
        "items": {"shared_items_per_transaction": 1.0, "hottest_item_writes_per_s": 2.5},
        "stream": {
            "invocations": 10,
            "records": accruals,
            "median_ms": 49.2,
            "per_accrual": {"invocations": 10 / accruals, "records": 1.0, "events": 1.0, "wcu": 0.5, "rcu": 0.0},
        },
    }
    figures.update(overrides)
    return figures


def test_the_bill_counts_every_function_a_request_invoked_and_the_stream(template: Template) -> None:
    [consumer] = {source.function for source in streams.stream_sources(template)}
    measured = {"OrdersFunction": {"median": 24.2}}  # one request at a time: preferred to the load's
    loaded = {"without_campaign": run({"OrdersFunction": 1000})}
    bill = cost.per_million_accruals(template, {"wcu": 7.0, "rcu": 1.0}, measured, loaded)
    lines = bill["lines_usd"]
    orders_gb_s = template.functions()["OrdersFunction"].memory_size / 1024 * 25 / 1000
    assert lines["lambda_OrdersFunction_requests"] == 0.2
    assert lines["lambda_OrdersFunction_duration"] == round(orders_gb_s * 0.0000133334 * 1e6, 4)
    assert not any("Authorizer" in line for line in lines)  # none was invoked: none is billed
    assert lines["dynamodb_writes"] == 7 * 0.625
    consumer_gb_s = template.functions()[consumer].memory_size / 1024 * 50 / 1000
    assert lines[f"stream_{consumer}_requests"] == round(0.01 * 0.2, 4)
    assert lines[f"stream_{consumer}_duration"] == round(0.01 * consumer_gb_s * 0.0000133334 * 1e6, 4)
    assert lines["stream_dynamodb_writes"] == round(0.5 * 0.625, 4)
    assert lines["events_out"] == 1.0
    assert bill["usd_per_million_accruals"] == pytest.approx(sum(lines.values()), abs=0.001)
    assert bill["units_per_accrual"]["lambda_invocations"] == 1


def test_two_functions_a_request_are_two_lines_each(template: Template) -> None:
    # As the design before had it (an authorizer, then the route): any two functions of the template.
    loaded = {"without_campaign": run({"MembersFunction": 500, "OrdersFunction": 500}, accruals=500)}
    bill = cost.per_million_accruals(template, {"wcu": 9.0, "rcu": 1.0}, {}, loaded)
    assert bill["units_per_accrual"]["lambda_invocations"] == 2
    assert bill["lines_usd"]["lambda_MembersFunction_requests"] == 0.2
    assert bill["lines_usd"]["lambda_OrdersFunction_requests"] == 0.2


def test_load_rows_put_the_design_before_beside_and_judge_the_targets() -> None:
    load = {
        "members": 1000,
        "clients": 16,
        "lambdas_per_request": 1.0,
        "without_campaign": run({"OrdersFunction": 1000}),
        "with_campaign": run(
            {"OrdersFunction": 1000}, conflicts=3, campaign_points_given=50, campaign_points_expected=60
        ),
    }
    before = {
        "lambdas_per_request": 2.0,
        "without_campaign": run({}, accruals_per_s=20.0, conflicts=1),
        "with_campaign": run({}),
    }
    rows = report._load_rows(load, before)
    by_figure = {row.figure: row for row in rows}
    lambdas = by_figure["Lambda invocations per API request (counted at the gateway)"]
    assert (lambdas.measured, lambdas.before, lambdas.result) == ("1", "2", "PASS")
    conflicts = [row for row in rows if "conflicts" in row.figure]
    assert [(row.measured, row.before, row.result) for row in conflicts] == [
        ("0 / 0", "1 / 0", "PASS"),  # the target is 0 without a campaign
        ("3 / 0", "0 / 0", "-"),
    ]
    budget = by_figure["  campaign budget: points given / bonus of every order"]
    assert (budget.measured, budget.result) == ("50 / 60", "FAIL")
    rates = [row for row in rows if "accruals/s" in row.figure]
    assert (rates[0].measured, rates[0].before) == ("40", "20")
    assert all(row.before == "" for row in report._load_rows(load, None))
