"""Sending a re-engagement email: claim it on the member first, send it through SES, release the
claim when SES refuses, so every email goes out at most once.

Claiming first makes every email at-most-once: two overlapping runs, or a run repeated, never send the
same email twice; a crash between claim and send loses that one email rather than doubling it. Who
gets what is decided in loyalty.domain.reengagement.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from aws_lambda_powertools import Logger

from loyalty.adapters import email
from loyalty.domain import reengagement
from loyalty.services import unsubscribe
from loyalty.services.jobs.runner import Run
from loyalty.store import email_claims
from loyalty.store.member_record import MemberRecord

logger = Logger(child=True)


def common_values(member: MemberRecord, run: Run) -> dict[str, str]:
    balance = member.balances.available
    return {
        "name": member.name or "there",
        "balance": str(balance),
        "balance_value": money(balance, run),
        "unsubscribe_url": email.unsubscribe_base_url() + unsubscribe.token_for(member.member_id),
    }


def money(points: int, run: Run) -> str:
    minor = reengagement.money_minor(points, run.program.point_value_minor)
    return reengagement.format_money(minor, run.program.currency)


def cooldown_cutoff(run: Run) -> str | None:
    cutoff = reengagement.cooldown_cutoff(run.today, run.program.emails.cooldown_days)
    return cutoff.isoformat() if cutoff else None


def last_email_on(member: MemberRecord) -> date | None:
    return date.fromisoformat(member.emails.last_email_on) if member.emails.last_email_on else None


def previous(member: MemberRecord) -> dict[str, Any]:
    return {
        "last_email_on": member.emails.last_email_on,
        "last_email_kind": member.emails.last_email_kind,
        "reminded_until": member.emails.reminded_until,
        "dormant_notified_for": member.emails.dormant_notified_for,
    }


def claim(
    member: MemberRecord,
    kind: str,
    run: Run,
    *,
    due_kind: str,
    seen: date,
    next_due: date | None,
    sets: Mapping[str, Any],
    conditions: Mapping[str, Any] | None = None,
) -> email_claims.Claim | None:
    return email_claims.claim_email(
        member.member_id,
        # 64 random bits tell this run's claim from another's (two runs at most overlap on a member); it
        # stays on the member item, whose size prices every write: half a UUID's hex.
        claim_id=uuid.uuid4().hex[:16],
        kind=kind,
        today=run.today.isoformat(),
        cooldown_cutoff=cooldown_cutoff(run),
        sets=sets,
        conditions=conditions or {},
        due_kind=due_kind,
        seen_due=seen.isoformat(),
        next_due=next_due.isoformat() if next_due else None,
        previous=previous(member),
    )


def send(
    taken: email_claims.Claim,
    kind: str,
    member: MemberRecord,
    values: dict[str, str],
    fragments: dict[str, str],
    run: Run,
) -> None:
    """Send a claimed email; on an SES refusal the claim is released (the member is due again)."""
    try:
        outgoing = email.Outgoing(
            kind=kind,
            sender=str(run.program.emails.sender),
            to_address=str(member.email),
            to_name=member.name,
            unsubscribe_url=values["unsubscribe_url"],
            content=email.render(kind, values, fragments, member.locale),
        )
        email.send(outgoing)
    except email.SendFailed as refused:
        email_claims.release(taken)
        run.counts["emails_failed"] += 1
        logger.warning(
            "SES refused an email", extra={"member_id": member.member_id, "kind": kind, "code": refused.code}
        )
        return
    except Exception:
        email_claims.release(taken)
        raise
    run.counts["emails_sent"] += 1
    run.counts[f"emails_sent_{kind}"] += 1
    logger.info("email sent", extra={"member_id": member.member_id, "kind": kind})
