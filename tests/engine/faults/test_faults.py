"""DynamoDB failing at the worst moments, then the work retried as production retries it (the client
repeating its request, SQS redelivering the message): nothing is lost, nothing is doubled, the audit
is clean.

Each scenario makes one write fail in one way (see harness.py), lets the caller see whatever answer
that produces, then repeats the request with no fault and checks the exact end state: balances to the
point, one ledger entry per client id, stock taken once. Runs on moto and on DynamoDB Local.

Two facts these tests pin down:
- boto3 (standard mode, ``max_attempts: 3`` = 3 *retries*, 4 attempts) resends a timed-out
  TransactWriteItems with the same body, including the ClientRequestToken botocore generates for every
  call (the parameter is an idempotency token in the API model; our code passes none itself). DynamoDB
  (and DynamoDB Local) then answers the retry as the success it was: the first caller still gets 201.
  moto ignores the token, so there the retry fails its conditions and our code takes the replay path
  (200, same result): both are checked.
- Everything a retry re-executes is guarded by the client id's ``attribute_not_exists`` condition or a
  status condition, so even a retry DynamoDB does not recognise (a new call, a redelivered message)
  changes nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from harness.api import Answer, Api
from harness.orders import order_document
from local import runtime
from loyalty.adapters import clock
from loyalty.services import activity
from tests import sqs
from tests.auditing import audit_clean
from tests.service.faults.harness import Fault, Faults

# The engine decides these outcomes (transactions, conditions, index queries): moto and DynamoDB Local.
pytestmark = pytest.mark.engine

NOW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
OK = {200, 201}
# What a caller may see while DynamoDB fails: success, or 503 "unavailable" when boto3's or our own
# retries ran out. Never 500: every fault here is one a retry fixes (test_error_answers.py has the rest).
RETRY_LATER = {503}

FAULTS = [
    pytest.param([(Fault.LOST_RESPONSE, 1)], id="landed-response-lost-boto3-resends"),
    pytest.param([(Fault.LOST_RESPONSE, 4)], id="landed-every-response-lost"),
    pytest.param([(Fault.LOST_RESPONSE, 1), (Fault.IN_PROGRESS, 1)], id="landed-then-in-progress"),
    pytest.param([(Fault.LOST_REQUEST, 4)], id="every-request-lost"),
    pytest.param([(Fault.THROTTLE, 3)], id="throttled-boto3-absorbs"),
    pytest.param([(Fault.THROTTLE, 4)], id="throttled-beyond-boto3"),
    pytest.param([(Fault.SERVER_ERROR, 4)], id="server-errors"),
    pytest.param([(Fault.CONFLICT, 3)], id="transaction-conflicts"),
]
FEW_FAULTS = [FAULTS[0], FAULTS[1], FAULTS[5], FAULTS[7]]
READ_FAULTS = [FAULTS[1], FAULTS[3], FAULTS[5], FAULTS[6]]


def order(order_id: str, price_minor: int, member_id: str = "m-1") -> dict[str, Any]:
    return order_document(order_id, member_id, price_minor, sku="SHOE")


@pytest.fixture
def shop(admin_api: Api, api: Api) -> Api:
    """m-1 with 500 points, a reward of 100 points with a stock of 5; the clock stands at NOW."""
    clock.set_clock(lambda: NOW)
    assert api.post("/v1/members", {"member_id": "m-1", "email": "ada@example.com"}).status == 201
    assert api.post("/v1/orders", order("seed", 50_000)).status == 201
    reward = {"name": "Coffee", "kind": "voucher", "cost_points": 100, "active": True, "stock": 5}
    assert admin_api.put("/v1/admin/rewards/coffee", reward).status == 201
    return api


def arm(faults: Faults, operation: str, plan: list[tuple[Fault, int]], touching: str) -> None:
    for fault, times in plan:
        faults.add(operation, fault, times=times, touching=touching)


def first_then_retry(faults: Faults, call: Callable[[], Answer]) -> tuple[Answer, Answer]:
    """The call with the faults armed, then the client's retry of the same request without them."""
    first = call()
    assert first.status in OK | RETRY_LATER, first.body
    faults.clear()
    again = call()
    assert again.status in OK, again.body
    if first.status in OK:
        assert again.status == 200, "a retry of a request that succeeded must replay it"
    return first, again


