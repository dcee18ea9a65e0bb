"""What the functions log during a realistic day holds no email address and no API key.

Everything the code could write is captured: the Powertools loggers' JSON lines (what CloudWatch would
store: their handlers are pointed at a buffer), every log record with its extra fields, and the
process's stdout/stderr (EMF metrics, prints, the local gateway's tracebacks). The flow goes through
the local API Gateway and the real handlers with DEBUG logging (the default stage's level): keys
created, used, revoked and forged; members enrolled, refused (taken or invalid emails) and moved to a
new email; orders by the API and the queue (one message malformed, quoting an email); a refund; a
redemption used and one cancelled; an adjustment; reminder emails refused by SES, then sent; the
one-click unsubscribe.
"""

from __future__ import annotations

import io
import json
import logging
import re
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import pytest

from harness.api import Api
from local import runtime
from loyalty.adapters import clock, jobs_queue
from loyalty.adapters import email as email_adapter
from loyalty.services import unsubscribe
from loyalty.services.jobs import catalog, runner
from loyalty.store import secrets as secret_store
from tests import sqs
from tests.conftest import ADMIN_KEY

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
API_KEY = re.compile(r"lk_[A-Za-z0-9_-]{8,}")
NEW_YORK = ZoneInfo("America/New_York")
SENDER = "loyalty@example.com"  # the program's sender (harness.programs), the template's SenderEmail
NOW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)


@contextmanager
def powertools_lines() -> Iterator[io.StringIO]:
    """Point every handler of the Powertools loggers (named after the service, 'loyalty') at a buffer."""
    buffer = io.StringIO()
    swapped: list[tuple[logging.StreamHandler[Any], Any]] = []
    names = [name for name in logging.Logger.manager.loggerDict if name == "loyalty" or name.startswith("loyalty.")]
    for name in names:
        for handler in logging.getLogger(name).handlers:
            if isinstance(handler, logging.StreamHandler):
                swapped.append((handler, handler.setStream(buffer)))
    try:
        yield buffer
    finally:
        for handler, stream in swapped:
            handler.setStream(stream)


def record_text(record: logging.LogRecord) -> str:
    """A record's message and every attribute it carries (the ``extra`` fields included)."""
    return record.getMessage() + " " + json.dumps(record.__dict__, default=str)


def realistic_day(admin: Api, shop: Api, template: Any) -> set[str]:
    """The flow; returns every secret it used (emails, key values)."""
    secrets = {ADMIN_KEY, shop.key or "", SENDER}
    created = admin.post("/v1/admin/keys", {"scope": "storefront", "label": "pos"}).body
    spare = admin.post("/v1/admin/keys", {"scope": "admin", "label": "ops"}).body
    secrets |= {created["key"], spare["key"]}
    pos = Api(admin.gateway.template, created["key"])
    assert admin.delete(f"/v1/admin/keys/{spare['key_id']}").status == 204
    assert Api(admin.gateway.template, spare["key"]).get("/v1/admin/program").status == 401
    forged = "lk_" + "F0rg3d" * 7
    secrets.add(forged)
    assert Api(admin.gateway.template, forged).get("/v1/rewards").status == 401
    assert pos.get("/v1/admin/program").status == 403

    people = {"m-1": "Ada.Lovelace@Example.com", "m-2": "grace+loyalty@example.org", "m-3": "alan@example.net"}
    secrets |= set(people.values()) | {address.lower() for address in people.values()}
    for member_id, address in people.items():
        body = {"member_id": member_id, "email": address, "name": "Ada", "marketing_opt_in": True, "locale": "en"}
        assert shop.post("/v1/members", body).status == 201
    assert shop.post("/v1/members", {"member_id": "m-9", "email": people["m-2"]}).status == 409
    assert shop.post("/v1/members", {"member_id": "m-9", "email": "not-an-email@"}).status == 422
    assert (
        shop.post("/v1/members", {"member_id": "m-9", "email": "x@example.com", "emali": "typo@example.com"}).status
        == 422
    )
    secrets |= {"not-an-email@", "x@example.com", "typo@example.com", "ada.new@example.com"}
    assert shop.patch("/v1/members/m-1", {"email": "ada.new@example.com"}).status == 200
    assert shop.patch("/v1/members/m-1", {"email": people["m-3"]}).status == 409
    assert shop.get("/v1/members/m-1").status == 200

    def order(order_id: str, member_id: str, price: int) -> dict[str, Any]:
        line = {"sku": "SHOE", "category": "shoes", "quantity": 1, "unit_price_minor": price}
        return {
            "order_id": order_id,
            "member_id": member_id,
            "currency": "USD",
            "placed_at": "2026-11-22T14:00:00Z",
            "lines": [line],
        }

    assert pos.post("/v1/orders", order("o-1", "m-1", 50_000)).status == 201
    records = [
        sqs.record({"type": "order.completed", "order": order("o-2", "m-2", 30_000)}),
        # Malformed (one quoting an email: test_a_malformed_queue_message_logs_no_email).
        sqs.record({"type": "order.completed", "order": {"order_id": "o-3", "note": "no lines"}}),
    ]
    failures = runtime.invoke(template, "AccrualConsumerFunction", sqs.batch(*records))["batchItemFailures"]
    assert len(failures) == 1
    assert pos.post("/v1/orders/o-1/refunds", {"refund_id": "rf-1", "amount_minor": 5_000}).status == 201
    reward = {"name": "Coffee", "kind": "voucher", "cost_points": 100, "stock": 10}
    assert admin.put("/v1/admin/rewards/coffee", reward).status == 201
    for redemption_id in ("x-1", "x-2"):
        answer = shop.post("/v1/members/m-1/redemptions", {"redemption_id": redemption_id, "reward_id": "coffee"})
        assert answer.status == 201
    assert shop.get(f"/v1/vouchers/{answer.body['code']}").status == 200
    assert shop.post("/v1/redemptions/x-1/use").status == 200
    assert shop.post("/v1/redemptions/x-2/cancel").status == 200
    debit = {"adjustment_id": "a-1", "points": -10, "reason": "asked by ada.new@example.com"}
    assert admin.post("/v1/admin/members/m-1/adjustments", debit).status == 201
    assert shop.get("/v1/members/m-1/activity").status == 200

    # Reminders of the points expiring on 2027-11-22: SES refuses first (the sender's identity, which the
    # backend has from the template, is not verified for a day), then sends.
    ses = boto3.client("sesv2", region_name="us-east-1")
    ses.delete_email_identity(EmailIdentity=SENDER)
    run_at = datetime(2027, 11, 8, 0, 5, tzinfo=NEW_YORK)
    clock.set_clock(lambda: run_at)
    assert catalog.run_day("remind_expiring", run_at, runner.Budget(1000))["emails_failed"] >= 1
    ses.create_email_identity(EmailIdentity=SENDER)
    clock.set_clock(lambda: run_at.replace(day=9))
    sent = catalog.run_day("remind_expiring", run_at.replace(day=9), runner.Budget(1000))
    assert sent["emails_sent"] >= 1, sent
    assert Api(admin.gateway.template).post(f"/v1/unsubscribe/{unsubscribe.token_for('m-2')}").status == 200
    return {secret for secret in secrets if secret}


