"""Member cards for the counter: a random code per member (the widget shows it as a QR code), looked up
as a cashier types it, and replaced when lost or leaked.

A code is ``CARD_LENGTH`` characters of the voucher alphabet (no 0/O, 1/I/L, U: nothing a cashier
misreads), random, never derived from the member id. A lookup ignores case, spaces and dashes. One guard
item per code keeps codes unique (loyalty.store.cards); replacing a card writes the new guard, moves
the member's pointer and deletes the old guard in one transaction, planned here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

CARD_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CARD_LENGTH = 12  # 30^12: 58.9 bits of randomness
MIN_LENGTH, MAX_LENGTH = 10, 16  # what a lookup takes (the contract's range), so longer codes may come later
PREVIOUS_KEPT = 5  # replaced codes a member's card remembers, to answer a retried replacement
_TYPED_AWAY = re.compile(r"[\s-]+")
_CODE = re.compile(rf"[{CARD_ALPHABET}]{{{MIN_LENGTH},{MAX_LENGTH}}}")


def normalise(typed: str) -> str | None:
    """The code a cashier meant (upper case, spaces and dashes dropped), or None when it cannot be one."""
    code = _TYPED_AWAY.sub("", typed).upper()
    return code if _CODE.fullmatch(code) else None


@dataclass(frozen=True)
class Card:
    """A member's current card and the codes it replaced (newest first, at most PREVIOUS_KEPT)."""

    member_id: str
    code: str
    issued_at: str
    previous: tuple[str, ...] = ()


@dataclass(frozen=True)
class Issue:
    """Write ``card``: its guard is new; ``replaced`` (the code before, if any) stops working with it."""

    card: Card
    replaced: str | None


@dataclass(frozen=True)
class AlreadyReplaced:
    """The code the request wanted replaced was replaced already (a retry): the current card answers."""

    card: Card


@dataclass(frozen=True)
class NotThisMembers:
    """The code the request wanted replaced was never this member's (or too long ago to tell)."""


type Plan = Issue | AlreadyReplaced | NotThisMembers


def first_card(member_id: str, code: str, at: str) -> Card:
    return Card(member_id, code, at)


def plan_replacement(current: Card | None, replaces: str | None, member_id: str, new_code: str, at: str) -> Plan:
    """What ``POST /v1/members/{id}/card`` does. Without ``replaces`` a new card is issued every time (the
    member's cards before it stop working); with it, only when it names the current card, so a retried
    request answers the card its first attempt issued instead of issuing yet another."""
    if replaces is not None and current is not None and replaces != current.code:
        return AlreadyReplaced(current) if replaces in current.previous else NotThisMembers()
    if replaces is not None and current is None:
        return NotThisMembers()
    if current is None:
        return Issue(first_card(member_id, new_code, at), None)
    previous = (current.code, *current.previous)[:PREVIOUS_KEPT]
    return Issue(replace(current, code=new_code, issued_at=at, previous=previous), current.code)
