"""Accounting and program reports (admin): liability, the month roll-forward, KPIs."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from loyalty.models.common import Model


class ExpiryMonth(Model):
    month: str = Field(description="YYYY-MM; 9999-12 holds points that never expire.")
    points: int
    liability_minor: int


class Cohort(Model):
    month: str = Field(description="The cohort's expiry month (with a fixed expiry_months, its issue month + that).")
    redeemed_points: int
    expired_points: int


class BreakageInputs(Model):
    cohorts: list[Cohort] = Field(description="The latest matured cohorts (at most 12), newest first.")
    redeemed_points: int
    expired_points: int


class LiabilityReport(Model):
    currency: str
    as_of: date
    outstanding_points: int
    pending_points: int
    liability_minor: int = Field(description="The issued value of the outstanding points.")
    expected_breakage_rate: float
    breakage_method: Literal["program", "cohorts", "none"]
    deferred_revenue_minor: int = Field(
        description="liability_minor x (1 - expected_breakage_rate), rounded; with accounting.revenue_allocation "
        "relative_ssp, the revenue IFRS 15 allocates to the points by relative stand-alone selling prices, not yet "
        "recognised (docs/accounting.md)."
    )
    by_expiry_month: list[ExpiryMonth]
    breakage_inputs: BreakageInputs


class Line(Model):
    points: int
    money_minor: int


class RollForward(Model):
    currency: str
    month: str
    opening: Line
    issued_sales: Line
    issued_other: Line
    redeemed: Line
    redemptions_cancelled: Line
    reversed: Line
    expired: Line
    erased: Line
    closing: Line
    frozen: bool = Field(description="True once the month has ended: its figures no longer change.")


class TierMembers(Model):
    tier: str = Field(description="A tier's name.")
    members: int = Field(description="Members in the tier at the end of the range's last day (erased members in none).")


class Kpis(Model):
    currency: str
    from_: date = Field(alias="from", serialization_alias="from")
    to: date
    members_total: int
    members_new: int
    members_active: int
    orders: int
    revenue_minor: int
    average_order_value_minor: int
    purchase_frequency: float
    repeat_purchase_rate: float
    points_issued: int
    points_redeemed: int
    points_expired: int
    redemption_rate: float
    members_by_tier: list[TierMembers] = Field(
        description=(
            "Members per tier at the end of `to`: every tier of the program in its order (tiers with no "
            "members included), then any tier no longer in the program that still has members, by name."
        )
    )
