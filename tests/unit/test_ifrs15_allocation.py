"""IFRS 15 relative stand-alone selling prices (``accounting.revenue_allocation: relative_ssp``) against the
published worked examples of a customer loyalty programme.

IFRS 15 Revenue from Contracts with Customers, Illustrative Examples, Example 52 "Customer loyalty
programme" (IE267-IE270): sales of CU100,000 earn 10,000 points worth CU1 each; 9,500 are expected to be
redeemed, so the points' stand-alone selling price is CU9,500 and CU8,676 of the price is allocated to
them (100,000 x 9,500 / 109,500). Year 1: 4,500 points redeemed, still 9,500 expected -> revenue CU4,110
(4,500 / 9,500 x 8,676). Year 2: 8,500 redeemed in all, 9,700 now expected -> cumulative CU7,603
(8,500 / 9,700 x 8,676), year-2 revenue CU3,493.

KPMG, Revenue - IFRS 15 handbook (2019), Example 10A "Customer loyalty points programme: Increase in
estimated redemptions" (citing IFRS 15.IE267-IE270), restates it with 97% expected: stand-alone price
9,700, and with the ratio rounded to 9%, 9,000 allocated; year 2 (4,500 redeemed) 4,175 = 9,000 x 4,500 /
9,700; year 3 (4,000 more, 9,900 expected) 3,552 = 9,000 x 8,500 / 9,900 - 4,175; Example 10B (9,200
expected instead) 4,140.
"""

from __future__ import annotations

from decimal import Decimal

from loyalty.domain import accounting as books

D = Decimal


def _rounded(value: Decimal) -> int:
    return books.minor(value)


def test_ifrs15_example_52_allocation_and_revenue_by_year() -> None:
    allocated = books.allocated_to_points(D(100_000), D(10_000) * D("0.95"))
    assert _rounded(allocated) == 8_676
    year_1 = books.recognised(allocated, D(4_500), D(9_500))
    assert _rounded(year_1) == 4_110
    cumulative = books.recognised(allocated, D(8_500), D(9_700))
    assert _rounded(cumulative) == 7_603
    assert _rounded(cumulative) - _rounded(year_1) == 3_493


def test_kpmg_example_10a_and_10b() -> None:
    allocated = D(9_000)  # the handbook rounds the ratio to 9% before allocating
    assert _rounded(books.allocated_to_points(D(100_000), D(9_700))) == 8_842  # unrounded, for the record
    year_2 = books.recognised(allocated, D(4_500), D(9_700))
    assert _rounded(year_2) == 4_175
    assert _rounded(books.recognised(allocated, D(8_500), D(9_900))) - _rounded(year_2) == 3_552
    assert _rounded(books.recognised(allocated, D(8_500), D(9_200))) - _rounded(year_2) == 4_140


def _day(
    revenue: int = 0, issued: int = 0, redeemed: int = 0, months: dict[str, tuple[int, Decimal]] | None = None
) -> books.Day:
    kinds = {"issued_sales": (issued, D(issued)), "redeemed": (redeemed, D(redeemed))}
    return books.Day(kinds, months or {}, {"revenue_m": D(revenue)} if revenue else {})


def test_the_books_give_example_52s_deferred_revenue() -> None:
    """Example 52 as the books see it: the year's sales and points booked, the program's breakage the
    share of the outstanding points never expected to be redeemed (5% of the points when issued; 500 of
    the 5,500 outstanding after year 1; 300 of the 1,500 after year 2)."""
    issued = books.roll(
        books.Balance(), [_day(100_000, 10_000, months={"9999-12": (10_000, D(10_000))})], "2026-12", D("0.05")
    )
    assert _rounded(issued.allocated) == 8_676
    assert _rounded(books.deferred_by_ssp(issued, D("0.05"))) == 8_676  # nothing redeemed yet
    year_1 = books.roll(
        issued, [_day(redeemed=4_500, months={"9999-12": (-4_500, D(-4_500))})], "2027-12", D(500) / D(5_500)
    )
    assert _rounded(year_1.allocated) == 8_676  # the allocation stays as made when the points were issued
    assert _rounded(books.deferred_by_ssp(year_1, D(500) / D(5_500))) == 8_676 - 4_110
    year_2 = books.roll(year_1, [_day(redeemed=4_000, months={"9999-12": (-4_000, D(-4_000))})], "2028-12", D("0.2"))
    assert _rounded(books.deferred_by_ssp(year_2, D("0.2"))) == 8_676 - 7_603
    # Face value, for contrast: the outstanding points' value less the breakage expected of them.
    assert _rounded(year_2.money * (1 - D("0.2"))) == 1_200
