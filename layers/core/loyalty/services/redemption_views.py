"""The contract's views of a redemption (its voucher, beside its member) and the reads that show them: a
member's vouchers, newest first, and a voucher by the code a shopper types."""

from __future__ import annotations

from datetime import datetime

from loyalty.adapters import clock
from loyalty.domain.errors import InvalidInput, MemberNotFound, RedemptionNotFound
from loyalty.models.common import Page
from loyalty.models.member import Member
from loyalty.models.program import Program
from loyalty.models.reward import Redemption
from loyalty.services import program as programs
from loyalty.services.views import state_view
from loyalty.store import activity as activity_store
from loyalty.store import member_reads
from loyalty.store import redemptions as redemption_store
from loyalty.store.redemptions import RedemptionRecord


def redemption_view(record: RedemptionRecord, member: Member) -> Redemption:
    return Redemption.model_validate(
        {
            "redemption_id": record.redemption_id,
            "reward_id": record.reward_id,
            "member_id": record.member_id,
            "code": record.code,
            "points_spent": record.points_spent,
            "status": record.status,
            "issued_at": record.issued_at,
            "member": member,
        }
    )


def with_member(record: RedemptionRecord, member: Member) -> Redemption:
    """A redemption beside a member view already made (an export shows many with one member)."""
    return redemption_view(record, member)


def view(record: RedemptionRecord, program: Program, now: datetime | None = None) -> Redemption:
    state = member_reads.read(record.member_id)
    if state is None:
        raise RedemptionNotFound(f"No redemption '{record.redemption_id}'.")
    return redemption_view(record, state_view(state, program, now or clock.now()))


def for_member(member_id: str, limit: int, cursor: str | None) -> Page[Redemption]:
    """The member's vouchers, newest first (GET /v1/members/{member_id}/redemptions)."""
    program = programs.current()
    try:
        start = activity_store.decode_cursor(cursor, member_id) if cursor else None
    except ValueError as error:
        raise InvalidInput("The cursor is not one this API gave out for this member.", ["query", "cursor"]) from error
    records, last = redemption_store.for_member(member_id, limit, start)
    state = member_reads.read(member_id)
    if state is None:
        raise MemberNotFound(f"No member '{member_id}'.")
    member = state_view(state, program, clock.now())
    return Page[Redemption](
        items=[redemption_view(record, member) for record in records],
        next_cursor=activity_store.encode_cursor(last) if last else None,
    )


def by_code(typed: str) -> Redemption:
    """A voucher as a shopper types it at checkout: any case, spaces and dashes ignored."""
    program = programs.current()
    code = redemption_store.normalized(typed)
    record = redemption_store.by_code(code) if code else None
    if record is None:
        raise RedemptionNotFound("No voucher with this code.")
    return view(record, program)
