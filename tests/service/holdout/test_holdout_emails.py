"""The daily emails of a holdout member, read back from moto's SES: no re-engagement email when the program
excludes ``reengagement_emails``, no expiry reminder when it excludes ``expiry_reminders``, and every other
email as any member gets it."""

from __future__ import annotations

from tests.service.holdout.ids import member_id
from tests.service.jobs.conftest import configure, earn, enroll, jobs, profile, run, sent_emails

__all__ = ["jobs"]

HELD = member_id("held", held=True)
TREATED = member_id("treated", held=False)


def recipients() -> list[str]:
    return sorted(mail.to.split("@")[0].rsplit("<", 1)[-1] for mail in sent_emails())


def members_with_500_points() -> None:
    for member in (HELD, TREATED):
        enroll(member)
        earn(member, f"o-{member}", 500, "2026-11-22 10:00")  # expires at the end of 2027-11-22


def test_the_default_holdout_gets_expiry_reminders_but_no_reengagement_email(jobs: str) -> None:
    configure(holdout={"percent": 50})
    members_with_500_points()
    assert profile(HELD)["grp"] == "h" and "grp" not in profile(TREATED)

    counts = run("remind_dormant", "2027-02-20 10:00")  # 90 days without activity: both dormant
    assert (counts["emails_sent"], counts["emails_held_out"], counts["failures"]) == (1, 1, 0)
    assert recipients() == [TREATED]
    assert run("remind_dormant", "2027-02-21 10:00")["emails_sent"] == 0, "held out for this spell"

    counts = run("remind_expiring", "2027-11-08 10:00")  # 14 days before 2027-11-22
    assert counts["emails_sent"] == 2, "expiry reminders are not excluded by default"
    assert recipients() == sorted([TREATED, HELD, TREATED])


def test_a_holdout_excluding_expiry_reminders_gets_none_and_is_looked_at_again_later(jobs: str) -> None:
    configure(holdout={"percent": 50, "excludes": ["expiry_reminders"]})
    members_with_500_points()
    assert run("remind_dormant", "2027-02-20 10:00")["emails_sent"] == 2, "re-engagement emails are not excluded"

    counts = run("remind_expiring", "2027-11-08 10:00")
    assert (counts["emails_sent"], counts["emails_held_out"]) == (1, 1)
    assert recipients() == sorted([HELD, TREATED, TREATED])
    assert "reminded_until" not in profile(HELD), "nothing recorded: the member was not reminded"
    assert run("remind_expiring", "2027-11-09 10:00")["emails_sent"] == 0


def test_without_the_holdout_its_members_get_every_email_again(jobs: str) -> None:
    configure(holdout={"percent": 50, "excludes": ["reengagement_emails"]})
    members_with_500_points()
    assert run("remind_dormant", "2027-02-20 10:00")["emails_sent"] == 1
    configure(holdout=None)
    # Dropped for its spell, the held-out member is looked at again a dormancy period later.
    assert run("remind_dormant", "2027-05-21 10:00")["emails_sent"] == 1
    assert recipients() == sorted([TREATED, HELD])
