"""Re-engagement emails: reminders of points about to expire, and a nudge to dormant members.

Who gets what is decided in loyalty.domain.reengagement. Each send goes: decide on the profile read ->
claim it on the profile (a conditional update that re-checks opt-in, cooldown and what the decision
rested on) -> send through SES -> on an SES refusal, release the claim so the next run tries again.
Claiming first makes every email at-most-once: two overlapping runs, or a run repeated, never send the
same email twice; a crash between claim and send loses that one email rather than doubling it.

Reminders read the EXPIRE buckets of today + expiring_notice_days and the day before (what SES refused
or a missed run left yesterday). Dormancy checks come from GSI3 (one per member, a lower bound kept by
every balance write; see store.orders.member_update).
"""

from __future__ import annotations

import html
import uuid
from collections import defaultdict
from datetime import date, datetime

from aws_lambda_powertools import Logger

from loyalty.adapters import email
from loyalty.domain import calendar, due_work, reengagement
from loyalty.models.jobs import JobName
from loyalty.services import unsubscribe
from loyalty.services.jobs.runner import Run, catch_up_days, each_member
from loyalty.store import due as due_store
from loyalty.store import keys
from loyalty.store import reengagement as store
from loyalty.store.client import Item

logger = Logger(child=True)

# Reminder buckets are not emptied by the reminder (the lots stay for the expiry), so a run re-reads
# only one earlier day: enough for SES refusals and a missed run, without reading every lot many times.
REMINDER_CATCH_UP_DAYS = 1


class ExpiringReminders:
    name: JobName = "remind_expiring"
    kind = "EXPIRE"

    def days(self, run: Run) -> list[date]:
        target = due_work.reminder_target(run.today, run.program.emails.expiring_notice_days)
        return due_work.window(target, REMINDER_CATCH_UP_DAYS, not_before=run.today)

    def handle(self, items: list[Item], day: str, run: Run) -> None:
        by_member: dict[str, list[Item]] = defaultdict(list)
        for lot in items:
            if int(lot.get("available", 0)) > 0:
                by_member[str(lot["member_id"])].append(lot)
        if not by_member:
            return
        profiles = due_store.profiles(by_member)
        for member_id, lots in by_member.items():
            try:
                remind(member_id, lots, profiles.get(member_id), run)
            except Exception:  # one member's failure must not stop the others
                run.counts["failures"] += 1
                logger.exception("could not send an expiry reminder", extra={"member_id": member_id})


class DormantReminders:
    name: JobName = "remind_dormant"
    kind = "DORMANT"

    def days(self, run: Run) -> list[date]:
        return due_work.window(run.today, catch_up_days())

    def handle(self, items: list[Item], day: str, run: Run) -> None:
        each_member(items, "GSI3", run, check_dormancy, "check dormancy")


def remind(member_id: str, lots: list[Item], profile: Item | None, run: Run) -> None:
    if profile is None or profile.get("status", "active") != "active" or not profile.get("email"):
        return
    settings = run.program.emails
    dates = sorted({str(lot["expires_on"]) for lot in lots})
    wanted = reengagement.reminder_wanted(
        run.today,
        dates[-1],
        opted_in=bool(profile.get("marketing_opt_in")),
        reminded_until=profile.get("reminded_until"),
        last_email_on=_day(profile.get("last_email_on")),
        cooldown_days=settings.cooldown_days,
    )
    if not wanted:
        run.counts["emails_not_due"] += 1
        return
    expiring = sum(int(lot["available"]) for lot in lots)
    per_day = [(date.fromisoformat(str(lot["expires_on"])), int(lot["available"])) for lot in lots]
    lines = [f"{points} points on {reengagement.format_day(day)}" for day, points in sorted(per_day)]
    values = {
        **_common_values(profile, member_id, run),
        "expiring_points": str(expiring),
        "expiring_value": _money(expiring, run),
        "first_expiry": reengagement.format_day(date.fromisoformat(dates[0])),
        "expiring_list": "\n".join(f"  - {line}" for line in lines),
    }
    fragments = {"expiring_list_html": "\n".join(f"    <li>{html.escape(line)}</li>" for line in lines)}
    claim = store.claim_email(
        member_id,
        claim_id=uuid.uuid4().hex,
        kind="expiring",
        today=run.today.isoformat(),
        cooldown_cutoff=_cutoff(run),
        reminded_until=dates[-1],
        previous=_previous(profile),
    )
    if claim is None:
        run.counts["emails_not_due"] += 1  # unsubscribed, emailed or reminded by someone else meanwhile
        return
    _send(claim, "expiring", profile, values, fragments, run, retry_keys=None)


