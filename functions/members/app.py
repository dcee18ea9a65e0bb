"""Member routes: enroll, read, update, activity, events, referrals, challenges. Parsing and shaping only."""

from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.metrics import MetricUnit

from loyalty.entrypoints import lazy
from loyalty.entrypoints.handlers import api, http_handler
from loyalty.entrypoints.observability import metrics
from loyalty.entrypoints.params import ClientIdPath, Cursor, Limit
from loyalty.entrypoints.routes import acting_key, answered, body_doc, created_doc
from loyalty.models.challenges import ChallengeProgress
from loyalty.models.common import Page
from loyalty.models.entry import Entry
from loyalty.models.member import EnrollRequest, Member, MemberPatch, MemberReferrals
from loyalty.models.member_event import MemberEventRequest, MemberEventResult

if TYPE_CHECKING:
    from loyalty.services import activity, challenges, member_events, members, referrals
else:  # imported on first use: see loyalty.entrypoints.lazy
    activity = lazy.module("loyalty.services.activity")
    challenges = lazy.module("loyalty.services.challenges")
    member_events = lazy.module("loyalty.services.member_events")
    members = lazy.module("loyalty.services.members")
    referrals = lazy.module("loyalty.services.referrals")

app = api(tags=["members"])


@app.post("/v1/members", summary="Enroll a member", responses=created_doc("Enrolled", Member))
def enroll(body: Annotated[EnrollRequest, Body()]) -> Response[Member]:
    member, created = members.enroll(body, acting_key(app))
    metrics.add_metric(name="MembersEnrolled" if created else "EnrollmentReplays", unit=MetricUnit.Count, value=1)
    return answered(member, created, f"/v1/members/{member.member_id}")


@app.get("/v1/members/<member_id>", summary="Read a member")
def get_member(member_id: ClientIdPath) -> Member:
    return members.get(member_id)


@app.patch("/v1/members/<member_id>", summary="Update a member's profile")
def patch_member(member_id: ClientIdPath, body: Annotated[MemberPatch, Body()]) -> Member:
    return members.update(member_id, body, acting_key(app))


@app.get("/v1/members/<member_id>/activity", summary="A member's ledger, newest first")
def get_activity(member_id: ClientIdPath, limit: Limit = 25, cursor: Cursor = None) -> Page[Entry]:
    return activity.page(member_id, limit, cursor)


@app.get("/v1/members/<member_id>/challenges", summary="A member's progress in the program's challenges")
def get_challenges(member_id: ClientIdPath) -> Page[ChallengeProgress]:
    return challenges.page(member_id)


@app.get(
    "/v1/members/<member_id>/referrals",
    summary="A member's referral code, its completed and pending referrals and the next milestone",
)
def get_referrals(member_id: ClientIdPath) -> MemberReferrals:
    return referrals.view(member_id)


@app.post(
    "/v1/members/<member_id>/events",
    summary="Record a member event (a review, a survey, a birthday) and credit its rule's points",
    responses=body_doc(201, "Recorded", MemberEventResult),
)
def post_event(member_id: ClientIdPath, body: Annotated[MemberEventRequest, Body()]) -> tuple[MemberEventResult, int]:
    result, created = member_events.record(member_id, body, acting_key(app))
    if created:
        metrics.add_metric(
            name="MemberEventsLimited" if result.limited else "MemberEventsCredited", unit=MetricUnit.Count, value=1
        )
    return result, 201 if created else 200


handler = http_handler(app)
