"""Re-engagement emails, read back from moto's SES: who gets them, what they say, the cooldown across
runs, SES failures, idempotent re-runs, and the one-click unsubscribe."""

from __future__ import annotations

import re
from typing import Any

import pytest

from harness.api import Api
from loyalty.adapters import clock
from loyalty.adapters import email as email_adapter
from loyalty.services import unsubscribe
from tests.rewarding import redeem, reward
from tests.service.jobs.conftest import Sent, at, configure, earn, enroll, profile, run, sent_emails

# The engine decides these outcomes (transactions, conditions, index queries): moto and DynamoDB Local.
pytestmark = pytest.mark.engine


def to(member_id: str) -> list[Sent]:
    return [mail for mail in sent_emails() if f"{member_id}@example.com" in mail.to]


def recipients() -> list[str]:
    return sorted(re.sub(r".*<|>.*", "", mail.to).split("@")[0] for mail in sent_emails())


def test_expiry_reminders_reach_exactly_the_opted_in_members_who_qualify(jobs: str) -> None:
    enroll("m-ada", name="Ada <Lovelace> & Co")
    enroll("m-bob", opt_in=False)
    enroll("m-cyd")
    enroll("m-dan")
    for member_id in ("m-ada", "m-bob", "m-dan"):
        earn(member_id, f"o-{member_id}", 500, "2026-11-22 10:00")  # expires at the end of 2027-11-22
    earn("m-ada", "o-ada-2", 120, "2027-03-01 10:00")  # not expiring soon, but part of the balance
    earn("m-cyd", "o-cyd", 500, "2026-12-15 10:00")  # expires later: no reminder yet
    reward("tote-bag", 500)
    clock.set_clock(lambda: at("2027-05-01 10:00"))
    redeem("m-dan", "rd-dan", "tote-bag")  # nothing left to expire

    assert run("remind_expiring", "2027-11-07 10:00")["emails_sent"] == 0  # 15 days before: not yet
    counts = run("remind_expiring", "2027-11-08 10:00")  # 14 days before 2027-11-22
    assert (counts["emails_sent"], counts["emails_failed"], counts["failures"]) == (1, 0, 0)
    assert recipients() == ["m-ada"]

    mail = to("m-ada")[0]
    assert mail.subject == "500 of your points expire on 22 November 2027"
    assert "Hi Ada <Lovelace> & Co," in mail.text
    assert "500 of your points, worth 5.00 USD, are about to expire" in mail.text
    assert "500 points on 22 November 2027" in mail.text
    assert "Your balance is 620 points, worth 6.20 USD." in mail.text
    assert "Hi Ada &lt;Lovelace&gt; &amp; Co," in mail.html and "<Lovelace>" not in mail.html
    assert "<li>500 points on 22 November 2027</li>" in mail.html
    assert "<strong>620</strong> points, worth <strong>6.20 USD</strong>" in mail.html
    assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = mail.headers["List-Unsubscribe"].strip("<>")
    assert link.startswith(email_adapter.unsubscribe_base_url())
    assert f'action="{link}"' in mail.html and link in mail.text
    assert unsubscribe.member_of(link.rsplit("/", 1)[1]) == "m-ada"
    assert "m-ada@example.com" in mail.to

    # Re-runs the same day and the next (which looks one day back) send nothing twice.
    assert run("remind_expiring", "2027-11-08 10:00")["emails_sent"] == 0
    assert run("remind_expiring", "2027-11-09 10:00")["emails_sent"] == 0
    assert len(sent_emails()) == 1
    assert profile("m-ada")["reminded_until"] == "2027-11-22"


def test_dormant_emails_reach_exactly_the_opted_in_dormant_members_holding_enough(jobs: str) -> None:
    enroll("m-eve", name="Eve")
    enroll("m-fay")
    enroll("m-gus", opt_in=False)
    enroll("m-hal")
    earn("m-eve", "o-eve", 300, "2026-11-22 10:00")
    earn("m-fay", "o-fay", 50, "2026-11-22 10:00")  # below dormant_min_points (100)
    earn("m-gus", "o-gus", 500, "2026-11-22 10:00")
    earn("m-hal", "o-hal", 500, "2026-11-22 10:00")
    earn("m-hal", "o-hal-2", 10, "2027-01-15 10:00")  # active since: dormant only from 2027-04-15

    assert run("remind_dormant", "2027-02-19 10:00")["emails_sent"] == 0  # 89 days: not dormant yet
    counts = run("remind_dormant", "2027-02-20 10:00")
    assert (counts["emails_sent"], counts["failures"]) == (1, 0)
    assert recipients() == ["m-eve"]
    mail = to("m-eve")[0]
    assert mail.subject == "Your 300 points are waiting for you"
    assert "Hi Eve," in mail.text and "since 22 November 2026" in mail.text
    assert "You still have 300 points, worth 3.00 USD." in mail.text
    assert "<strong>300</strong> points, worth <strong>3.00 USD</strong>" in mail.html
    assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    assert run("remind_dormant", "2027-02-20 10:00")["emails_sent"] == 0  # the same day again
    assert run("remind_dormant", "2027-02-21 10:00")["emails_sent"] == 0
    assert run("remind_dormant", "2027-04-15 10:00")["emails_sent"] == 1
    assert recipients() == ["m-eve", "m-hal"]
    assert run("remind_dormant", "2027-06-15 10:00")["emails_sent"] == 0  # one email per dormant spell