@pytest.mark.parametrize("aws", ["moto"], indirect=True)
def test_logs_hold_no_email_and_no_api_key(
    admin_api: Api, api: Api, template: Any, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    email_adapter.reset()
    jobs_queue.reset()
    secret_store.forget()
    clock.set_clock(lambda: NOW)
    # As in Lambda: the service's loggers at the stage's DEBUG, everything else (botocore, Powertools'
    # internals) at the root's WARNING. A caller who turns botocore's DEBUG on sees request bodies.
    caplog.set_level(logging.DEBUG, logger="loyalty")
    try:
        with powertools_lines() as lines:
            secrets = realistic_day(admin_api, api, template)
    finally:
        email_adapter.reset()
    out, err = capfd.readouterr()
    captured = {
        "Powertools log lines": lines.getvalue(),
        "log records": "\n".join(record_text(record) for record in caplog.records),
        "stdout": out,
        "stderr": err,
    }
    everything = "\n".join(captured.values())
    # The capture worked: the flow's own log lines are there.
    for expected in ("api key issued", "api key revoked", "key resolved", "email sent", "malformed accrual message"):
        assert expected in captured["Powertools log lines"], f"{expected!r} was not captured"
    for where, text in captured.items():
        leaked = sorted({secret for secret in secrets if secret in text or secret.lower() in text.lower()})
        assert not leaked, f"{where} contain {leaked}"
        assert not EMAIL.search(text), f"{where} contain an email address: {EMAIL.search(text)}"
        assert not API_KEY.search(text), f"{where} contain an API key: {API_KEY.search(text)}"
    assert len(everything) > 1000


@pytest.mark.parametrize("aws", ["moto"], indirect=True)
def test_a_malformed_queue_message_logs_no_email(api: Api, template: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)  # Lambda's root level: what passes it reaches CloudWatch
    record = sqs.record({"type": "order.completed", "order": {"order_id": "o-3", "email": "leak@example.com"}})
    reported = ""
    try:
        runtime.invoke(template, "AccrualConsumerFunction", sqs.batch(record))
    except Exception as error:  # what the Lambda runtime writes for an unhandled error: type, message, stack
        reported = "".join(traceback.format_exception(error))
    logged = "\n".join(record_text(record) for record in caplog.records)
    assert "leak@example.com" not in logged, logged[:2000]
    assert "leak@example.com" not in reported, reported[:2000]
