"""The audit: clean after every kind of balance change, and it names the member (or reward) a corrupted
item belongs to. Corruptions are written straight to the table, as a bug or a bad migration would."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

import audit
from loyalty.adapters import clock
from loyalty.models.adjustment import AdjustmentRequest
from loyalty.models.order import RefundRequest
from loyalty.services import adjustments, privacy, redemptions, refunds
from loyalty.store import keys
from loyalty.store import redemptions as redemption_store
from loyalty.store.client import dynamodb, from_item, table_name, to_item, to_value
from tests.auditing import audit_clean
from tests.rewarding import configure, earn, member_with_points, redeem, reward

NOW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
OPS = adjustments.Actor(key_id="key_0123456789abcdef", label="ops")


def populate() -> None:
    """Every balance change the platform makes, on four members. The clock stands still, so many
    entries share a millisecond and the chain check must find their order itself."""
    clock.set_clock(lambda: NOW)
    configure()
    # m-1: earnings, a partial refund, a redemption kept and one cancelled.
    member_with_points("m-1", 500)
    earn("m-1", "o-2", 200, "2026-11-22T12:00:00Z")
    refunds.refund("o-2", RefundRequest(refund_id="rf-1", amount_minor=5_000))
    reward("r100", 100, stock=3)
    redeem("m-1", "x-1", "r100")
    redeem("m-1", "x-2", "r100")
    redemptions.cancel("x-2")
    # m-2: adjustments both ways, then a refund larger than the balance (debt) partly paid back.
    member_with_points("m-2", 300)
    adjustments.adjust("m-2", AdjustmentRequest(adjustment_id="a-1", points=50, reason="goodwill"), OPS)
    adjustments.adjust("m-2", AdjustmentRequest(adjustment_id="a-2", points=-30, reason="correction"), OPS)
    reward("r300", 300)
    redeem("m-2", "x-3", "r300")
    refunds.refund("seed-m-2-2026-11-22T15:00:00Z", RefundRequest(refund_id="rf-2", amount_minor=30_000))
    earn("m-2", "o-3", 100, "2026-11-22T13:00:00Z")
    # m-3: pending points, partly refunded while still pending.
    configure(pending_days=14)
    member_with_points("m-3", 400)
    refunds.refund("seed-m-3-2026-11-22T15:00:00Z", RefundRequest(refund_id="rf-3", amount_minor=10_000))
    # m-4: enrolled, nothing else.
    member_with_points("m-4", 0)
    # m-5: pending and available points, then erased (both forfeited).
    member_with_points("m-5", 250)
    adjustments.adjust("m-5", AdjustmentRequest(adjustment_id="a-5", points=40, reason="goodwill"), OPS)
    privacy.erase("m-5", OPS)


def _update(key: dict[str, str], expression: str, values: dict[str, Any]) -> None:
    dynamodb().update_item(
        TableName=table_name(),
        Key=to_item(key),
        UpdateExpression=expression,
        ExpressionAttributeValues={name: to_value(value) for name, value in values.items()},
    )


def _copy(key: dict[str, str], new_key: dict[str, str], **changes: Any) -> None:
    answer = dynamodb().get_item(TableName=table_name(), Key=to_item(key), ConsistentRead=True)
    item = {**from_item(answer["Item"]), **new_key, **changes}
    dynamodb().put_item(TableName=table_name(), Item=to_item(item))


def _book(member_id: str, counter: str, count: int) -> None:
    """A counter added to the member's accounting day, as a write's transaction would."""
    dynamodb().update_item(
        TableName=table_name(),
        Key=to_item(keys.accounting_day(member_id, NOW.date().isoformat())),
        UpdateExpression="ADD #counter :count",
        ExpressionAttributeNames={"#counter": counter},
        ExpressionAttributeValues={":count": to_value(count)},
    )


def _lot_of(member_id: str) -> dict[str, str]:
    answer = dynamodb().query(
        TableName=table_name(),
        KeyConditionExpression="PK = :pk AND begins_with(SK, :lot)",
        ExpressionAttributeValues={
            ":pk": to_value(keys.member_partition(member_id)),
            ":lot": to_value(keys.LOT_PREFIX),
        },
    )
    first = from_item(answer["Items"][0])
    return {"PK": first["PK"], "SK": first["SK"]}


def _redemption(redemption_id: str) -> dict[str, str]:
    return keys.redemption(redemption_store.code_for(redemption_id))


def test_a_table_after_every_kind_of_change_is_clean(aws: str) -> None:
    populate()
    report = audit_clean()
    assert report.members_checked == 5
    assert report.entries_checked >= 14
    assert "clean" in report.render()


CORRUPTIONS: dict[str, tuple[Callable[[], None], set[tuple[str, str]]]] = {
    "lot sum differs from the balance": (
        lambda: _update(_lot_of("m-1"), "ADD d01 :five", {":five": 5}),
        {("member m-1", "lots")},
    ),
    "negative stock": (
        lambda: _update(keys.reward("r100"), "SET stock_remaining = :minus", {":minus": -1}),
        {("reward r100", "stock")},
    ),
    "an order credited twice": (
        lambda: _copy(keys.order("o-2"), {"PK": "ORDER#o-2-copy", "SK": "ORDER"}),
        {("member m-1", "once"), ("member m-1", "ledger"), ("member m-1", "chain")},
    ),
    "balance raised without an entry": (
        lambda: _update(keys.member("m-2"), "ADD available :ten", {":ten": 10}),
        {("member m-2", "ledger"), ("member m-2", "lots"), ("member m-2", "chain")},
    ),
    "negative balance": (
        lambda: _update(keys.member("m-4"), "SET available = :minus", {":minus": -7}),
        {("member m-4", "signs"), ("member m-4", "ledger"), ("member m-4", "lots")},
    ),
    "a balance_after that does not follow": (
        lambda: _update(_redemption("x-1"), "SET balance_after = :wrong", {":wrong": 555}),
        {("member m-1", "chain")},
    ),
    "pending points no order owns": (
        lambda: _update(keys.order("seed-m-3-2026-11-22T15:00:00Z"), "SET pending_left = :one", {":one": 1}),
        {("member m-3", "pending")},
    ),
    "a refund applied twice": (
        lambda: _copy(
            keys.refund("rf-1"), keys.refund("rf-1-copy"), entry_id="refund:rf-1-copy", refund_id="rf-1-copy"
        ),
        {("member m-1", "ledger"), ("member m-1", "orders"), ("member m-1", "once"), ("member m-1", "lifetime")},
    ),
    "a redemption whose points came from nowhere": (
        lambda: _update(_redemption("x-1"), "SET taken = :none", {":none": ""}),
        {("member m-1", "redeem")},
    ),
    "an expiry day later than the soonest points": (
        lambda: _update(keys.member("m-1"), "SET GSI5SK = :late", {":late": "2099-01-01"}),
        {("member m-1", "expiry")},
    ),
    "a lot without a member": (
        lambda: _update(keys.lot("ghost", "2027-11"), "SET d22 = :one", {":one": 1}),
        {("member ghost", "orphan")},
    ),
    "an erased member's email kept": (
        lambda: _update(keys.member("m-5"), "SET email = :email", {":email": "m-5@example.com"}),
        {("member m-5", "erasure")},
    ),
    "an erased member credited": (
        lambda: _update(keys.member("m-5"), "SET available = :n", {":n": 40}),
        {("member m-5", "erasure"), ("member m-5", "ledger")},
    ),
    "a tier changed without its count": (
        lambda: _update(keys.member("m-2"), "SET tier = :gold", {":gold": "Gold"}),
        {("accounts", "tiers")},
    ),
    "an erased member still counted in its tier": (
        lambda: _book("m-5", "t#Bronze", 1),
        {("accounts", "tiers")},
    ),
    "an email guard lost": (
        lambda: dynamodb().delete_item(TableName=table_name(), Key=to_item(keys.email("m-4@example.com"))),
        {("member m-4", "emails")},
    ),
}


@pytest.mark.parametrize("corruption", list(CORRUPTIONS))
def test_the_audit_reports_a_corruption_against_its_owner(aws: str, corruption: str) -> None:
    populate()
    audit_clean()
    corrupt, expected = CORRUPTIONS[corruption]
    corrupt()
    report = audit.run()
    found = {(problem.subject, problem.check) for problem in report.problems}
    assert expected <= found, report.render()
    # Only the corrupted member (or reward) is reported: the audit does not smear one fault over others.
    assert {subject for subject, _ in found} == {subject for subject, _ in expected}, report.render()
    assert "@" not in report.render()
