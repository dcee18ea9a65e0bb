"""Lots held on the member item itself: where a program with month expiry keeps the points an accrual
brings, so that the accrual writes the order and the member and nothing else.

With ``expiry_granularity: month`` every point earned in a month expires on one day (that month + N's
last day), so a member has at most one lot per expiry month, ``expiry_months + 1`` of them at most: few
enough to sit on the member item, packed (``ml``, binary), at about 6 bytes a portion. A lot item
(``PROFILE#LOT#<month>``, loyalty.store.lots) would cost the accrual 2 write units more; the member item
is written by every change of the balance anyway.

Where a day's points are held is storage only: a day may be held partly here and partly on its lot item
(points given back by a cancel, points maturing, lots of a program that changed granularity), reads add
the two, a take takes from the member item first and the rest from the lot item (whose conditions guard
it), and only the writes that ask for it (``hold``: an accrual on a month program) add here; every other
write adds to the lot items as before. The member item's version condition guards what is held here: a
writer that read it at a version writes it back only at that version.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from loyalty.domain.valuation import Portion
from loyalty.store import keys, lots

ATTRIBUTE = "ml"
EPOCH = date(2000, 1, 1)


def _varint(value: int, out: bytearray) -> None:
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return


def _read_varint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, at


def pack(held: Mapping[Portion, int]) -> bytes:
    """Portions as bytes: the distinct point values first (count, then each as its text's length and
    text), then per portion its expiry day (days since 2000-01-01), its value's index doubled plus 1 for
    a sale, and its points, each a varint. Days and values are few; a year of month lots is ~80 bytes."""
    kept = {portion: points for portion, points in sorted(held.items()) if points > 0}
    if not kept:
        return b""  # nothing held: no attribute at all
    values = sorted({str(portion.value) for portion in kept})
    out = bytearray()
    _varint(len(values), out)
    for text in values:
        _varint(len(text), out)
        out += text.encode("ascii")
    for portion, points in kept.items():
        _varint((date.fromisoformat(portion.day) - EPOCH).days, out)
        _varint(2 * values.index(str(portion.value)) + (portion.source == "sale"), out)
        _varint(points, out)
    return bytes(out)


def unpack(data: object) -> dict[Portion, int]:
    if not isinstance(data, bytes | bytearray) or not data:
        return {}
    data = bytes(data)
    count, at = _read_varint(data, 0)
    values = []
    for _ in range(count):
        length, at = _read_varint(data, at)
        values.append(Decimal(data[at : at + length].decode("ascii")))
        at += length
    held: dict[Portion, int] = {}
    while at < len(data):
        days, at = _read_varint(data, at)
        code, at = _read_varint(data, at)
        points, at = _read_varint(data, at)
        day = date.fromordinal(EPOCH.toordinal() + days).isoformat()
        held[Portion(day, "sale" if code & 1 else "other", values[code >> 1])] = points
    return held


def month_end(day: str) -> bool:
    """Month lots only: a day program's points keep their lot items, so this item stays bounded."""
    return (date.fromisoformat(day) + timedelta(days=1)).day == 1


def days(held: Mapping[Portion, int]) -> dict[str, int]:
    """Points by expiry day."""
    by_day: dict[str, int] = defaultdict(int)
    for portion, points in held.items():
        by_day[portion.day] += points
    return {day: points for day, points in by_day.items() if points}


@dataclass(frozen=True)
class Split:
    """A change's valued deltas divided between the member item and the lot items."""

    profile: dict[Portion, int]  # what the member item holds after the change
    item_days_before: dict[str, int]  # what the lot items held of the days read (the member item's part out)
    item_portions_before: dict[Portion, int]
    item_day_deltas: dict[str, int]  # what the lot items add (positive) or give (negative), by day
    item_portion_deltas: dict[Portion, int]


def split(
    held: Mapping[Portion, int],
    days_before: Mapping[str, int],
    portions_before: Mapping[Portion, int],
    day_deltas: Mapping[str, int],
    portion_deltas: Mapping[Portion, int],
    *,
    hold: bool,
) -> Split:
    """Divide a change between the member item (``held``) and the lot items. ``days_before`` and
    ``portions_before`` are what the member read showed (both places added); takes come from the member
    item first; additions go to it only when ``hold`` (else to the lot items, as before)."""
    profile = {portion: points for portion, points in held.items() if points > 0}
    on_profile_by_day = days(profile)
    item_portions_before = _minus(portions_before, profile)
    item_days_before = {
        day: points - on_profile_by_day.get(day, 0)
        for day, points in days_before.items()
        if points - on_profile_by_day.get(day, 0) > 0
    }
    item_portion_deltas: dict[Portion, int] = {}
    profile_day_deltas: dict[str, int] = defaultdict(int)
    for portion, delta in portion_deltas.items():
        if delta < 0:
            here = min(profile.get(portion, 0), -delta)
            rest = -delta - here
        else:
            here = -delta if hold and month_end(portion.day) else 0  # a negative take: added here
            rest = -delta - here
        if here:
            profile[portion] = profile.get(portion, 0) - here
            profile_day_deltas[portion.day] -= here
            if not profile[portion]:
                del profile[portion]
        if rest:
            item_portion_deltas[portion] = -rest
    item_day_deltas = {
        day: delta - profile_day_deltas.get(day, 0)
        for day, delta in day_deltas.items()
        if delta - profile_day_deltas.get(day, 0)
    }
    return Split(profile, item_days_before, item_portions_before, item_day_deltas, item_portion_deltas)


def _minus(whole: Mapping[Portion, int], part: Mapping[Portion, int]) -> dict[Portion, int]:
    return {
        portion: points - part.get(portion, 0) for portion, points in whole.items() if points - part.get(portion, 0) > 0
    }


def as_lot_items(member_id: str, held: Mapping[Portion, int]) -> list[dict[str, object]]:
    """The member item's lots as the lot items they stand for (one per month, ``dNN`` and ``pNN...``
    attributes): what a reader of the table's items (the audit) checks like any lot item."""
    by_month: dict[str, dict[str, object]] = {}
    for portion, points in sorted(held.items()):
        if points <= 0:
            continue
        item = by_month.setdefault(portion.month, dict(keys.lot(member_id, portion.month)))
        day = lots.attribute(portion.day)
        item[day] = int(str(item.get(day, 0))) + points
        item[lots.portion_attribute(portion)] = points
    return list(by_month.values())