def retried(
    faults: Faults,
    plan: list[tuple[Fault, int]],
    touching: str,
    call: Callable[[], Answer],
    operation: str = "TransactWriteItems",
) -> tuple[Answer, Answer]:
    """``call`` under the ``plan``'s faults on ``operation`` (the ones touching ``touching``), then retried
    without them (first_then_retry)."""
    arm(faults, operation, plan, touching)
    return first_then_retry(faults, call)


def redeem(api: Api, reward_id: str = "coffee") -> Answer:
    return api.post("/v1/members/m-1/redemptions", {"redemption_id": "x-1", "reward_id": reward_id})


def refund(api: Api, order_id: str, refund_id: str, amount_minor: int) -> Answer:
    return api.post(f"/v1/orders/{order_id}/refunds", {"refund_id": refund_id, "amount_minor": amount_minor})


def stock_left(api: Api) -> int:
    """What is left of the stock of the first reward listed: the shop's coffee."""
    left: int = api.get("/v1/rewards").body["items"][0]["stock_remaining"]
    return left


def balance(api: Api, member_id: str = "m-1") -> dict[str, int]:
    points: dict[str, int] = api.get(f"/v1/members/{member_id}").body["points"]
    return points


def entries(member_id: str = "m-1") -> list[tuple[str, int]]:
    return [(entry.entry_id, entry.points) for entry in activity.page(member_id, 100, None).items]


def assert_first_call_created(aws: str, plan: list[tuple[Fault, int]], first: Answer) -> None:
    """A timeout boto3 absorbs must not change the answer: DynamoDB honours the retry's token."""
    if aws == "dynamodb-local" and plan[0] == (Fault.LOST_RESPONSE, 1):
        assert first.status == 201, first.body


# --- accrual -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("plan", FAULTS)
def test_accrual_by_api(aws: str, shop: Api, faults: Faults, plan: list[tuple[Fault, int]]) -> None:
    first, again = retried(faults, plan, "ORDER#o-1", call=lambda: shop.post("/v1/orders", order("o-1", 12_300)))
    assert_first_call_created(aws, plan, first)
    assert again.body["points"] == 123
    assert balance(shop)["available"] == 623
    assert sorted(entries()) == [("earn:o-1", 123), ("earn:seed", 500)]
    audit_clean()


@dataclass
class Queue:
    """The accrual queue as SQS runs it: a batch, then the failed records again, until none fail."""

    template: Any

    def deliver(self, records: list[dict[str, Any]], faults: Faults) -> int:
        rounds = 0
        while records:
            rounds += 1
            try:
                answer = runtime.invoke(self.template, "AccrualConsumerFunction", sqs.batch(*records))
            except BatchProcessingError:  # every record failed: the invocation fails, SQS redelivers all
                failed = {record["messageId"] for record in records}
            else:
                failed = {item["itemIdentifier"] for item in answer["batchItemFailures"]}
            records = [record for record in records if record["messageId"] in failed]
            faults.clear()  # the fault was transient: the redelivery meets a healthy table
            assert rounds <= 2, "a record kept failing without a fault"
        return rounds


@pytest.mark.parametrize("plan", FAULTS)
def test_accrual_by_queue(shop: Api, faults: Faults, template: Any, plan: list[tuple[Fault, int]]) -> None:
    """A fault on one message of a batch fails that record alone; its redelivery credits it once."""
    records = [sqs.record({"type": "order.completed", "order": order(f"q-{n}", 1_000 * n)}) for n in (1, 2, 3)]
    arm(faults, "TransactWriteItems", plan, "ORDER#q-2")
    Queue(template).deliver(records, faults)
    # Redelivering the whole batch (SQS may deliver any message again) changes nothing.
    Queue(template).deliver(records, faults)
    assert balance(shop)["available"] == 500 + 10 + 20 + 30
    assert sorted(entries()) == [("earn:q-1", 10), ("earn:q-2", 20), ("earn:q-3", 30), ("earn:seed", 500)]
    audit_clean()


@pytest.mark.parametrize("plan", READ_FAULTS)
def test_accrual_read_failing(shop: Api, faults: Faults, plan: list[tuple[Fault, int]]) -> None:
    """The member read (one Query) failing: nothing was written, the retry credits once."""
    retried(faults, plan, "MEMBER#m-1", operation="Query", call=lambda: shop.post("/v1/orders", order("o-1", 12_300)))
    assert balance(shop)["available"] == 623
    audit_clean()


