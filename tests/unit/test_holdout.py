"""The program's holdout, its pure rules: the settings as the API takes them, the draw at enrollment (the
same for every retry, the share it promises), what a holdout member is kept from, and where the earning
and the re-engagement emails ask."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from harness.programs import program_document
from loyalty.domain import holdout, reengagement
from loyalty.domain.earning import CampaignRule, Context, EarningRules, OrderLine, earn
from loyalty.models.holdout import HoldoutSettings
from loyalty.models.program import Program
from loyalty.store.member_record import MemberRecord

PLACED = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
CAMPAIGNS = (
    CampaignRule("double", datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC), multiplier=Decimal(2)),
    CampaignRule("launch", datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC), bonus_points=100),
)


def settings(percent: int = 20, *excludes: str) -> HoldoutSettings:
    return HoldoutSettings.model_validate({"percent": percent, **({"excludes": list(excludes)} if excludes else {})})


def test_the_settings_default_to_excluding_campaigns_and_reengagement_emails() -> None:
    assert HoldoutSettings.model_validate({"percent": 10}).excludes == ["campaigns", "reengagement_emails"]
    assert Program.model_validate(program_document()).holdout is None
    program = Program.model_validate(program_document(holdout={"percent": 50, "excludes": ["expiry_reminders"]}))
    assert program.holdout == HoldoutSettings(percent=50, excludes=["expiry_reminders"])
    assert HoldoutSettings.model_validate({"percent": 0, "excludes": []}).excludes == []


@pytest.mark.parametrize(
    ("document", "where"),
    [
        ({"percent": 51}, "percent"),
        ({"percent": -1}, "percent"),
        ({"percent": 12.5}, "percent"),
        ({"percent": "10"}, "percent"),
        ({}, "percent"),
        ({"percent": 10, "excludes": ["campaigns", "birthday_emails"]}, "excludes"),
        ({"percent": 10, "excludes": ["campaigns", "campaigns"]}, ""),
        ({"percent": 10, "treatment": 90}, "treatment"),
    ],
)
def test_settings_outside_the_contract_are_refused(document: dict[str, object], where: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Program.model_validate(program_document(holdout=document))
    assert any(where in ".".join(map(str, error["loc"])) for error in refused.value.errors())


def test_the_draw_depends_on_the_member_id_alone_so_a_retried_enrollment_draws_the_same() -> None:
    ids = [f"member-{n}" for n in range(200)]
    first = [holdout.drawn(member_id, settings(30)) for member_id in ids]
    assert first == [holdout.drawn(member_id, settings(30)) for member_id in ids]
    assert any(first) and not all(first)
    # A larger share keeps everyone who was in the smaller one (the slot is compared with a bound).
    assert all(holdout.drawn(m, settings(50)) for m, held in zip(ids, first, strict=True) if held)


def test_no_settings_or_0_percent_holds_nobody_out() -> None:
    ids = [f"member-{n}" for n in range(1_000)]
    assert not any(holdout.drawn(member_id, None) for member_id in ids)
    assert not any(holdout.drawn(member_id, settings(0)) for member_id in ids)


@pytest.mark.parametrize("percent", [1, 20, 50])
def test_10000_members_give_the_share_drawn_within_4_standard_deviations(percent: int) -> None:
    """Each draw is a Bernoulli trial of p = percent / 100 (SHA-256 spreads ids evenly), so the count held
    out among n ids is binomial: sd = sqrt(n p (1 - p)), 40 members at 20% of 10,000. Four sd (0.4
    points at 20%) are passed by chance once in 16,000 sets of ids; the ids are fixed, so the test is
    deterministic, and a draw that favoured a range of slots (a modulo bias, a hash of the wrong bytes)
    would be far outside it. Sequential ids, as shops number customers, are the hardest case for a hash."""
    n, p = 10_000, percent / 100
    held = sum(holdout.drawn(f"cust-{n_}", settings(percent)) for n_ in range(n))
    assert abs(held - n * p) <= 4 * math.sqrt(n * p * (1 - p)), held


def test_a_holdout_member_is_kept_from_what_the_program_excludes_only() -> None:
    excluded = settings(20, "campaigns", "expiry_reminders")
    assert holdout.withholds(excluded, True, "campaigns")
    assert holdout.withholds(excluded, True, "expiry_reminders")
    assert not holdout.withholds(excluded, True, "reengagement_emails")
    assert not holdout.withholds(excluded, False, "campaigns"), "treatment gets everything"
    assert not holdout.withholds(None, True, "campaigns"), "a holdout removed gives its members everything again"
    assert holdout.withholds(settings(0), True, "reengagement_emails"), "0% draws nobody new; the drawn stay held"


def test_a_holdout_member_earns_base_and_tier_points_and_no_campaign() -> None:
    lines = [OrderLine("A", "shoes", 2, 2_500), OrderLine("B", "electronics", 1, 1_000)]
    rules = EarningRules(
        points_per_unit=Decimal(1), category_multipliers={"electronics": Decimal(2)}, campaigns=CAMPAIGNS
    )
    gold = Context(PLACED, "Gold", Decimal("1.5"))
    treated = earn(lines, 0, rules, gold)
    held = earn(lines, 0, rules, Context(PLACED, "Gold", Decimal("1.5"), campaigns_withheld=True))
    # (50 + 10 x 2) x 1.5 = 105; the campaign doubles it and adds 100.
    assert (treated.points, [b.campaign_id for b in treated.bonuses]) == (2 * 105 + 100, ["launch"])
    assert (held.points, held.bonuses, held.benefited) == (105, [], frozenset())
    assert not [rule for line in held.lines for rule in line.rules if rule.startswith("campaign")]
    assert any(rule.startswith("campaign") for rule in treated.lines[0].rules)
    without_campaigns = EarningRules(points_per_unit=Decimal(1), category_multipliers={"electronics": Decimal(2)})
    assert held.points == earn(lines, 0, without_campaigns, gold).points


def test_a_holdout_member_takes_no_budget_and_uses_no_per_member_limit() -> None:
    limited = CampaignRule(
        "budget", CAMPAIGNS[0].starts_at, CAMPAIGNS[0].ends_at, bonus_points=50, budget_points=80, per_member_limit=1
    )
    rules = EarningRules(points_per_unit=Decimal(1), campaigns=[limited])
    context = Context(PLACED, "Bronze", Decimal(1), budget_left={"budget": 80}, campaigns_withheld=True)
    earned = earn([OrderLine("A", "shoes", 1, 1_000)], 0, rules, context)
    assert (earned.points, earned.bonuses, earned.benefited) == (10, [], frozenset())


def test_a_dormant_member_held_out_of_reengagement_emails_is_dropped_for_this_spell() -> None:
    def step(held_out: bool) -> reengagement.DormantStep:
        return reengagement.dormant_step(
            date(2027, 3, 1),
            date(2026, 11, 22),
            dormant_after_days=90,
            opted_in=True,
            available=500,
            min_points=100,
            last_email_on=None,
            cooldown_days=7,
            held_out=held_out,
        )

    assert step(False).action == "send"
    assert step(True).action == "drop"


def test_the_member_item_keeps_the_group_as_grp_h_and_treatment_as_nothing() -> None:
    item = {
        "PK": "MEMBER#m-1",
        "SK": "PROFILE",
        "enrolled_at": "2026-11-22T12:00:00Z",
        "last_activity_at": "2026-11-22T12:00:00Z",
        "referral_code": "ABC",
        "tier": "Bronze",
    }
    treatment = MemberRecord.from_item(item)
    assert treatment.holdout is False and "grp" not in treatment.to_item()
    held = MemberRecord.from_item({**item, "grp": "h"})
    assert held.holdout is True and held.to_item()["grp"] == "h"
