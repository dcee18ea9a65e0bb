"""Daily jobs: the scheduler's event, the jobs queue's messages, the unsubscribe answer."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, Field

from loyalty.models.common import ApiModel, Int, Model

JobName = Literal["mature", "expire", "tier_review", "remind_expiring", "remind_dormant", "fail_held"]


class ScheduledEvent(ApiModel):
    """What each schedule sends (its target Input): ``{"scheduled_time": "<aws.scheduler.scheduled-time>"}``.
    The job's "now" is this time, never the clock, so an old event replays its day exactly."""

    scheduled_time: AwareDatetime


class JobMessage(ApiModel):
    """One shard of a job's due index for the jobs worker, and where in it to resume."""

    job: JobName
    scheduled_time: AwareDatetime
    shard: Annotated[Int, Field(ge=0, le=255)]
    start: dict[str, Any] | None = Field(default=None, description="LastEvaluatedKey to resume from")


class Unsubscribed(Model):
    status: Literal["unsubscribed"] = "unsubscribed"
