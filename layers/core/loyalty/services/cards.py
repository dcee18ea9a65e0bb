"""Member cards: the code a point-of-sale scans or a cashier types (``GET /v1/cards/{card_code}``), and its
replacement when lost or leaked (``POST /v1/members/{member_id}/card``).

Every member gets its card on first need, the first time its ``/v1/me`` view is read (``code_for``), or
when one is asked for (``replace``), however it came (enrolled through the API, a platform's checkout
taking over a provisional member, a bulk import): the enrollment's transaction stays at the items it
must write (docs/performance.md, floors), no backfill job is needed, and a member nobody looks at costs
nothing. Erasure deletes the card (loyalty.services.privacy).
"""

from __future__ import annotations

from loyalty.adapters import clock, randomness
from loyalty.domain import cards
from loyalty.domain.cards import AlreadyReplaced, Card, Issue, NotThisMembers
from loyalty.domain.errors import Conflict, InvalidInput, MemberNotFound
from loyalty.models.common import rfc3339
from loyalty.models.me import CardReplace, MemberCard
from loyalty.models.member import Member
from loyalty.services import members
from loyalty.services.member_writes import active_state
from loyalty.store import cards as card_store
from loyalty.store import write_loop
from loyalty.store.unit_of_work import Refused
from loyalty.store.write_loop import Again, Done, Prepared, Step

# A clash of two random 59-bit codes is astronomically rare; a concurrent replacement of the same
# member's card less so: both are read again and retried (write_loop.MEMBER).


def new_code() -> str:
    return randomness.code(cards.CARD_LENGTH)


def view(card: Card) -> MemberCard:
    return MemberCard.model_validate({"member_id": card.member_id, "card_code": card.code, "issued_at": card.issued_at})


def code_for(member_id: str) -> str | None:
    """The member's card code, issuing its first card when it has none; None for a member that is not
    active (an erased or merged member gets no card)."""
    return write_loop.write(
        lambda _: card_store.current(member_id),
        lambda card: plan_first(card, member_id, new_code(), rfc3339(clock.now())),
        budget=write_loop.MEMBER,
        contended=f"The card of member '{member_id}' could not be issued; retry it.",
        refused=lambda _: None,  # not active: no card
    )


def plan_first(card: Card | None, member_id: str, code: str, at: str) -> Step[None, str | None]:
    """The card the member holds, or its first one (``code``, drawn for this round)."""
    if card is not None:
        return Done(card.code)
    issue = Issue(cards.first_card(member_id, code, at), None)
    return Prepared(card_store.issue_items(issue), issue.card.code, outcome=card_store.outcome)


def lookup(typed: str) -> Member:
    """GET /v1/cards/{card_code}: the member holding the code as a cashier typed it; 404 otherwise."""
    code = cards.normalise(typed)
    member_id = card_store.owner(code) if code is not None else None
    if member_id is None:
        raise MemberNotFound("No member holds this card.")
    return members.get(member_id)


def replace(member_id: str, request: CardReplace | None) -> tuple[MemberCard, bool]:
    """A new card for the member (the old one stops working): ``(card, True)`` when issued now,
    ``(card, False)`` when ``replaces`` names a card already replaced (a retry)."""
    replaces = None
    if request is not None and request.replaces is not None:
        replaces = cards.normalise(request.replaces)
        if replaces is None:
            raise InvalidInput("This is not a card code.", ["body", "replaces"])
    active_state(member_id, "none")  # 404, or 409 for an erased or merged member

    def inactive(_: Refused) -> Again:
        active_state(member_id, "none")  # erased or merged since: say which
        return Again()

    return write_loop.write(
        lambda _: card_store.current(member_id),
        lambda current: plan_replacement(current, replaces, member_id, new_code(), rfc3339(clock.now())),
        budget=write_loop.MEMBER,
        contended=f"The card of member '{member_id}' could not be replaced; retry it.",
        refused=inactive,
    )


def plan_replacement(
    current: Card | None, replaces: str | None, member_id: str, code: str, at: str
) -> Step[None, tuple[MemberCard, bool]]:
    """A new card (``code``) in place of the current one, or the answer a retry of a replacement gets."""
    plan = cards.plan_replacement(current, replaces, member_id, code, at)
    if isinstance(plan, AlreadyReplaced):
        return Done((view(plan.card), False))
    if isinstance(plan, NotThisMembers):
        # A well-formed code the member's card is not (nor was lately): the state is wrong, not the shape.
        raise Conflict("This is not the member's card, nor one it replaced lately.")
    return Prepared(card_store.issue_items(plan), (view(plan.card), True), outcome=card_store.outcome)
