"""POST /v1/admin/simulations and GET /v1/admin/simulations/{id}: the proposed program recorded, the orders
file uploaded to the presigned URL, the bucket's event to SimulationWorkerFunction, the answer read back;
idempotent by simulation_id; bad input answered as problem+json, writing nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.api import Api
from harness.orders import order_document
from harness.programs import program_document
from local import runtime
from local.s3_events import object_created
from local.template import Template
from tests.service.imports.helpers import lines_of, upload

EXPORT = Path(__file__).parents[2] / "fixtures" / "shopify" / "orders_export.csv"


def start(admin_api: Api, simulation_id: str = "double", **program: Any) -> Any:
    return admin_api.post(
        "/v1/admin/simulations",
        {"simulation_id": simulation_id, "program": program_document(**{"points_per_unit": "2", **program})},
    )


def run(template: Template, url: str, body: bytes) -> dict[str, Any]:
    bucket, key, etag = upload(url, body)
    event = object_created(bucket, key, etag, len(body), "SimulationWorkerFunctionUploaded")
    result: dict[str, Any] = runtime.invoke(template, "SimulationWorkerFunction", event)
    return result


def test_a_simulation_runs_the_uploaded_orders_under_both_programs(admin_api: Api, template: Template) -> None:
    assert admin_api.put("/v1/admin/program", program_document()).status == 200
    created = start(admin_api)
    assert created.status == 201, created.body
    assert created.body["simulation_id"] == "double"
    waiting = admin_api.get("/v1/admin/simulations/double")
    assert (waiting.status, waiting.body["status"], waiting.body.get("result")) == (200, "waiting", None)
    again = start(admin_api)  # while it waits: the same simulation, a fresh URL
    assert again.status == 200

    orders = [order_document("o-1", "m-1", 10_000), order_document("o-2", "m-2", 2_550)]
    result = run(template, created.body["upload_url"], lines_of(orders))
    assert result == {"simulations": [{"simulation_id": "double", "outcome": "done"}]}

    answer = admin_api.get("/v1/admin/simulations/double").body
    assert answer["status"] == "done"
    figures = answer["result"]
    assert (figures["orders"], figures["members"], figures["skipped"]) == (2, 2, 0)
    assert (figures["current"]["points_issued"], figures["proposed"]["points_issued"]) == (125, 251)
    assert figures["difference"]["points_issued"] == 126
    assert [m["member_id"] for m in figures["difference"]["top_gainers"]] == ["m-1", "m-2"]

    # The event delivered again runs nothing; the simulation id is spent.
    assert run(template, created.body["upload_url"], lines_of(orders))["simulations"][0]["outcome"] == "not_waiting"
    assert start(admin_api).status == 409


def test_a_shopify_export_in_another_currency_fails_with_the_reason(admin_api: Api, template: Template) -> None:
    assert admin_api.put("/v1/admin/program", program_document()).status == 200
    created = start(admin_api, "eur")
    result = run(template, created.body["upload_url"], EXPORT.read_bytes())
    assert result["simulations"][0]["outcome"] == "failed"
    answer = admin_api.get("/v1/admin/simulations/eur").body
    assert answer["status"] == "failed"
    assert "EUR" in answer["reason"] and "USD" in answer["reason"]


def test_bad_requests_are_refused_and_write_nothing(admin_api: Api) -> None:
    assert start(admin_api).status == 409  # no program stored yet: nothing to compare with
    assert admin_api.put("/v1/admin/program", program_document()).status == 200
    bad = admin_api.post("/v1/admin/simulations", {"simulation_id": "x", "program": {"currency": "USD"}})
    assert bad.status == 422
    assert bad.content_type == "application/problem+json"
    assert admin_api.get("/v1/admin/simulations/x").status == 404
    assert admin_api.get("/v1/admin/simulations/nope").body["code"] == "not_found"
