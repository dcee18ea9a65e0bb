"""The portions a redemption took are stored packed in one string; a cancellation gives back exactly
what was taken, so the packing must give back every portion, value and point unchanged."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from loyalty.domain.valuation import Portion, canonical
from loyalty.store.redemptions import pack_portions, unpack_portions

days = st.dates(min_value=date(2026, 1, 1), max_value=date(2036, 12, 31)).map(date.isoformat)
values = st.decimals(min_value=Decimal(0), max_value=Decimal(1000), places=6, allow_nan=False).map(canonical)
portions = st.builds(Portion, days, st.sampled_from(["sale", "other"]), values)


@given(st.dictionaries(portions, st.integers(min_value=1, max_value=10**9), min_size=1, max_size=60))
def test_packed_portions_come_back_unchanged(taken: dict[Portion, int]) -> None:
    assert unpack_portions(pack_portions(taken)) == taken


def test_a_years_daily_takes_pack_into_a_few_kilobytes() -> None:
    start = date(2027, 1, 1)
    taken = {Portion((start + timedelta(days=n)).isoformat(), "sale", Decimal("0.5")): 30 for n in range(365)}
    packed = pack_portions(taken)
    assert len(packed.encode()) < 4500, len(packed)
    assert packed.startswith("2027-01:01s0.5*30,02s0.5*30")
