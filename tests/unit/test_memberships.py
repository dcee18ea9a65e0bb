"""Paid memberships' calendar (loyalty.domain.memberships) and the engagement settings' validation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from harness.plans import program
from loyalty.domain import memberships
from loyalty.models.reward import RewardPut

PARIS = ZoneInfo("Europe/Paris")


def test_a_month_bought_late_on_the_31st_of_january_ends_at_the_start_of_the_last_day_of_february() -> None:
    bought = datetime(2026, 1, 31, 23, 30, tzinfo=UTC)  # already 1 February in Paris
    assert memberships.granted(None, 1, bought, PARIS).isoformat() == "2026-03-01T00:00:00+01:00"
    late_january = datetime(2026, 1, 31, 12, tzinfo=UTC)
    assert memberships.granted(None, 1, late_january, PARIS).isoformat() == "2026-02-28T00:00:00+01:00"


def test_a_renewal_extends_from_the_current_end_and_a_lapsed_one_starts_again_from_today() -> None:
    now = datetime(2026, 3, 10, tzinfo=UTC)
    lasting = "2026-03-29T00:00:00+01:00"  # the end falls before the change to summer time
    assert memberships.granted(lasting, 1, now, PARIS).isoformat() == "2026-04-29T00:00:00+02:00"
    lapsed = "2026-03-01T00:00:00+01:00"
    assert memberships.granted(lapsed, 2, now, PARIS).isoformat() == "2026-05-10T00:00:00+02:00"


def test_a_refund_takes_back_the_days_its_order_granted_and_ends_what_it_takes_back_to_the_past() -> None:
    now = datetime(2026, 1, 10, tzinfo=UTC)
    held, first = memberships.grant({}, {"plus": 1}, now, PARIS)  # 10 January to 10 February: 31 days
    held, renewal = memberships.grant(held, {"plus": 2}, now, PARIS)  # to 10 April: 59 days more
    assert held == {"plus": "2026-04-10T00:00:00+02:00"} and (first[0].days, renewal[0].days) == (31, 59)
    back, _ = memberships.take_back(held, {"plus": renewal[0].days}, now, PARIS)
    assert back == {"plus": "2026-02-10T00:00:00+01:00"}  # where it ended before the renewal
    gone, changes = memberships.take_back(back, {"plus": first[0].days}, now, PARIS)
    assert gone == {} and changes[0].until is None
    # Two units refunded one at a time take back 29 then 30 of 59 days: together, exactly the grant.
    assert [memberships.days_back(59, 2, 0, 1), memberships.days_back(59, 2, 1, 2)] == [29, 30]


def test_the_daily_job_ends_memberships_whose_end_has_come_only() -> None:
    held = {"plus": "2026-04-10T00:00:00+02:00", "vip": "2026-04-11T00:00:00+02:00"}
    lasting, gone = memberships.ended(held, datetime(2026, 4, 9, 22, 30, tzinfo=UTC))  # 00:30 on 10 April
    assert lasting == {"vip": held["vip"]} and gone == ["plus"]


MEMBERSHIP = {"membership_id": "plus", "label": "Plus", "sku": "PLUS", "months": 1, "perks": []}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"memberships": [{**MEMBERSHIP, "tier": "Platinum"}]}, "a membership's tier must be one of"),
        ({"memberships": [MEMBERSHIP, {**MEMBERSHIP, "membership_id": "other"}]}, "must be unique"),
        (
            {
                "tiers": [
                    {
                        "name": "Bronze",
                        "threshold": 0,
                        "multiplier": 1,
                        "perks": [{"perk_id": "d", "kind": "discount_percent", "label": "Off"}],
                    }
                ]
            },
            "needs value from 1 to 100",
        ),
    ],
)
def test_engagement_settings_that_contradict_the_program_are_refused(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        program(**overrides)


def reward_put(**fields: Any) -> RewardPut:
    return RewardPut.model_validate({"name": "Preview", "kind": "voucher", "cost_points": 10, **fields})


def test_early_access_needs_available_from_and_starts_before_it() -> None:
    early = [{"tier": "Gold", "from": "2026-06-01T00:00:00Z"}]
    assert reward_put(available_from="2026-06-10T00:00:00Z", early_access=early).early_access is not None
    with pytest.raises(ValidationError, match="early_access needs available_from"):
        reward_put(early_access=early)
    with pytest.raises(ValidationError, match="early_access needs available_from"):
        reward_put(available_from="2026-05-10T00:00:00Z", early_access=early)
