"""One-click unsubscribe: a signed token per member, and the use case that clears marketing_opt_in.

Token: ``base64url(member_id) "." base64url(HMAC-SHA256(key, "unsubscribe:v1:" + member_id))``. It never
expires (an unsubscribe link must keep working for as long as the email may be read) and reveals
nothing but the member id, which the member already knows. The key is a random secret the platform made
for itself in the table (loyalty.store.secrets): not in code, not in the environment, never logged.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from datetime import datetime

from loyalty.adapters import clock
from loyalty.domain import calendar
from loyalty.domain.errors import NotFound
from loyalty.domain.events import Event
from loyalty.models.common import rfc3339
from loyalty.models.program import Program
from loyalty.services import members
from loyalty.services import program as programs
from loyalty.store import member_reads, member_updates, secrets, write_loop
from loyalty.store.member_reads import MemberState
from loyalty.store.member_record import ConsentRecord
from loyalty.store.write_loop import Done, Prepared

SIGNING_KEY_NAME = "unsubscribe"  # which secret item, not a secret itself
PURPOSE = b"unsubscribe:v1:"
MAX_TOKEN_LENGTH = 200


class UnsubscribeLinkInvalid(NotFound):
    code, title = "unsubscribe_link_invalid", "This unsubscribe link is not valid"


def _key() -> bytes:
    return secrets.cached(SIGNING_KEY_NAME)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(member_id: str) -> bytes:
    return hmac.new(_key(), PURPOSE + member_id.encode(), hashlib.sha256).digest()


def token_for(member_id: str) -> str:
    return f"{_b64(member_id.encode())}.{_b64(_signature(member_id))}"


def member_of(token: str) -> str | None:
    """The member a token was made for, or None if it was not made by us (or was altered)."""
    if len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
        return None
    encoded_id, encoded_mac = token.split(".")
    try:
        member_id = _unb64(encoded_id).decode()
        mac = _unb64(encoded_mac)
    except (binascii.Error, ValueError):
        return None
    return member_id if hmac.compare_digest(mac, _signature(member_id)) else None


def unsubscribe(token: str) -> str:
    """Clear the member's marketing_opt_in, recording that the link did it; the member id. Repeating it
    is harmless."""
    member_id = member_of(token)
    if member_id is None:
        raise UnsubscribeLinkInvalid("This unsubscribe link was not issued by this program.")
    program = programs.current()
    return write_loop.write(
        lambda _: member_reads.read(member_id, "none"),
        lambda state: plan(member_id, program, clock.now(), state),
        budget=write_loop.MEMBER,
        contended="The unsubscribe could not be recorded; use the link again.",
    )


def plan(member_id: str, program: Program, now: datetime, state: MemberState | None) -> Done[str] | Prepared[None, str]:
    """The member opted out, by the link (its consent recorded so); nothing when it is not opted in."""
    if state is None or not state.member.marketing_opt_in:
        return Done(member_id)  # nothing (left) to do
    member = state.member
    at = rfc3339(now)
    after = members.consent_changed(member, False, "unsubscribe_link", calendar.local_day(now, program.zone))
    consent = ConsentRecord(False, "unsubscribe_link", None, at, member.consent_seq)
    event = Event("member.updated", {"changed": ["marketing_opt_in"]})
    return Prepared(member_updates.profile_transaction(member, after, [event], at, consent), member_id)
