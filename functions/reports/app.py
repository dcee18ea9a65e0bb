"""Accounting and program reports (scope admin): liability, the month roll-forward, KPIs (JSON, or CSV
when the caller asks for ``text/csv``), experiments and retention (JSON). Parsing and shaping only; the
figures come from the layer."""

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from loyalty.entrypoints import lazy
from loyalty.entrypoints.handlers import api, http_handler
from loyalty.entrypoints.routes import report_answer, report_doc
from loyalty.models.experiments import ExperimentsReport, RetentionReport
from loyalty.models.reports import Kpis, LiabilityReport, RollForward

if TYPE_CHECKING:
    from loyalty.services import impact_reports, reports
else:  # imported on first use: see loyalty.entrypoints.lazy
    reports = lazy.module("loyalty.services.reports")
    impact_reports = lazy.module("loyalty.services.impact_reports")

app = api(tags=["reports"])

MONTH = r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])$"
Month = Annotated[str, Query(pattern=MONTH, description="YYYY-MM (years 1000 to 9999)")]
FromMonth = Annotated[str, Query(alias="from", pattern=MONTH, description="YYYY-MM, the first whole month")]


@app.get(
    "/v1/admin/reports/liability",
    summary="The points liability on a day, in points and money",
    responses=report_doc(LiabilityReport),
)
def liability(as_of: Annotated[date, Query(description="YYYY-MM-DD")]) -> Response[Any]:
    return report_answer(app, reports.liability(as_of), reports.liability_csv)


@app.get(
    "/v1/admin/reports/rollforward",
    summary="A month's roll-forward: opening + movements = closing, in points and money",
    responses=report_doc(RollForward),
)
def rollforward(month: Month) -> Response[Any]:
    return report_answer(app, reports.rollforward(month), reports.rollforward_csv)


@app.get(
    "/v1/admin/reports/kpis",
    summary="Program KPIs over a range of days (at most 366)",
    description="`to` on or after `from`, and a range of at most 366 days (422 otherwise). Definitions: "
    "docs/accounting.md.",
    responses=report_doc(Kpis),
)
def kpis(
    from_: Annotated[date, Query(alias="from", description="YYYY-MM-DD, included")],
    to: Annotated[date, Query(description="YYYY-MM-DD, included")],
) -> Response[Any]:
    return report_answer(app, reports.kpi_report(from_, to), reports.kpis_csv)


@app.get(
    "/v1/admin/reports/experiments",
    summary="Does the program pay? Members against non-members, treatment against holdout, whole months",
    description="Lifts with 95% intervals from Welch's t on per-customer monthly values; `to` on or after "
    "`from`, at most 36 months (422 otherwise). Definitions: docs/experiments.md.",
)
def experiments(from_: FromMonth, to: Month) -> ExperimentsReport:
    return impact_reports.experiments(from_, to)


@app.get(
    "/v1/admin/reports/retention",
    summary="Monthly enrollment cohorts' share active by month since, and the churn rate",
    description="Cohorts enrolled from `from` to `to` (at most 36 months). Definitions: docs/experiments.md.",
)
def retention(from_: FromMonth, to: Month) -> RetentionReport:
    return impact_reports.retention(from_, to)


handler = http_handler(app)
