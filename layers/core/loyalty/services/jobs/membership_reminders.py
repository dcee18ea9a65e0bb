"""A reminder email before a paid membership ends, sent by the tier review job (a membership's reminder
day is one of the member's TIER days: loyalty.services.memberships.soonest).

Consent and cooldown as the other emails (loyalty.services.jobs.emails): only an active, opted-in member
with an email, not emailed within ``cooldown_days``, claimed on the member before the send so it goes
out at most once. A reminder is due when its day (``expiring_notice_days`` before the end) lies between
the TIER day the job found and today, so a run after an outage still sends it (once: the next TIER day
is after today), and a later look at the member (a tier review day) does not send it again. A reminder
the cooldown holds back is not sent later: the member hears of the end from the email it just got, or
from the shop.
"""

from __future__ import annotations

from datetime import date, timedelta

from loyalty.domain import calendar, memberships, reengagement
from loyalty.services.jobs import emails
from loyalty.services.jobs.runner import Run
from loyalty.store.member_record import MemberRecord

KIND = "membership_ending"


def due(member: MemberRecord, seen: date, run: Run) -> list[tuple[date, str]]:
    """(end day, membership_id) of the lasting memberships whose reminder day this look covers."""
    notice = timedelta(days=run.program.emails.expiring_notice_days)
    ends = [
        (calendar.local_day(until, run.program.zone), mid)
        for mid, until in memberships.held(member.memberships, run.now).items()
    ]
    return sorted((end, mid) for end, mid in ends if seen <= end - notice <= run.today)


def remind(member: MemberRecord, seen: date, tier_day: date | None, run: Run) -> None:
    """Email the member of its membership ending soonest, if one is due; ``tier_day`` is the member's
    TIER day after the review (the claim is conditioned on it, so overlapping runs send one email)."""
    found = due(member, seen, run)
    if not found or member.status != "active" or not member.marketing_opt_in or not member.email:
        return
    settings = run.program.emails
    allowed = reengagement.next_email_day(emails.last_email_on(member), settings.cooldown_days)
    if tier_day is None or (allowed is not None and allowed > run.today):
        run.counts["emails_not_due"] += 1
        return
    end, mid = found[0]
    label = next((m.label for m in run.program.memberships if m.membership_id == mid), mid)
    values = {**emails.common_values(member, run), "membership": label, "ends_on": reengagement.format_day(end)}
    taken = emails.claim(member, KIND, run, due_kind="TIER", seen=tier_day, next_due=tier_day, sets={})
    if taken is None:
        run.counts["emails_not_due"] += 1  # unsubscribed, emailed or handled by another run meanwhile
        return
    emails.send(taken, KIND, member, values, {}, run)
