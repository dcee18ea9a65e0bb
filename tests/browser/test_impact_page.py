"""The console's Impact page, in chromium against the local stack: the experiments report's comparisons
as bars with their 95% intervals, the retention cohorts as a heat map, no accessibility violation (axe).

Only non-members' orders are added here (the other console tests read today's member KPIs)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.browser.conftest import Console, Stack

ROOT = Path(__file__).resolve().parents[2]


def _guest_orders(stack: Stack) -> dict[str, Any]:
    placed = (datetime.now(UTC) - timedelta(minutes=5)).isoformat().replace("+00:00", "Z")
    for number, (customer, total) in enumerate((("ann", 2500), ("ann", 1500), ("bob", 4000), ("cyd", 900))):
        body = {
            "order_id": f"impact-guest-{number}",
            "customer_ref": f"{customer}@example.com",
            "currency": "USD",
            "placed_at": placed,
            "total_minor": total,
        }
        stack.ok("POST", "/v1/guest-orders", body)
    month = datetime.now(UTC).strftime("%Y-%m")  # New York's month too, but for a few hours a month
    # The stack's stream poller takes them in within seconds; in a full parallel run on 2 cores it waits its turn.
    deadline = time.monotonic() + 90
    while True:
        report: dict[str, Any] = stack.ok("GET", f"/v1/admin/reports/experiments?from={month}&to={month}")
        if report["groups"]["non_members"]["orders"] >= 4:
            return report
        assert time.monotonic() < deadline, f"the stream did not take in the guest orders: {report}"
        time.sleep(0.2)


def test_the_impact_page_shows_the_comparisons_and_the_cohorts(console: Console, stack: Stack) -> None:
    report = _guest_orders(stack)
    console.sign_in(route="/impact", heading="Impact")
    page = console.page
    chart = page.locator('svg[data-comparison="members_vs_non_members"]')
    chart.wait_for()
    rows = [c for c in report["comparisons"] if c["name"] == "members_vs_non_members"]
    assert chart.locator("rect.bar").count() == sum(c["lift"] is not None for c in rows) >= 1
    assert chart.locator("line.whisker[data-metric]").count() == sum(c["ci95_low"] is not None for c in rows)
    # Members spent 59.75 in 3 orders; non-members 89.00 in 4, by 3 customers: the page shows the API's figures.
    groups = page.get_by_role("table", name="Groups over the period")
    assert "$89.00" in groups.locator("tr", has_text="Non-members").inner_text()
    label = chart.get_attribute("aria-label") or ""
    assert "Revenue per customer" in label and "relative lift" in label
    heat = page.get_by_role("table", name="Share of each enrollment cohort with an order, by month since enrollment")
    heat.wait_for()
    # This month's cohort as the API counts it (the other console tests enroll and import members into it):
    # the console's member ordered in its first month, so its share is above zero, and the page shades it by
    # the API's figure in six steps.
    month = datetime.now(UTC).strftime("%Y-%m")
    cohort = stack.ok("GET", f"/v1/admin/reports/retention?from={month}&to={month}")["cohorts"][-1]
    share = cohort["active"][0]
    assert cohort["members"] >= 1 and share > 0
    this_month = heat.locator("tbody tr").last
    cell = this_month.locator("td").nth(1)
    assert cell.get_attribute("class") == f"num heat-{min(5, int(share * 6))}"
    assert cell.inner_text() == f"{share * 100:.1f}".rstrip("0").rstrip(".") + "%"
    assert this_month.locator("td").first.inner_text() == str(cohort["members"])
    assert page.get_by_text("Churn rate").is_visible()
    console.screenshot("impact")
    page.evaluate((ROOT / "node_modules" / "axe-core" / "axe.min.js").read_text())
    violations = page.evaluate(
        """async () => (await axe.run(document, { resultTypes: ["violations"] })).violations
            .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)"""
    )
    assert violations == []
    assert not [e for e in console.errors if not e.startswith("Failed to load resource")], console.errors


def test_the_lift_chart_draws_each_interval_where_its_bounds_are(console: Console) -> None:
    """The chart's drawing, in the browser, from known figures: a whisker from the low bound to the high
    one on the same scale as the bar, and no bar where the lift is unknown."""
    console.sign_in(route="/impact", heading="Impact")
    drawn = console.page.evaluate(
        """async () => {
          const { liftChart } = await import("./js/pages/impact.js");
          const f = { percent: (v) => (v === null ? "—" : `${Math.round(v * 100)}%`) };
          const rows = [
            { metric: "revenue_minor", lift: 0.2, ci95_low: 0.05, ci95_high: 0.35 },
            { metric: "purchase_frequency", lift: -0.1, ci95_low: -0.3, ci95_high: 0.1 },
            { metric: "repeat_purchase_rate", lift: null, ci95_low: null, ci95_high: null },
          ];
          const svg = liftChart("treatment_vs_holdout", rows, f);
          const zero = Number(svg.querySelector("line.zero").getAttribute("x1"));
          const bars = [...svg.querySelectorAll("rect.bar")].map((r) => ({
            metric: r.dataset.metric, x: Number(r.getAttribute("x")), width: Number(r.getAttribute("width")),
            up: r.classList.contains("up") }));
          const whiskers = [...svg.querySelectorAll("line.whisker[data-metric]")].map((l) => ({
            metric: l.dataset.metric, x1: Number(l.getAttribute("x1")), x2: Number(l.getAttribute("x2")) }));
          return { zero, bars, whiskers, text: svg.textContent };
        }"""
    )
    zero, bars, whiskers = drawn["zero"], drawn["bars"], drawn["whiskers"]
    assert [b["metric"] for b in bars] == ["revenue_minor", "purchase_frequency"]
    revenue, frequency = bars
    assert revenue["up"] and revenue["x"] == zero and not frequency["up"]
    assert abs(frequency["x"] + frequency["width"] - zero) < 1e-6
    scale = revenue["width"] / 0.2  # pixels per unit of lift
    assert abs(frequency["width"] - 0.1 * scale) < 1e-6
    by_metric = {w["metric"]: w for w in whiskers}
    assert abs(by_metric["revenue_minor"]["x1"] - (zero + 0.05 * scale)) < 1e-6
    assert abs(by_metric["revenue_minor"]["x2"] - (zero + 0.35 * scale)) < 1e-6
    assert abs(by_metric["purchase_frequency"]["x1"] - (zero - 0.3 * scale)) < 1e-6
    assert "not enough data" in drawn["text"]
