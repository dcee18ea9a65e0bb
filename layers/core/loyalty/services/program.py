"""Program configuration: store it validated, read it through a short in-process cache."""

from __future__ import annotations

import time

from loyalty.adapters import clock
from loyalty.domain import earning
from loyalty.domain.errors import InvalidInput, ProgramNotConfigured
from loyalty.domain.tiers import TierLevel
from loyalty.models.program import Program
from loyalty.services import budgets
from loyalty.settings import settings
from loyalty.store import program as program_store

# (monotonic time read, program). A warm function re-reads the program at most once per
# PROGRAM_CACHE_SECONDS, so a request normally costs no read for it.
_cached: tuple[float, Program] | None = None


def _ttl() -> float:
    return settings().program_cache_seconds


def current() -> Program:
    """The program in force; raises ProgramNotConfigured until an admin has stored one."""
    global _cached
    if _cached is not None and time.monotonic() - _cached[0] < _ttl():
        return _cached[1]
    document = program_store.read()
    if document is None:
        raise ProgramNotConfigured("An admin must PUT /v1/admin/program before members and orders can be used.")
    loaded = Program.model_validate_json(document)
    _cached = (time.monotonic(), loaded)
    return loaded


class ContradictsDeployment(InvalidInput):
    """A program that disagrees with the deployment it runs on (422): every mismatch, each with its loc."""

    def __init__(self, mismatches: list[tuple[list[str | int], str]]) -> None:
        detail = "; ".join(f"{'.'.join(str(part) for part in loc)}: {message}" for loc, message in mismatches)
        super().__init__(detail, mismatches[0][0])
        self.errors = [{"loc": loc, "msg": message} for loc, message in mismatches]


def check_deployment(program: Program) -> None:
    """Refuse a program the deployment cannot run as written: emails from an address other than the
    verified SenderEmail (IAM lets the functions send from that identity only, so they would all fail),
    or a timezone other than the one the daily schedules fire in (unless the deployment allows it)."""
    deployment = settings()
    mismatches = program.deployment_mismatches(
        deployment.sender_email, deployment.program_timezone, deployment.allow_timezone_mismatch
    )
    if mismatches:
        raise ContradictsDeployment(mismatches)


def save(program: Program) -> Program:
    global _cached
    check_deployment(program)
    program = _granularity_stamped(program)
    # Budgets first: an accrual that already runs on the new program finds its shares split for it.
    budgets.split(program)
    program_store.write(program.model_dump_json(), clock.isoformat(clock.now()))
    _cached = (time.monotonic(), program)
    return program


def _granularity_stamped(program: Program) -> Program:
    """Month expiry applies to points earned after it was set: the time it was set is the server's, kept
    while the program stays on months (a client's copy of it is ignored)."""
    if program.expiry_granularity != "month":
        return program.model_copy(update={"expiry_granularity_since": None})
    document = program_store.read()
    stored = Program.model_validate_json(document) if document is not None else None
    since = stored.expiry_granularity_since if stored is not None and stored.month_expiry_from else None
    return program.model_copy(update={"expiry_granularity_since": since or clock.now()})


def forget() -> None:
    """Drop the cache (tests; a new backend)."""
    global _cached
    _cached = None


def tier_levels(program: Program) -> list[TierLevel]:
    return [TierLevel(tier.name, tier.threshold, tier.multiplier) for tier in program.tiers]


def earning_rules(program: Program) -> earning.EarningRules:
    return earning.EarningRules(
        points_per_unit=program.points_per_unit,
        sku_multipliers=dict(program.sku_multipliers),
        category_multipliers=dict(program.category_multipliers),
        excluded_categories=frozenset(program.excluded_categories),
        campaigns=[
            earning.CampaignRule(
                campaign_id=c.campaign_id,
                starts_at=c.starts_at,
                ends_at=c.ends_at,
                multiplier=c.multiplier,
                bonus_points=c.bonus_points,
                categories=frozenset(c.categories) if c.categories is not None else None,
                skus=frozenset(c.skus) if c.skus is not None else None,
                tiers=frozenset(c.tiers) if c.tiers is not None else None,
                min_order_minor=c.min_order_minor,
                per_member_limit=c.per_member_limit,
                budget_points=c.budget_points,
            )
            for c in program.campaigns
        ],
    )
