"""Accounting and program reports (scope admin): liability, the month roll-forward, KPIs; JSON, or CSV
when the caller asks for ``text/csv``. Parsing and shaping only; the figures come from the layer."""

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from loyalty.entrypoints import lazy
from loyalty.entrypoints.handlers import api, http_handler
from loyalty.entrypoints.http import JSON
from loyalty.models.common import Model
from loyalty.models.reports import Kpis, LiabilityReport, RollForward

if TYPE_CHECKING:
    from loyalty.services import reports
else:  # imported on first use: see loyalty.entrypoints.lazy
    reports = lazy.module("loyalty.services.reports")

app = api(tags=["reports"])

CSV = "text/csv"
Month = Annotated[str, Query(pattern=r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])$", description="YYYY-MM (years 1000 to 9999)")]


def _doc(model: type[Model]) -> dict[int, Any]:
    return {
        200: {
            "description": "The report (CSV with Accept: text/csv)",
            "content": {JSON: {"model": model}, CSV: {"schema": {"type": "string"}}},
        }
    }


def _wants_csv() -> bool:
    accept = app.current_event.headers.get("accept") or ""
    return CSV in accept.lower()


def _answer(report: Model, as_csv: Any) -> Response[Any]:
    if _wants_csv():
        return Response(status_code=200, content_type=CSV, body=as_csv(report))
    return Response(status_code=200, content_type=JSON, body=report.model_dump(mode="json", by_alias=True))


@app.get(
    "/v1/admin/reports/liability",
    summary="The points liability on a day, in points and money",
    responses=_doc(LiabilityReport),
)
def liability(as_of: Annotated[date, Query(description="YYYY-MM-DD")]) -> Response[Any]:
    return _answer(reports.liability(as_of), reports.liability_csv)


@app.get(
    "/v1/admin/reports/rollforward",
    summary="A month's roll-forward: opening + movements = closing, in points and money",
    responses=_doc(RollForward),
)
def rollforward(month: Month) -> Response[Any]:
    return _answer(reports.rollforward(month), reports.rollforward_csv)


@app.get(
    "/v1/admin/reports/kpis",
    summary="Program KPIs over a range of days (at most 366)",
    description="`to` on or after `from`, and a range of at most 366 days (422 otherwise). Definitions: "
    "docs/accounting.md.",
    responses=_doc(Kpis),
)
def kpis(
    from_: Annotated[date, Query(alias="from", description="YYYY-MM-DD, included")],
    to: Annotated[date, Query(description="YYYY-MM-DD, included")],
) -> Response[Any]:
    return _answer(reports.kpi_report(from_, to), reports.kpis_csv)


handler = http_handler(app)