# --- refunds -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("plan", FAULTS)
def test_refund_by_api(aws: str, shop: Api, faults: Faults, plan: list[tuple[Fault, int]]) -> None:
    assert shop.post("/v1/orders", order("o-1", 20_000)).status == 201
    first, again = retried(faults, plan, "REFUND#rf-1", call=lambda: refund(shop, "o-1", "rf-1", 5_000))
    assert_first_call_created(aws, plan, first)
    assert again.body["points_reversed"] == 50
    assert balance(shop)["available"] == 650
    assert ("refund:rf-1", -50) in entries() and len(entries()) == 3
    audit_clean()


@pytest.mark.parametrize("plan", FEW_FAULTS)
def test_refund_by_queue(shop: Api, faults: Faults, template: Any, plan: list[tuple[Fault, int]]) -> None:
    assert shop.post("/v1/orders", order("o-1", 20_000)).status == 201
    refund = {"refund_id": "rf-1", "lines": [{"sku": "SHOE", "quantity": 1}]}
    records = [sqs.record({"type": "order.refunded", "order_id": "o-1", "refund": refund})]
    arm(faults, "TransactWriteItems", plan, "REFUND#rf-1")
    Queue(template).deliver(records, faults)
    Queue(template).deliver(records, faults)
    assert balance(shop)["available"] == 500
    assert ("refund:rf-1", -200) in entries() and len(entries()) == 3
    audit_clean()


@pytest.mark.parametrize("plan", FEW_FAULTS)
def test_refunds_taking_pending_points_then_running_into_debt(
    admin_api: Api, shop: Api, faults: Faults, plan: list[tuple[Fault, int]]
) -> None:
    """Pending first, then available lots, then debt: each refund's split is applied once."""
    from harness.programs import program_document

    assert admin_api.put("/v1/admin/program", program_document(pending_days=30)).status == 200
    assert shop.post("/v1/orders", order("o-1", 30_000)).status == 201  # 300 pending
    assert redeem(shop).status == 201
    retried(faults, plan, "REFUND#rf-1", call=lambda: refund(shop, "o-1", "rf-1", 10_000))
    assert (balance(shop)["available"], balance(shop)["pending"]) == (400, 200)
    # The seed order's 500 points: 400 available are taken, 100 become debt.
    retried(faults, plan, "REFUND#rf-2", call=lambda: refund(shop, "seed", "rf-2", 50_000))
    assert (balance(shop)["available"], balance(shop)["pending"]) == (0, 200)
    assert ("refund:rf-1", -100) in entries() and ("refund:rf-2", -500) in entries()
    audit_clean()


# --- redemptions -------------------------------------------------------------------------------------


@pytest.mark.parametrize("plan", FAULTS)
def test_redemption(aws: str, shop: Api, faults: Faults, plan: list[tuple[Fault, int]]) -> None:
    first, again = retried(faults, plan, "redeem:x-1", call=lambda: redeem(shop))
    assert_first_call_created(aws, plan, first)
    if first.status in OK:
        assert again.body["code"] == first.body["code"], "the voucher code changed between answers"
    assert shop.get(f"/v1/vouchers/{again.body['code']}").body["redemption_id"] == "x-1"
    assert balance(shop)["available"] == 400
    assert entries().count(("redeem:x-1", -100)) == 1
    assert stock_left(shop) == 4
    audit_clean()


@pytest.mark.parametrize("plan", FAULTS)
def test_cancellation(shop: Api, faults: Faults, plan: list[tuple[Fault, int]]) -> None:
    assert redeem(shop).status == 201
    _, again = retried(faults, plan, "CANCEL#x-1", call=lambda: shop.post("/v1/redemptions/x-1/cancel"))
    assert again.body["status"] == "cancelled"
    assert balance(shop)["available"] == 500
    assert stock_left(shop) == 5
    assert sorted(entries()) == [("cancel:x-1", 100), ("earn:seed", 500), ("redeem:x-1", -100)]
    audit_clean()


@pytest.mark.parametrize("plan", FEW_FAULTS)
def test_use(shop: Api, faults: Faults, plan: list[tuple[Fault, int]]) -> None:
    assert redeem(shop).status == 201
    # Using a voucher is a transaction of two items: its status and the member's event.
    # The voucher's status is the write only this request makes (its event rides packed in the outbox).
    _, again = retried(faults, plan, '"used"', call=lambda: shop.post("/v1/redemptions/x-1/use"))
    assert again.body["status"] == "used"
    assert balance(shop)["available"] == 400
    audit_clean()


