"""Dormant members: one email per dormant spell to a member who has done nothing for
``dormant_after_days`` days (if opted in and holding at least ``dormant_min_points``).

The dormancy index (GSI3) holds every active member on a day no later than the one it could become
dormant on. Activity only makes that day later, so no write has to touch the index: the check that
finds a member too early moves it to the right day; a check that sent nothing, or that sent this spell's
email, looks again a dormancy period later.
"""

from __future__ import annotations

from datetime import date, datetime

from loyalty.domain import calendar, due_dates, holdout, reengagement
from loyalty.services.jobs import emails
from loyalty.services.jobs.runner import EachDue, Run, by_member
from loyalty.store import member_reads, member_updates


def check(member_id: str, seen: date, run: Run) -> None:
    state = member_reads.read(member_id, "none")
    if state is None:
        return
    member = state.member
    settings = run.program.emails
    if member.status != "active":
        member_updates.move_due(member_id, "DORMANT", seen, None)
        return
    recheck = due_dates.dormancy_recheck(run.today, settings.dormant_after_days)
    if member.emails.dormant_notified_for == member.last_activity_at:
        member_updates.move_due(member_id, "DORMANT", seen, recheck)  # this spell's email went out already
        return
    last_activity_day = calendar.local_day(datetime.fromisoformat(member.last_activity_at), run.program.zone)
    held_out = holdout.withholds(run.program.holdout, member.holdout, "reengagement_emails")
    step = reengagement.dormant_step(
        run.today,
        last_activity_day,
        dormant_after_days=settings.dormant_after_days,
        opted_in=member.marketing_opt_in and bool(member.email),
        available=member.balances.available,
        min_points=settings.dormant_min_points,
        last_email_on=emails.last_email_on(member),
        cooldown_days=settings.cooldown_days,
        held_out=held_out,
    )
    if step.action == "wait" and step.on is not None:
        member_updates.move_due(member_id, "DORMANT", seen, step.on)
        run.counts["dormancy_checks_moved"] += 1
        return
    if step.action == "drop":
        member_updates.move_due(member_id, "DORMANT", seen, recheck)  # nothing to send this spell
        run.counts["emails_held_out" if held_out else "emails_not_due"] += 1
        return
    values = {**emails.common_values(member, run), "last_activity": reengagement.format_day(last_activity_day)}
    taken = emails.claim(
        member,
        "dormant",
        run,
        due_kind="DORMANT",
        seen=seen,
        next_due=recheck,
        sets={"dormant_notified_for": member.last_activity_at},
        conditions={"last_activity_at": member.last_activity_at},
    )
    if taken is None:
        run.counts["emails_not_due"] += 1  # active, unsubscribed or emailed meanwhile: a later check decides
        return
    emails.send(taken, "dormant", member, values, {}, run)


JOBS = {"remind_dormant": EachDue("remind_dormant", "DORMANT", by_member(check), "check dormancy")}
