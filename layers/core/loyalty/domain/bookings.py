"""What a change of a member books in the accounts: the valued portions its points move and the tier
counters it moves. Pure: the write loop (loyalty.store.write_loop) asks this module and hands the answer
to the unit of work, which only writes it.

Read off what the change decided (its lot deltas, the member's tier and status before and after) rather
than told by each use case, so that no write which moves points or changes a tier (or erases a member:
it leaves its tier's count) can forget its booking.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from loyalty.domain import accounting, stream_books, valuation
from loyalty.domain.valuation import Kind, Movement, Portion, Source


@dataclass(frozen=True)
class Booking:
    """How a change enters the accounts (loyalty.store.accounting): its movement kind and booking day
    (the program's local day of the write). Points added to lots are valued at ``value`` (the program's
    point value now) and ``source``, unless ``portions`` gives the exact valued portions (signed) the
    change moves (a cancelled redemption gives back what it took); points taken come from the portions
    read (the change's ``portions_before``). ``counters`` are KPI counters of the same day."""

    kind: Kind | None
    day: str
    value: Decimal = Decimal(0)
    source: Source = "other"
    portions: Mapping[Portion, int] | None = None
    counters: Mapping[str, int | Decimal] = field(default_factory=dict)
    # Points among ``lot_deltas`` (expiry day -> points) issued as ``issued_other`` beside the change's
    # own kind: a challenge's reward credited with the order that completed it (the same transaction).
    other: Mapping[str, int] = field(default_factory=dict)


def issued_other(day: str, value: Decimal) -> Booking:
    """Points given for something other than a sale (a member event, a referral's reward, a signup),
    valued at the program's point value now (``value``)."""
    return Booking("issued_other", day, value=value, source="other")


@dataclass(frozen=True)
class Books:
    """What one change writes to the accounts: the valued portions its lots move (signed), the day's
    movement they make (None: none), and the counters of that day (KPIs and tier moves)."""

    valued: Mapping[Portion, int]
    day: str | None = None
    movement: Movement | None = None
    counters: Mapping[str, int | Decimal] = field(default_factory=dict)

    @property
    def touches_day(self) -> bool:
        return self.day is not None and bool(self.valued or self.counters)


def counted_tier(status: str, tier: str) -> str | None:
    """The tier a member counts in: only active members count."""
    return tier if status == "active" else None


def valued_deltas(
    booking: Booking | None, lot_deltas: Mapping[str, int], portions_before: Mapping[Portion, int]
) -> dict[Portion, int]:
    """The valued portions a change moves (signed): what it adds at the booking's value and source,
    what it takes from the portions read (loyalty.domain.valuation.take), or the booking's own."""
    deltas = {day: delta for day, delta in lot_deltas.items() if delta}
    if not deltas:
        return {}
    if booking is None:
        raise ValueError("a change of lots needs its booking")
    if booking.portions is not None:
        return {portion: points for portion, points in booking.portions.items() if points}
    takes = {day: -delta for day, delta in deltas.items() if delta < 0}
    taken = valuation.take(portions_before, takes)
    added = valuation.credit(deltas, booking.source, booking.value)
    return valuation.merge([added, {portion: -points for portion, points in taken.items()}])


def books(
    booking: Booking | None,
    lot_deltas: Mapping[str, int],
    portions_before: Mapping[Portion, int],
    tier_before: str | None,
    tier_after: str | None,
) -> Books:
    """Everything a change books: its valued portions, the day's movement and counters (its KPI counters
    and the tier counters ``tier_before`` -> ``tier_after``, as ``counted_tier`` gives them)."""
    other = dict(booking.other) if booking is not None else {}
    own = {day: delta - other.get(day, 0) for day, delta in lot_deltas.items()}
    valued = valued_deltas(booking, own, portions_before)
    moves = accounting.tier_moves(tier_before, tier_after)
    if moves and booking is None:
        raise ValueError("a change of tier (or an erasure) needs its booking: the tier counts move with it")
    if booking is None:
        return Books(valued)
    movement = valuation.movement(booking.kind, valued) if valued and booking.kind is not None else None
    counters: dict[str, int | Decimal] = {**booking.counters, **moves}
    if other_valued := valuation.credit(other, "other", booking.value):
        # The other kind's adds go with the counters (the day item adds them up attribute by attribute).
        also = stream_books.adds(valuation.movement("issued_other", other_valued))
        counters = stream_books.total([counters, also])
        valued = valuation.merge([valued, other_valued])
    return Books(valued, booking.day, movement, counters)