# --- adjustments, enrollment, profile ------------------------------------------------------------------


@pytest.mark.parametrize("plan", FAULTS)
def test_adjustment(aws: str, admin_api: Api, shop: Api, faults: Faults, plan: list[tuple[Fault, int]]) -> None:
    body = {"adjustment_id": "a-1", "points": -120, "reason": "duplicate order"}
    first, _ = retried(
        faults, plan, "ADJUSTMENT#a-1", call=lambda: admin_api.post("/v1/admin/members/m-1/adjustments", body)
    )
    assert_first_call_created(aws, plan, first)
    assert balance(shop)["available"] == 380
    assert entries().count(("adjust:a-1", -120)) == 1
    audit_clean()


@pytest.mark.parametrize("plan", FEW_FAULTS)
def test_enrollment(aws: str, shop: Api, faults: Faults, plan: list[tuple[Fault, int]]) -> None:
    first, _ = retried(
        faults,
        plan,
        "MEMBER#m-2",
        call=lambda: shop.post("/v1/members", {"member_id": "m-2", "email": "bo@example.com"}),
    )
    assert_first_call_created(aws, plan, first)
    assert shop.get("/v1/members/m-2").body["email"] == "bo@example.com"
    audit_clean()


@pytest.mark.parametrize("plan", FEW_FAULTS)
def test_email_change(shop: Api, faults: Faults, plan: list[tuple[Fault, int]]) -> None:
    retried(
        faults,
        plan,
        "EMAIL#ada.new@example.com",
        call=lambda: shop.patch("/v1/members/m-1", {"email": "ada.new@example.com"}),
    )
    assert shop.get("/v1/members/m-1").body["email"] == "ada.new@example.com"
    # The old address is free again, the new one is taken: the guards moved with the email.
    assert shop.post("/v1/members", {"member_id": "m-9", "email": "ada@example.com"}).status == 201
    assert shop.post("/v1/members", {"member_id": "m-8", "email": "ada.new@example.com"}).status == 409
    audit_clean()


# --- retries that find the money already spent ----------------------------------------------------------


LANDED = [FAULTS[1]]  # every attempt lands and loses its answer: only the client's retry can tell


@pytest.mark.parametrize("plan", LANDED)
def test_redeeming_the_last_points_the_last_unit_and_the_only_allowed_time(
    admin_api: Api, shop: Api, faults: Faults, plan: list[tuple[Fault, int]]
) -> None:
    """The retry of a redemption that landed finds no points, no stock and the limit reached: it must
    answer the first result, not insufficient_points / out_of_stock / limit_reached."""
    reward = {"name": "All in", "kind": "voucher", "cost_points": 500, "stock": 1, "per_member_limit": 1}
    assert admin_api.put("/v1/admin/rewards/all-in", reward).status == 201
    _, again = retried(faults, plan, "redeem:x-1", call=lambda: redeem(shop, "all-in"))
    assert again.body["points_spent"] == 500
    assert balance(shop)["available"] == 0
    assert entries().count(("redeem:x-1", -500)) == 1
    audit_clean()


@pytest.mark.parametrize("plan", LANDED)
def test_debiting_the_whole_balance(admin_api: Api, shop: Api, faults: Faults, plan: list[tuple[Fault, int]]) -> None:
    body = {"adjustment_id": "a-1", "points": -500, "reason": "fraud"}
    _, again = retried(
        faults, plan, "ADJUSTMENT#a-1", call=lambda: admin_api.post("/v1/admin/members/m-1/adjustments", body)
    )
    assert again.body["points"] == -500
    assert balance(shop)["available"] == 0
    audit_clean()


@pytest.mark.parametrize("plan", LANDED)
def test_refunding_a_whole_order(shop: Api, faults: Faults, plan: list[tuple[Fault, int]]) -> None:
    _, again = retried(faults, plan, "REFUND#rf-1", call=lambda: refund(shop, "seed", "rf-1", 50_000))
    assert again.body["points_reversed"] == 500
    assert balance(shop) | {"available": 0} == balance(shop)
    assert refund(shop, "seed", "rf-2", 1).status == 409
    audit_clean()
