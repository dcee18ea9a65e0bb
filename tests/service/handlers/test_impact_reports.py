"""The experiments and retention report routes: admin only, whole months, bad ranges refused (422
problem+json); an empty program answers zeros and says why its intervals are missing."""

from __future__ import annotations

import pytest

from harness.api import Api
from harness.programs import program_document


@pytest.mark.parametrize("report", ["experiments", "retention"])
@pytest.mark.parametrize(
    "query",
    [
        "from=2027-13&to=2027-13",
        "from=2027-03",
        "from=2027-03-01&to=2027-03-31",
        "from=2027-04&to=2027-03",
        "from=2024-01&to=2027-03",
    ],
)
def test_a_bad_range_is_422(admin_api: Api, report: str, query: str) -> None:
    assert admin_api.put("/v1/admin/program", program_document()).status == 200
    answer = admin_api.get(f"/v1/admin/reports/{report}", query=query)
    assert answer.status == 422, answer.body
    assert answer.headers["content-type"].startswith("application/problem+json")


def test_the_reports_are_for_admins_only(api: Api) -> None:
    assert api.get("/v1/admin/reports/experiments", query="from=2027-03&to=2027-03").status == 403


def test_an_empty_program_reports_zeros_and_warns(admin_api: Api) -> None:
    assert admin_api.put("/v1/admin/program", {**program_document(), "gross_margin_rate": 0.35}).status == 200
    assert admin_api.get("/v1/admin/program").body["gross_margin_rate"] == 0.35
    report = admin_api.get("/v1/admin/reports/experiments", query="from=2027-03&to=2027-04").body
    assert report["from"] == "2027-03" and report["currency"] == "USD"
    assert report["groups"]["members"] == {
        "customers": 0,
        "orders": 0,
        "revenue_minor": 0,
        "average_order_value_minor": 0,
        "purchase_frequency": 0.0,
        "repeat_purchase_rate": 0.0,
    }
    assert len(report["comparisons"]) == 8 and all(c["lift"] is None for c in report["comparisons"])
    assert {c["causal"] for c in report["comparisons"] if c["name"] == "treatment_vs_holdout"} == {True}
    assert len(report["warnings"]) == 4 and report["incremental_margin_minor"] is None
    retention = admin_api.get("/v1/admin/reports/retention", query="from=2020-01&to=2020-02").body
    assert retention["churn_rate"] == 0.0 and [c["members"] for c in retention["cohorts"]] == [0, 0]


def test_a_gross_margin_rate_outside_0_to_1_is_refused(admin_api: Api) -> None:
    answer = admin_api.put("/v1/admin/program", {**program_document(), "gross_margin_rate": 1.5})
    assert answer.status == 422 and "gross_margin_rate" in str(answer.body)
