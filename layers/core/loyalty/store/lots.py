"""Lot items: a member's available points grouped by the month they expire in, one attribute per day.

``PROFILE#LOT#2027-05`` with ``d01 = 120, d17 = 40`` holds 120 points that expire at the end of
2027-05-01 and 40 that expire at the end of 2027-05-17. Expiry keeps its day precision, while any
operation on a member touches at most one item per expiry month: a member who has shopped every day of
a year holds 13 lot items, each under 400 bytes, and a redemption of its whole balance fits one
transaction. Points that never expire sit on day 31 of ``9999-12``.

Each day's points are also held in portions valued at issue (``p17s0.5 = 30``: 30 of day 17's points
came from a sale when a point was worth 0.5 minor units; ``o`` for other sources), so a report values
any movement at the points' issue value (loyalty.domain.valuation). ``dNN`` stays the day's total, what
every condition guards.

Every write to lots goes with a write to the member item in the same transaction (which bumps its
version), so a writer that read the lots at a version knows them exactly. Taking points is still
conditioned on the lot holding them, which no interleaving of reads can fool.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from loyalty.domain.valuation import Portion
from loyalty.store import keys
from loyalty.store.client import Item, table_name, to_item, to_value
from loyalty.store.transactions import TxItem


def month_of(day: str) -> str:
    return day[:7]


def attribute(day: str) -> str:
    return f"d{day[8:10]}"


def days_of(item: Item) -> dict[str, int]:
    """The points of a lot item by expiry day (YYYY-MM-DD)."""
    month = keys.month_of_lot(str(item["SK"]))
    return {
        f"{month}-{name[1:]}": int(value)
        for name, value in item.items()
        if len(name) == 3 and name[0] == "d" and name[1:].isdigit() and int(value) > 0
    }


def portion_attribute(portion: Portion) -> str:
    return f"p{portion.day[8:10]}{'s' if portion.source == 'sale' else 'o'}{portion.value}"


def portions_of(item: Item) -> dict[Portion, int]:
    """The valued portions of a lot item."""
    month = keys.month_of_lot(str(item["SK"]))
    held: dict[Portion, int] = {}
    for name, value in item.items():
        if len(name) > 4 and name[0] == "p" and name[1:3].isdigit() and name[3] in "so" and int(value) > 0:
            day = f"{month}-{name[1:3]}"
            held[Portion(day, "sale" if name[3] == "s" else "other", Decimal(name[4:]))] = int(value)
    return held


def _month_update(
    member_id: str,
    month: str,
    before: Mapping[str, int],
    deltas: Mapping[str, int],
    portions_before: Mapping[Portion, int],
    portion_deltas: Mapping[Portion, int],
) -> TxItem:
    """Add and take points of one month's days. Taking all of a day removes its attribute; taking all
    of the month deletes the item, so emptied months never clog the member's first lots."""
    after = {**before}
    for day, delta in deltas.items():
        after[day] = after.get(day, 0) + delta
    after = {day: points for day, points in after.items() if points != 0}
    key = to_item(keys.lot(member_id, month))
    values: dict[str, Any] = {}
    names: dict[str, str] = {}
    conditions: list[str] = []
    if not after:
        for i, (day, held) in enumerate(sorted(before.items())):
            names[f"#d{i}"] = attribute(day)
            values[f":held{i}"] = to_value(held)
            conditions.append(f"#d{i} = :held{i}")
        request = {"TableName": table_name(), "Key": key, "ConditionExpression": " AND ".join(conditions)}
        request.update(ExpressionAttributeNames=names, ExpressionAttributeValues=values)
        return TxItem("lot", {"Delete": request})
    adds: list[str] = []
    removes: list[str] = []
    for i, (day, delta) in enumerate(sorted(deltas.items())):
        names[f"#d{i}"] = attribute(day)
        held = before.get(day, 0)
        if delta < 0:
            values[f":need{i}"] = to_value(-delta)
            conditions.append(f"#d{i} >= :need{i}")
        if held + delta == 0 and held > 0:
            removes.append(f"#d{i}")
        else:
            values[f":delta{i}"] = to_value(delta)
            adds.append(f"#d{i} :delta{i}")
    _portion_parts(portions_before, portion_deltas, names, values, adds, removes)
    expression = " ".join(
        part
        for part in ("ADD " + ", ".join(adds) if adds else "", "REMOVE " + ", ".join(removes) if removes else "")
        if part
    )
    request = {
        "TableName": table_name(),
        "Key": key,
        "UpdateExpression": expression,
        "ExpressionAttributeNames": names,
    }
    if values:
        request["ExpressionAttributeValues"] = values
    if conditions:
        request["ConditionExpression"] = " AND ".join(conditions)
    return TxItem("lot", {"Update": request})


def _portion_parts(
    portions_before: Mapping[Portion, int],
    portion_deltas: Mapping[Portion, int],
    names: dict[str, str],
    values: dict[str, Any],
    adds: list[str],
    removes: list[str],
) -> None:
    """The portions' part of a month's update: ADD what moves, REMOVE what it empties."""
    for i, (portion, delta) in enumerate(sorted(portion_deltas.items())):
        if delta == 0:
            continue
        names[f"#p{i}"] = portion_attribute(portion)
        if portions_before.get(portion, 0) + delta == 0:
            removes.append(f"#p{i}")
        else:
            values[f":pdelta{i}"] = to_value(delta)
            adds.append(f"#p{i} :pdelta{i}")


def writes(
    member_id: str,
    before: Mapping[str, int],
    deltas: Mapping[str, int],
    portions_before: Mapping[Portion, int] | None = None,
    portion_deltas: Mapping[Portion, int] | None = None,
) -> list[TxItem]:
    """The transaction items that apply ``deltas`` (day -> signed points) to the member's lots, one per
    month touched, with the valued portions that make them up (``portion_deltas``, signed; they add up
    to ``deltas`` day by day). ``before`` (and ``portions_before``) hold what was read of the months
    being taken from (a month only added to need not have been read: ADD creates the item)."""
    by_month: dict[str, dict[str, int]] = defaultdict(dict)
    for day, delta in deltas.items():
        if delta:
            by_month[month_of(day)][day] = delta
    held: dict[str, dict[str, int]] = defaultdict(dict)
    for day, points in before.items():
        held[month_of(day)][day] = points
    portions_held: dict[str, dict[Portion, int]] = defaultdict(dict)
    for portion, points in (portions_before or {}).items():
        portions_held[portion.month][portion] = points
    portions_moved: dict[str, dict[Portion, int]] = defaultdict(dict)
    for portion, points in (portion_deltas or {}).items():
        portions_moved[portion.month][portion] = points
    return [
        _month_update(
            member_id,
            month,
            held.get(month, {}),
            month_deltas,
            portions_held.get(month, {}),
            portions_moved.get(month, {}),
        )
        for month, month_deltas in sorted(by_month.items())
    ]