def check_dormancy(member_id: str, profile: Item | None, seen_pk: str, run: Run) -> None:
    if profile is None or profile.get("GSI3PK") != seen_pk:
        return  # gone, or the check was moved since the index was read: that date stands
    if profile.get("status", "active") != "active":
        due_store.move_member_key(member_id, "GSI3", seen_pk, None)
        return
    settings = run.program.emails
    last_activity = str(profile["last_activity_at"])
    last_activity_day = calendar.local_day(datetime.fromisoformat(last_activity), run.program.zone)
    step = reengagement.dormant_step(
        run.today,
        last_activity_day,
        dormant_after_days=settings.dormant_after_days,
        opted_in=bool(profile.get("marketing_opt_in")) and bool(profile.get("email")),
        available=int(profile.get("available", 0)),
        min_points=settings.dormant_min_points,
        last_email_on=_day(profile.get("last_email_on")),
        cooldown_days=settings.cooldown_days,
    )
    if step.action == "wait" and step.on is not None:
        due_store.move_member_key(member_id, "GSI3", seen_pk, keys.dormancy_check(step.on.isoformat(), member_id))
        run.counts["dormancy_checks_moved"] += 1
        return
    if step.action == "drop":
        due_store.move_member_key(member_id, "GSI3", seen_pk, None)  # new activity schedules a new check
        run.counts["emails_not_due"] += 1
        return
    values = {**_common_values(profile, member_id, run), "last_activity": reengagement.format_day(last_activity_day)}
    claim = store.claim_email(
        member_id,
        claim_id=uuid.uuid4().hex,
        kind="dormant",
        today=run.today.isoformat(),
        cooldown_cutoff=_cutoff(run),
        dormancy_pk=seen_pk,
        activity_seen=last_activity,
        previous=_previous(profile),
    )
    if claim is None:
        run.counts["emails_not_due"] += 1  # active, unsubscribed or emailed meanwhile: a later check decides
        return
    tomorrow = keys.dormancy_check(date.fromordinal(run.today.toordinal() + 1).isoformat(), member_id)
    _send(claim, "dormant", profile, values, {}, run, retry_keys=tomorrow)


def _send(
    claim: store.Claim,
    kind: str,
    profile: Item,
    values: dict[str, str],
    fragments: dict[str, str],
    run: Run,
    retry_keys: dict[str, str] | None,
) -> None:
    member_id = claim.member_id
    try:
        outgoing = email.Outgoing(
            kind=kind,
            sender=str(run.program.emails.sender),
            to_address=str(profile["email"]),
            to_name=profile.get("name"),
            unsubscribe_url=values["unsubscribe_url"],
            content=email.render(kind, values, fragments, profile.get("locale")),
        )
        email.send(outgoing)
    except email.SendFailed as refused:
        store.release(claim, retry_keys)
        run.counts["emails_failed"] += 1
        logger.warning("SES refused an email", extra={"member_id": member_id, "kind": kind, "code": refused.code})
        return
    except Exception:
        store.release(claim, retry_keys)
        raise
    run.counts["emails_sent"] += 1
    run.counts[f"emails_sent_{kind}"] += 1
    logger.info("email sent", extra={"member_id": member_id, "kind": kind})


def _common_values(profile: Item, member_id: str, run: Run) -> dict[str, str]:
    balance = int(profile.get("available", 0))
    return {
        "name": str(profile.get("name") or "there"),
        "balance": str(balance),
        "balance_value": _money(balance, run),
        "unsubscribe_url": email.unsubscribe_base_url() + unsubscribe.token_for(member_id),
    }


def _money(points: int, run: Run) -> str:
    minor = reengagement.money_minor(points, run.program.point_value_minor)
    return reengagement.format_money(minor, run.program.currency)


def _cutoff(run: Run) -> str | None:
    cutoff = reengagement.cooldown_cutoff(run.today, run.program.emails.cooldown_days)
    return cutoff.isoformat() if cutoff else None


def _previous(profile: Item) -> dict[str, object]:
    return {name: profile.get(name) for name in ("last_email_on", "last_email_kind", "reminded_until")}


def _day(value: object) -> date | None:
    return date.fromisoformat(str(value)) if value else None


JOBS = {"remind_expiring": ExpiringReminders(), "remind_dormant": DormantReminders()}
