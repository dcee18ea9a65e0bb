"""A member's activity: ledger entries, newest first, one Query per page."""

from __future__ import annotations

from loyalty.domain.errors import InvalidInput, MemberNotFound
from loyalty.models.common import Page
from loyalty.models.entry import Entry
from loyalty.services import program as programs
from loyalty.services.views import activity_view
from loyalty.store import activity, member_reads


def page(member_id: str, limit: int, cursor: str | None) -> Page[Entry]:
    programs.current()
    try:
        items, next_cursor = activity.page(member_id, limit, cursor)
    except ValueError as error:
        raise InvalidInput("The cursor is not one this API gave out for this member.", ["query", "cursor"]) from error
    # An empty first page is the one case where the member's existence is in doubt: check it then
    # (one more read), never on the pages that have entries.
    if not items and cursor is None and member_reads.read(member_id, "none") is None:
        raise MemberNotFound(f"No member '{member_id}'.")
    return Page[Entry](items=[activity_view(item) for item in items], next_cursor=next_cursor)
