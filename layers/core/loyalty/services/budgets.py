"""Campaign budgets in shares (loyalty.domain.budget_shares), as the accrual, the refund and a change of
the program use them: what an order may expect and what it takes from which share, what a refund gives
back, and the split of a budget when the program is stored."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from loyalty.domain import budget_shares
from loyalty.domain.earning import Bonus
from loyalty.models.program import Campaign, Program
from loyalty.store import campaigns as campaign_store
from loyalty.store import write_loop
from loyalty.store.orders import OrderRecord
from loyalty.store.transactions import TxItem
from loyalty.store.write_loop import Done, Prepared

type Known = Mapping[str, Mapping[int, int]]  # campaign id -> share -> what it was seen to hold


def budgeted(program: Program) -> dict[str, Campaign]:
    return {c.campaign_id: c for c in program.campaigns if c.budget_points is not None}


def share_count(campaign: Campaign) -> int:
    return budget_shares.shares_for(campaign.budget_points or 0, campaign.bonus_points or 1)


def _order_of(campaign: Campaign, order_id: str) -> list[int]:
    return budget_shares.preference(order_id, share_count(campaign))


def left_for(program: Program, order_id: str, known: Known) -> dict[str, int]:
    """Bonus points the order may expect of each campaign with a budget, as far as it knows (all of its
    bonus until a share's condition says otherwise)."""
    return {
        cid: budget_shares.available(c.bonus_points or 0, _order_of(c, order_id), known.get(cid, {}))
        for cid, c in budgeted(program).items()
    }


def takes(program: Program, order_id: str, bonuses: Sequence[Bonus], known: Known) -> dict[str, dict[int, int]]:
    """What the order takes from which share of each budgeted campaign it gets a bonus from."""
    campaigns = budgeted(program)
    return {
        b.campaign_id: budget_shares.take(
            b.points, _order_of(campaigns[b.campaign_id], order_id), known.get(b.campaign_id, {})
        )
        for b in bonuses
        if b.campaign_id in campaigns and b.points > 0
    }


def shares_text(taken: Mapping[int, int] | None) -> dict[str, int] | None:
    """The shares a bonus came from as the order item keeps them (a map's keys are text)."""
    return {str(share): points for share, points in sorted(taken.items())} if taken else None


def take_items(taken: Mapping[str, Mapping[int, int]]) -> list[TxItem]:
    return [
        campaign_store.share_take(cid, share, points)
        for cid, shares in taken.items()
        for share, points in sorted(shares.items())
    ]


def returns(order: OrderRecord) -> list[TxItem]:
    """What a refund that takes the order's bonuses back gives back, to the shares they came from (an
    order from before the split recorded none: its bonus stays given, as it always did)."""
    return [
        campaign_store.share_return(b.campaign_id, int(share), points)
        for b in order.bonuses
        for share, points in sorted((b.shares or {}).items())
        if points > 0
    ]


def split(program: Program) -> None:
    """Split each budget of ``program`` over its shares, before the program is stored: a new budget is
    spread, a changed one re-split with what each share spent kept (loyalty.domain.budget_shares.resplit);
    a budget already split as the program says is left as it is. Orders racing the change only make it
    read again."""
    for campaign in budgeted(program).values():
        _split(campaign)


def _split(campaign: Campaign) -> None:
    budget, count = campaign.budget_points or 0, share_count(campaign)
    campaign_id = campaign.campaign_id

    def plan(read: tuple[dict[int, budget_shares.Share], int]) -> Prepared[None, None] | Done[None]:
        shares, legacy = read
        if _holds(budget, count, shares, legacy):
            return Done(None)
        after = budget_shares.resplit(budget, count, shares, legacy)
        return Prepared(campaign_store.resplit_items(campaign_id, shares, after), None)

    write_loop.write(
        lambda _: campaign_store.shares(campaign_id),
        plan,
        budget=write_loop.STOCKED,
        contended=f"The budget of campaign '{campaign_id}' could not be split while orders raced it; retry.",
    )
    campaign_store.forget(campaign_id)


def _holds(budget: int, count: int, shares: Mapping[int, budget_shares.Share], legacy: int) -> bool:
    """The shares already hold ``budget`` split in ``count``: each of the first ``count`` exists, none
    beyond them has anything left, and the lefts and spents add up to the budget."""
    total = legacy + sum(s.spent + s.left for s in shares.values())
    return (
        total == budget
        and all(i in shares for i in range(count))
        and all(s.left <= 0 for i, s in shares.items() if i >= count)
    )
