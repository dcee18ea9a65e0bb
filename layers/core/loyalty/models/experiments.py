"""Does the program pay? Non-members' orders, and the experiments and retention reports (v1.2)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from loyalty.models.common import ApiModel, ClientId, Int, Model, Rfc3339

# The program's gross margin on revenue (0..1): what a unit of revenue leaves once goods are paid for.
GrossMarginRate = Annotated[
    float,
    Field(ge=0, le=1, description="Gross margin on revenue, 0..1: prices the experiments report's incremental margin."),
]


class GuestOrderRequest(ApiModel):
    order_id: ClientId
    customer_ref: Annotated[
        str,
        Field(
            min_length=1,
            max_length=254,
            description="The shop's id or email of the buyer: only a keyed hash of it is stored.",
        ),
    ]
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="The program's currency (422 otherwise).")]
    placed_at: Rfc3339
    total_minor: Annotated[Int, Field(ge=0, le=10**12)]


class GuestOrder(Model):
    order_id: str
    currency: str
    placed_at: str
    total_minor: int


class GroupFigures(Model):
    customers: int = Field(description="Customers with an order, counted in each month they bought.")
    orders: int
    revenue_minor: int
    average_order_value_minor: int
    purchase_frequency: float = Field(description="Orders per customer per month.")
    repeat_purchase_rate: float = Field(description="Share of customers' months with two orders or more.")


class Groups(Model):
    members: GroupFigures
    non_members: GroupFigures
    treatment: GroupFigures
    holdout: GroupFigures


class Comparison(Model):
    name: Literal["members_vs_non_members", "treatment_vs_holdout"]
    metric: Literal["revenue_minor", "purchase_frequency", "repeat_purchase_rate", "average_order_value_minor"]
    lift: float | None = Field(description="(a - b) / b; null when b is 0 or a group is empty.")
    ci95_low: float | None
    ci95_high: float | None
    causal: bool


class ExperimentsReport(Model):
    currency: str
    from_: str = Field(alias="from", serialization_alias="from")
    to: str
    groups: Groups
    comparisons: list[Comparison]
    program_cost_minor: int = Field(description="The issued value of the points earned in the period.")
    incremental_margin_minor: int | None = Field(
        description="Treatment-vs-holdout revenue per customer x treatment customers x gross_margin_rate, less "
        "the treatment's program cost; null without a gross_margin_rate."
    )
    warnings: list[str]


class RetentionCohort(Model):
    cohort: str = Field(description="The enrollment month, YYYY-MM.")
    members: int
    active: list[float] = Field(
        description="Share of the cohort with an order in each month since enrollment (0: the enrollment month)."
    )


class RetentionReport(Model):
    from_: str = Field(alias="from", serialization_alias="from")
    to: str
    cohorts: list[RetentionCohort]
    churn_rate: float = Field(description="Share of members with no order within the program's dormancy window.")
    dormant_after_days: int
