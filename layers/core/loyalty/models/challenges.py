"""Program challenges (v1.2, "Engagement beyond points") and their views: a member's progress and badges.

A program holds at most ``MAX_CHALLENGES`` challenges: a member's progress is kept on its own item for
every active one (loyalty.domain.challenges), so the bound on the program is the bound on that item.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, Field, model_validator

from loyalty.models.common import ApiModel, ClientId, Int, Model, Rfc3339, Timestamp

MAX_CHALLENGES = 10
Kind = Literal["orders", "spend_minor", "weekly_streak", "categories"]
# The largest goal of each kind: what a member's progress may have to hold (categories and weeks are kept
# one by one on the member item, so their goals are small; counts and money are one number per bucket).
MAX_GOAL: dict[str, int] = {"orders": 1000, "spend_minor": 10**12, "weekly_streak": 52, "categories": 20}


class Challenge(ApiModel):
    challenge_id: ClientId
    label: Annotated[str, Field(min_length=1, max_length=80)]
    kind: Kind = Field(
        description="orders: orders placed; spend_minor: their net amount; weekly_streak: consecutive weeks "
        "(Monday to Sunday in the program's timezone) with an order; categories: distinct categories bought."
    )
    goal: Annotated[
        Int, Field(ge=1, le=10**12, description="At most 1000 for orders, 52 for weekly_streak, 20 for categories.")
    ]
    window_days: Annotated[
        Int,
        Field(
            ge=1,
            le=366,
            description="Orders count while placed within the last window_days (a weekly_streak's window holds "
            "at least its goal in weeks).",
        ),
    ]
    reward_points: Annotated[Int, Field(ge=0, le=1_000_000_000, description="Credited once per completion.")]
    badge: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.:-]+$")] | None = None
    starts_at: Rfc3339 | None = None
    ends_at: Rfc3339 | None = None
    repeatable: bool = Field(default=False, description="Completed again after each completion (progress restarts).")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.goal > MAX_GOAL[self.kind]:
            raise ValueError(f"a {self.kind} challenge's goal is at most {MAX_GOAL[self.kind]}")
        if self.kind == "weekly_streak" and self.window_days < 7 * self.goal:
            raise ValueError("a weekly_streak's window_days must hold its goal in weeks (7 x goal)")
        if self.starts_at is not None and self.ends_at is not None and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self

    def open_at(self, moment: datetime) -> bool:
        """Whether an order placed at ``moment`` counts: start included, end excluded."""
        return (self.starts_at is None or self.starts_at <= moment) and (self.ends_at is None or moment < self.ends_at)


def _unique(challenges: list[Challenge]) -> list[Challenge]:
    ids = [c.challenge_id for c in challenges]
    if len(set(ids)) != len(ids):
        raise ValueError("challenge_id values must be unique")
    return challenges


Challenges = Annotated[
    list[Challenge],
    Field(max_length=MAX_CHALLENGES, description="At most 10; challenge ids unique."),
    AfterValidator(_unique),
]


class ChallengeProgress(Model):
    challenge_id: str
    label: str
    progress: int = Field(description="Counted toward the goal now (the open round of a repeatable).")
    goal: int
    completed_at: Timestamp | None = Field(description="When the member last completed it; null before.")
    ends_at: Timestamp | None


class Badge(Model):
    badge: str
    awarded_at: Timestamp = Field(description="When it was last awarded.")
    count: int = Field(description="Times awarded (a repeatable challenge's badge counts each completion).")
