"""Campaign budgets, held in shares (loyalty.domain.budget_shares): ``CAMPAIGN#<id>`` / ``BUDGET#<nn>``,
each with ``left`` (what it may still give) and ``spent`` (what it gave).

An accrual takes its bonus from its share in its own TransactWriteItems, on the condition that the share
holds what it takes. The shares live outside the member's partition, so the accrual's one Query cannot
read them; instead a failed condition returns the share as it was (ReturnValuesOnConditionCheckFailure),
and the accrual plans again with what it now knows: an order that meets a short share costs one more
round trip, every other order none. A refund that takes a bonus back gives it back to the share it came
from. What a campaign has given is one Query of its partition (at most 16 shares, and the single counter
``BUDGET`` of before the split, if the campaign is older than it).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from loyalty.domain.budget_shares import Share
from loyalty.settings import settings
from loyalty.store import items, keys
from loyalty.store.client import Item
from loyalty.store.transactions import TxItem
from loyalty.store.unit_of_work import Retry

ROLE_PREFIX = "budget:"
LEGACY_SK = keys.CAMPAIGN_BUDGET_PREFIX  # the one counter of a campaign budgeted before the split

# What this process has seen shares hold: (campaign id, share) -> (monotonic time, left). Only a guide:
# the condition decides, so an old value never gives too much. It lets a warm function send an order
# past a share it saw run out without a failed attempt, and give 0 at once when every share is out.
# Refunds and budget changes can raise a share since, so a value is trusted only as long as the program
# is cached (PROGRAM_CACHE_SECONDS): a share seen out is tried again after that.
_seen: dict[tuple[str, int], tuple[float, int]] = {}


def known() -> dict[str, dict[int, int]]:
    """What the shares were last seen to hold, per campaign (only what was seen recently)."""
    fresh = time.monotonic() - settings().program_cache_seconds
    found: dict[str, dict[int, int]] = {}
    for (campaign_id, share), (at, left) in list(_seen.items()):
        if at >= fresh:
            found.setdefault(campaign_id, {})[share] = left
    return found


def forget(campaign_id: str | None = None) -> None:
    """Drop what was seen of one campaign's shares (its budget changed), or of all (tests; a new table)."""
    for key in [key for key in _seen if campaign_id is None or key[0] == campaign_id]:
        del _seen[key]


def _role(campaign_id: str, share: int) -> str:
    return f"{ROLE_PREFIX}{campaign_id}#{share}"


def share_take(campaign_id: str, share: int, points: int) -> TxItem:
    """Take ``points`` from the share, only if it holds them (a share never written holds nothing)."""
    marks: dict[str, Any] = {"#left": "left", "#spent": "spent", ":n": points, ":minus": -points}
    return items.update_tx(
        _role(campaign_id, share),
        keys.campaign_share(campaign_id, share),
        "ADD #left :minus, #spent :n",
        "#left >= :n",
        marks,
        old=True,
    )


def share_return(campaign_id: str, share: int, points: int) -> TxItem:
    """Give ``points`` a refund took back to the share they came from. No condition: a refund is never
    held up by a budget (what it gives back counts in the share's spent and left alike)."""
    marks: dict[str, Any] = {"#left": "left", "#spent": "spent", ":n": points, ":minus": -points}
    return items.update_tx(
        f"budget_return:{campaign_id}#{share}",
        keys.campaign_share(campaign_id, share),
        "ADD #left :n, #spent :minus",
        None,
        marks,
    )


def learn(retry: Retry) -> dict[str, dict[int, int]]:
    """What the shares whose conditions failed held (campaign id -> share -> left), remembered."""
    learned: dict[str, dict[int, int]] = {}
    now = time.monotonic()
    for role, olds in retry.seen.items():
        if not role.startswith(ROLE_PREFIX):
            continue
        campaign_id, share_text = role.removeprefix(ROLE_PREFIX).rsplit("#", 1)
        for old in olds:
            left = int((old or {}).get("left", 0))
            learned.setdefault(campaign_id, {})[int(share_text)] = left
            _seen[(campaign_id, int(share_text))] = (now, left)
    return learned


def unsplit(retry: Retry) -> set[str]:
    """The campaigns whose share's failed condition found no share at all: a budget never split (the
    program was stored by the single-counter design and not since), not one that ran out."""
    found: set[str] = set()
    for role, olds in retry.seen.items():
        if role.startswith(ROLE_PREFIX) and any(old is None for old in olds):
            found.add(role.removeprefix(ROLE_PREFIX).rsplit("#", 1)[0])
    return found


def is_share_role(role: str) -> bool:
    return role.startswith(ROLE_PREFIX)


def shares(campaign_id: str) -> tuple[dict[int, Share], int]:
    """The campaign's shares as they are, and what the single counter of before the split gave (0 for
    a campaign budgeted since): one consistent Query of the campaign's partition, at most 17 small items."""
    request = items.query(keys.campaign_partition(campaign_id), prefix=keys.CAMPAIGN_BUDGET_PREFIX, consistent=True)
    found: dict[int, Share] = {}
    legacy = 0
    now = time.monotonic()
    for item in items.every(request):
        if item["SK"] == LEGACY_SK:
            legacy = int(item.get("spent", 0))
            continue
        share = int(str(item["SK"]).rsplit("#", 1)[1])
        found[share] = Share(int(item.get("spent", 0)), int(item.get("left", 0)))
        _seen[(campaign_id, share)] = (now, found[share].left)
    return found, legacy


def spent(campaign_id: str) -> int:
    """The points the campaign has given (less what refunds gave back): the sum of its shares."""
    found, legacy = shares(campaign_id)
    return legacy + sum(share.spent for share in found.values())


def resplit_items(campaign_id: str, before: Mapping[int, Share], after: Mapping[int, Share]) -> list[TxItem]:
    """Set each share's left as ``after`` says, only if no order or refund changed it since ``before``
    was read (a share not read must still not exist): one transaction, so the lefts and spents add up to
    the budget at every moment."""
    writes: list[TxItem] = []
    for share, new in sorted(after.items()):
        old = before.get(share)
        if old == new:
            continue
        marks: dict[str, Any] = {"#left": "left", "#spent": "spent", ":left": new.left, ":spent": new.spent}
        sets: Item = {"#left": ":left", "#spent": ":spent", "campaign_id": ":id", "#share": ":share"}
        marks.update({"#share": "share", ":id": campaign_id, ":share": share})
        expression = "SET " + ", ".join(f"{name} = {value}" for name, value in sets.items())
        if old is None:
            condition = "attribute_not_exists(#spent)"
        else:
            condition = "#spent = :was_spent AND #left = :was_left"
            marks.update({":was_spent": old.spent, ":was_left": old.left})
        writes.append(
            items.update_tx(
                _role(campaign_id, share), keys.campaign_share(campaign_id, share), expression, condition, marks
            )
        )
    return writes
