"""The console's simulator page, in chromium against the local stack: the current program prefilled and
edited, an orders file chosen, the simulation started and the file uploaded by the page itself (a PUT
from the browser to the presigned URL on the local S3 endpoint, under the console's CSP and the bucket's
CORS), and both programs side by side."""

from __future__ import annotations

import json
import re
from pathlib import Path

import boto3

from tests.browser.conftest import Console

ORDERS = [
    {
        "order_id": "sim-console-1",
        "member_id": "sim-a",
        "currency": "USD",
        "placed_at": "2026-03-02T15:00:00Z",
        "lines": [{"sku": "BOOT", "category": "shoes", "quantity": 1, "unit_price_minor": 100_00}],
    },
    {
        "order_id": "sim-console-2",
        "member_id": "sim-b",
        "currency": "USD",
        "placed_at": "2026-04-10T15:00:00Z",
        "lines": [{"sku": "TV", "category": "electronics", "quantity": 1, "unit_price_minor": 25_00}],
    },
]


SHOPIFY_EXPORT = Path(__file__).resolve().parents[1] / "fixtures" / "shopify" / "orders_export.csv"


def test_the_simulator_uploads_the_file_and_shows_both_programs_side_by_side(console: Console, tmp_path: Path) -> None:
    orders = tmp_path / "orders.jsonl"
    orders.write_text("".join(json.dumps(order) + "\n" for order in ORDERS))
    console.sign_in(route="/simulator", heading="Simulator")
    page = console.page
    editor = page.get_by_label("Proposed program (JSON)")
    program = json.loads(editor.input_value())  # the current program, prefilled
    assert program["points_per_unit"] in ("1", 1)
    editor.fill(json.dumps({**program, "points_per_unit": "2"}))
    page.get_by_label("Simulation id").fill("console-sim-1")
    page.get_by_label("Orders file").set_input_files(orders)
    page.get_by_role("button", name="Start simulation").click()
    page.get_by_role("status").filter(has_text="Uploaded orders.jsonl").wait_for(timeout=30_000)
    # The page PUT the file itself, to the local S3 endpoint (not the API's origin), and showed no URL.
    [upload] = [url for url in console.requested if "/simulations/console-sim-1" in url and "X-Amz-Signature" in url]
    assert not upload.startswith(console.stack.api)
    assert page.locator("code.secret").count() == 0

    page.get_by_role("heading", name=re.compile("Simulation console-sim-1: (done|failed)")).wait_for(timeout=30_000)
    assert page.get_by_role("heading", name="Simulation console-sim-1: done").is_visible(), page.locator(
        "main"
    ).inner_text()
    side = page.locator("table").filter(has_text="The two programs side by side")
    # 100.00 of shoes and 25.00 of electronics (x2): 150 points now, 300 at 2 points per dollar.
    issued = side.get_by_role("row").filter(has_text="Points issued").locator("td")
    assert [issued.nth(i).inner_text() for i in range(4)] == ["Points issued", "150", "300", "+150"]
    gainers = page.locator("table").filter(has_text="Members who gain most")
    assert gainers.get_by_role("row").nth(1).locator("td").first.inner_text() == "sim-a"
    assert page.get_by_text("Nobody loses.").is_visible()
    console.screenshot("simulator")
    assert not [e for e in console.errors if not e.startswith("Failed to load resource")], console.errors


def test_a_shopify_export_is_uploaded_as_it_is(console: Console) -> None:
    """A typed file (text/csv): the page sends its bytes untyped, so the bucket's CORS, which allows no
    request header, lets it through. Shopify's sample export is in EUR and the stack's program in USD: the
    run reads the file and says so."""
    console.sign_in(route="/simulator", heading="Simulator")
    page = console.page
    page.get_by_label("Simulation id").fill("console-sim-shopify")
    page.get_by_label("Orders file").set_input_files(SHOPIFY_EXPORT)
    page.get_by_role("button", name="Start simulation").click()
    page.get_by_role("status").filter(has_text="Uploaded orders_export.csv").wait_for(timeout=30_000)
    settled = page.get_by_role("heading", name=re.compile("Simulation console-sim-shopify: (done|failed)"))
    settled.wait_for(timeout=30_000)
    assert settled.inner_text().endswith("failed"), page.locator("main").inner_text()
    reason = page.get_by_role("alert").filter(has_text="Failed:").inner_text()
    assert "The orders are in EUR; the current program's currency is USD" in reason
    assert not [e for e in console.errors if not e.startswith("Failed to load resource")], console.errors


def test_an_upload_the_bucket_refuses_is_shown_with_the_url_to_upload_by_hand(console: Console, tmp_path: Path) -> None:
    """The bucket without its CORS rule (as a stack whose rule names another origin): the browser refuses
    the PUT at the preflight, and the page says so in an alert and shows the URL for curl."""
    state = json.loads(console.stack.state_file.read_text())
    s3 = boto3.client(
        "s3",
        endpoint_url=state["endpoints"]["AWS_ENDPOINT_URL"],
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # moto's dummy credentials
    )
    bucket = state["physical"]["ImportsBucket"]
    rules = s3.get_bucket_cors(Bucket=bucket)["CORSRules"]
    orders = tmp_path / "orders.jsonl"
    orders.write_text(json.dumps(ORDERS[0]) + "\n")
    s3.delete_bucket_cors(Bucket=bucket)
    try:
        console.sign_in(route="/simulator", heading="Simulator")
        page = console.page
        page.get_by_label("Simulation id").fill("console-sim-refused")
        page.get_by_label("Orders file").set_input_files(orders)
        page.get_by_role("button", name="Start simulation").click()
        alert = page.get_by_role("alert").filter(has_text="Could not upload orders.jsonl")
        alert.wait_for(timeout=30_000)
        assert "did not reach the bucket" in alert.inner_text()
        assert "X-Amz-Signature" in page.locator("code.secret").inner_text()
        page.get_by_role("heading", name="Simulation console-sim-refused: waiting").wait_for()  # its file awaited
    finally:
        s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": rules})
