"""Expiry reminders: an email to a member whose points expire within ``expiring_notice_days``.

The reminder index (GSI6) holds each opted-in member on the day its next reminder may be due: the
notice before the first expiry day it has not been reminded of, or the end of its cooldown. A run on day
D reads everything due up to D, so after missed runs a member whose points expire within the notice is
still reminded, once: ``reminded_until`` remembers the last expiry day an email spoke of, and the claim
that records it is conditioned on it.
"""

from __future__ import annotations

import html
from datetime import date, timedelta

from loyalty.domain import calendar, due_dates, holdout, reengagement
from loyalty.services.jobs import emails
from loyalty.services.jobs.runner import EachDue, Run, by_member
from loyalty.store import member_reads, member_updates


def remind(member_id: str, seen: date, run: Run) -> None:
    state = member_reads.read(member_id)
    if state is None:
        return
    member = state.member
    settings = run.program.emails
    notice = settings.expiring_notice_days
    if member.status != "active" or not member.marketing_opt_in or not member.email:
        member_updates.move_due(member_id, "REMIND", seen, None)  # opting in puts the member back
        return
    first, last = due_dates.reminder_window(run.today, notice)
    if state.through_month is not None and state.through_month < last.isoformat()[:7]:
        state = member_reads.read(member_id, "all")  # the window reaches past the months read
        assert state is not None
    never = calendar.NEVER.isoformat()
    covered = member.emails.reminded_until or ""
    expiring = {
        day: points
        for day, points in sorted(state.lots.items())
        if first.isoformat() <= day <= last.isoformat() and day > covered and day != never and points > 0
    }
    fallback = due_dates.earliest_expiry(run.today, run.program.expiry_months, run.program.max_order_age_days)
    fallback = (fallback or run.today + timedelta(days=365)) - timedelta(days=notice)
    if not expiring:
        run.counts["emails_not_due"] += 1
        later = due_dates.next_reminder(
            state.lots, member.emails.reminded_until, run.today, notice, cooldown_ends=None, fallback=fallback
        )
        member_updates.move_due(member_id, "REMIND", seen, later)
        return
    until = max(expiring)
    if holdout.withholds(run.program.holdout, member.holdout, "expiry_reminders"):
        # Held out of reminders: looked at again for its next expiry day, as if reminded of these ones, with
        # nothing recorded (reminded_until stays): a program that stops holding it out reminds it of the rest.
        run.counts["emails_held_out"] += 1
        later = due_dates.next_reminder(state.lots, until, run.today, notice, cooldown_ends=None, fallback=fallback)
        member_updates.move_due(member_id, "REMIND", seen, later)
        return
    allowed = reengagement.next_email_day(emails.last_email_on(member), settings.cooldown_days)
    if allowed is not None and allowed > run.today:
        run.counts["emails_not_due"] += 1  # another email went out lately: look again when the cooldown ends
        member_updates.move_due(member_id, "REMIND", seen, allowed)
        return
    cooldown_ends = run.today + timedelta(days=settings.cooldown_days) if settings.cooldown_days else None
    later = due_dates.next_reminder(
        state.lots, until, run.today, notice, cooldown_ends=cooldown_ends, fallback=fallback
    )
    total = sum(expiring.values())
    lines = [
        f"{points} points on {reengagement.format_day(date.fromisoformat(day))}" for day, points in expiring.items()
    ]
    values = {
        **emails.common_values(member, run),
        "expiring_points": str(total),
        "expiring_value": emails.money(total, run),
        "first_expiry": reengagement.format_day(date.fromisoformat(min(expiring))),
        "expiring_list": "\n".join(f"  - {line}" for line in lines),
    }
    fragments = {"expiring_list_html": "\n".join(f"    <li>{html.escape(line)}</li>" for line in lines)}
    taken = emails.claim(
        member,
        "expiring",
        run,
        due_kind="REMIND",
        seen=seen,
        next_due=later,
        sets={"reminded_until": until},
        conditions={"reminded_until": member.emails.reminded_until},
    )
    if taken is None:
        run.counts["emails_not_due"] += 1  # unsubscribed, emailed or reminded by someone else meanwhile
        return
    emails.send(taken, "expiring", member, values, fragments, run)


JOBS = {"remind_expiring": EachDue("remind_expiring", "REMIND", by_member(remind), "send an expiry reminder")}