def test_the_cooldown_holds_across_runs_and_kinds(jobs: str) -> None:
    configure(
        emails={
            "sender": "loyalty@example.com",
            "expiring_notice_days": 14,
            "dormant_after_days": 353,  # dormant from 2027-11-10, two days after the expiry reminder
            "dormant_min_points": 100,
            "cooldown_days": 7,
        }
    )
    enroll("m-ivy")
    earn("m-ivy", "o-1", 500, "2026-11-22 10:00")  # reminder due 2027-11-08

    def day(local: str) -> int:
        return sum(run(job, local)["emails_sent"] for job in ("remind_expiring", "remind_dormant"))

    assert day("2027-11-08 10:00") == 1  # the expiry reminder
    assert [day(f"2027-11-{d:02d} 10:00") for d in range(9, 15)] == [0] * 6  # dormant from the 10th: cooling down
    assert day("2027-11-15 10:00") == 1  # 7 days after the reminder: the dormant email
    subjects = [mail.subject for mail in to("m-ivy")]
    assert subjects == ["500 of your points expire on 22 November 2027", "Your 500 points are waiting for you"]


def test_one_members_ses_failure_does_not_stop_the_others_and_is_retried_next_run(
    jobs: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for member_id in ("m-1", "m-2", "m-3"):
        enroll(member_id)
        earn(member_id, f"o-{member_id}", 500, "2026-11-22 10:00")
    real_send = email_adapter.send
    refused: list[str] = []

    def flaky(outgoing: email_adapter.Outgoing) -> str:
        if outgoing.to_address == "m-2@example.com" and not refused:
            refused.append(outgoing.to_address)
            raise email_adapter.SendFailed("Throttling")
        return real_send(outgoing)

    monkeypatch.setattr(email_adapter, "send", flaky)
    counts = run("remind_expiring", "2027-11-08 10:00")
    assert (counts["emails_sent"], counts["emails_failed"]) == (2, 1)
    assert recipients() == ["m-1", "m-3"]
    assert "last_email_on" not in profile("m-2") and "reminded_until" not in profile("m-2")

    counts = run("remind_expiring", "2027-11-09 10:00")  # m-2 is still due: its reminder goes now
    assert (counts["emails_sent"], counts["emails_failed"]) == (1, 0)
    assert recipients() == ["m-1", "m-2", "m-3"]


def test_a_dormant_email_refused_by_ses_is_tried_again_the_next_day(jobs: str, monkeypatch: pytest.MonkeyPatch) -> None:
    enroll("m-1")
    earn("m-1", "o-1", 500, "2026-11-22 10:00")
    real_send = email_adapter.send
    calls: list[int] = []

    def refuse_once(outgoing: email_adapter.Outgoing) -> str:
        calls.append(1)
        if len(calls) == 1:
            raise email_adapter.SendFailed("ServiceUnavailable")
        return real_send(outgoing)

    monkeypatch.setattr(email_adapter, "send", refuse_once)
    assert run("remind_dormant", "2027-02-20 10:00")["emails_failed"] == 1
    assert profile("m-1")["GSI3SK"] == "2027-02-20"  # still due: the next run tries again
    assert run("remind_dormant", "2027-02-21 10:00")["emails_sent"] == 1
    assert len(to("m-1")) == 1


def test_the_unsubscribe_link_works_in_one_click_and_nothing_more_is_sent(jobs: str, api: Any) -> None:
    enroll("m-ada", name="Ada")
    earn("m-ada", "o-1", 500, "2026-11-22 10:00")
    earn("m-ada", "o-2", 500, "2026-12-22 10:00")
    assert run("remind_expiring", "2027-11-08 10:00")["emails_sent"] == 1
    link = to("m-ada")[0].headers["List-Unsubscribe"].strip("<>")
    path = "/v1/unsubscribe/" + link.rsplit("/", 1)[1]

    public = Api(api.gateway.template)  # no key: the signed token is the authorisation
    answer = public.post(
        path, raw=b"List-Unsubscribe=One-Click", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert (answer.status, answer.body) == (200, {"status": "unsubscribed"})
    assert profile("m-ada")["marketing_opt_in"] is False
    assert public.post(path).status == 200  # once more: harmless

    assert run("remind_expiring", "2027-12-08 10:00")["emails_sent"] == 0  # the second lot's reminder
    assert run("remind_dormant", "2027-12-20 10:00")["emails_sent"] == 0
    assert len(to("m-ada")) == 1


@pytest.mark.parametrize(
    "token",
    [
        "bS0xMDAx.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",  # m-1001 with a made-up signature
        "not-a-token",
    ],
)
def test_a_forged_or_malformed_unsubscribe_link_is_refused(jobs: str, api: Any, token: str) -> None:
    enroll("m-1001")
    answer = Api(api.gateway.template).post(f"/v1/unsubscribe/{token}")
    assert answer.status in (404, 422)
    assert answer.content_type == "application/problem+json"
    assert profile("m-1001")["marketing_opt_in"] is True


def test_a_token_signed_for_one_member_cannot_unsubscribe_another(jobs: str) -> None:
    enroll("m-1")
    enroll("m-2")
    encoded_id, signature = unsubscribe.token_for("m-1").split(".")
    other = unsubscribe.token_for("m-2").split(".")[0]
    assert unsubscribe.member_of(f"{other}.{signature}") is None
    assert unsubscribe.member_of(f"{encoded_id}.{signature}") == "m-1"
