"""Taking over a provisional member: what moves from it to the member who owns its email (pure).

A member that a platform's checkout enrolled is provisional: the shop never proved that the shopper owns
the address. When the owner enrolls with it, everything the provisional member holds moves to the new
member, unchanged: available points on their own expiry days (and their valued portions, so the
accounts see the same points at the same issue value), pending points (their orders mature into the new
member), debt, lifetime and qualifying points, tier. The provisional member keeps its history and holds
nothing; the two ``merge`` entries carry the net it held (available + pending - debt), minus on one side
and plus on the other, so each ledger still adds up to its balance.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from loyalty.domain.balances import Balances


@dataclass(frozen=True)
class MergePlan:
    taker: Balances  # what the member taking over holds after (it is new: nothing before)
    left: Balances  # what the provisional member holds after: nothing
    lots: Mapping[str, int]  # expiry day -> points that move, taken from one and given to the other
    entry_points: int  # the net the merge entries carry: + on the taker, - on the provisional member
    tier_review: date | None  # the taker's next tier review: the sooner of the two members' (a lower bound)


class Unbalanced(ValueError):
    """The provisional member's lots do not add up to its available points: nothing is moved."""


def plan(held: Balances, lots: Mapping[str, int], held_review: date | None, fresh_review: date | None) -> MergePlan:
    moved = {day: points for day, points in lots.items() if points > 0}
    if sum(moved.values()) != held.available or any(points < 0 for points in lots.values()):
        raise Unbalanced(f"lots hold {sum(moved.values())} points, the member {held.available} available")
    reviews = [day for day in (held_review, fresh_review) if day is not None]
    return MergePlan(
        taker=held,
        left=Balances(),
        lots=moved,
        entry_points=held.available + held.pending - held.debt,
        tier_review=min(reviews) if reviews else None,
    )
