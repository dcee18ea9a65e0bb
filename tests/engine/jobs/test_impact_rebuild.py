"""``make rebuild-impact`` (loyalty.services.impact_rebuild): the impact aggregates put back from the
members, orders and non-members' orders, equal to what the stream kept; refused while the stream holds
writes not taken in; "run it again" when one arrives during the rebuild."""

from __future__ import annotations

from typing import Any

import pytest

from harness.books import settle_books
from loyalty.services import impact_rebuild
from loyalty.store import impact
from loyalty.store.client import dynamodb, from_item, table_name
from tests.engine.jobs.test_impact import a_month
from tests.service.jobs.conftest import earn, enroll

pytestmark = pytest.mark.engine


def impact_items() -> dict[tuple[str, str], dict[str, Any]]:
    """Every aggregate and customer's month, as the table holds them."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    request: dict[str, Any] = {"TableName": table_name()}
    while True:
        page = dynamodb().scan(**request)
        for item in map(from_item, page["Items"]):
            if item["PK"] == impact.AGGREGATES or str(item["PK"]).startswith(impact.CUSTOMER_PREFIX):
                found[(str(item["PK"]), str(item["SK"]))] = item
        if "LastEvaluatedKey" not in page:
            return found
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def wipe() -> None:
    """What a table upgraded from before the aggregates holds: the stream taken in, no aggregate."""
    for pk, sk in impact_items():
        dynamodb().delete_item(TableName=table_name(), Key={"PK": {"S": pk}, "SK": {"S": sk}})


def test_a_rebuild_puts_back_what_the_stream_kept_and_again_changes_nothing(jobs: str) -> None:
    a_month()  # members of two cohorts, a holdout member, orders, a refund, non-members' orders
    settle_books()
    kept = impact_items()
    assert kept[(impact.AGGREGATES, "G/2027-03/t")]["o"] == 3
    wipe()
    assert impact.aggregates() == {}
    done = impact_rebuild.rebuild()
    assert impact_items() == kept
    assert (done.put, done.deleted) == (len(kept), 0)
    again = impact_rebuild.rebuild()
    assert impact_items() == kept and again.deleted == 0


def test_an_aggregate_no_item_brings_any_more_is_deleted(jobs: str) -> None:
    a_month()
    settle_books()
    kept = impact_items()
    dynamodb().put_item(TableName=table_name(), Item={"PK": {"S": impact.AGGREGATES}, "SK": {"S": "G/2019-01/t"},
                                                      "o": {"N": "7"}})  # fmt: skip
    assert impact_rebuild.rebuild().deleted == 1
    assert impact_items() == kept


def test_it_refuses_while_the_stream_holds_writes_not_taken_in_and_writes_nothing(jobs: str) -> None:
    a_month()  # the stream not read yet
    with pytest.raises(impact_rebuild.NotQuiet):
        impact_rebuild.rebuild()
    assert impact_items() == {}


def test_a_write_during_the_rebuild_makes_it_ask_to_be_run_again(jobs: str, monkeypatch: pytest.MonkeyPatch) -> None:
    a_month()
    settle_books()
    wipe()
    real = impact_rebuild.impact_rebuild.put_all

    def put_all_while_an_order_arrives(*args: Any) -> int:
        earn("t-2", "o-late", 40, "2027-03-20 12:00")  # 4,000 minor units, after the Scan
        settle_books()  # the stream's consumer takes it in on top of what is being rebuilt
        return real(*args)

    monkeypatch.setattr(impact_rebuild.impact_rebuild, "put_all", put_all_while_an_order_arrives)
    with pytest.raises(impact_rebuild.NotQuiet, match="run it again"):
        impact_rebuild.rebuild()
    monkeypatch.setattr(impact_rebuild.impact_rebuild, "put_all", real)
    impact_rebuild.rebuild()  # the shop quiet now
    found = impact.aggregates()
    assert found["G/2027-03/t"]["o"] == 4 and found["G/2027-03/t"]["r"] == 5000 + 4000
    assert found["G/2027-03/t"]["qr"] == 3000**2 + 6000**2  # t-2's month: 2,000 + 4,000


def test_a_member_enrolled_without_an_order_counts_in_its_cohort_and_its_enrollment_month(jobs: str) -> None:
    enroll("quiet", when="2027-01-05 09:00")
    settle_books()
    kept = impact_items()
    wipe()
    impact_rebuild.rebuild()
    assert impact_items() == kept
    assert kept[(impact.AGGREGATES, "C/2027-01")]["n"] == 1 and kept[(impact.AGGREGATES, "L")]["m2027-01"] == 1
