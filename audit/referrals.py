"""The referrals check: codes' completed counts, and every referral entry rewards a completed referral."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from audit.book import Book, int_of, member_subject
from audit.report import Problem
from loyalty.store import member_record


def referral_problems(book: Book) -> Iterator[Problem]:
    """referrals: a code's ``completed`` is the number of its referees' records credited; every
    ``referral`` entry rewards a credited record (the referee's own, or a referrer named by its code),
    at most once per referee and role; a milestone entry's count is one the code reached; a member
    whose record is credited or completed says so on its profile (no other order may start one)."""
    credited: Counter[str] = Counter()
    for referee, record in sorted(book.referees.items()):
        if record.get("status") == "credited":
            credited[str(record.get("code"))] += 1
        if record.get("status") in ("completed", "credited"):
            profile = book.profiles.get(referee)
            if profile is not None and profile.get("status") != "erased" and profile.get("referral") != "completed":
                yield Problem(member_subject(referee), "referrals", "a completed referral the profile does not say")
    for code, item in sorted(book.codes.items()):
        if int_of(item, "completed") != credited[code]:
            yield Problem(
                member_subject(str(item.get("member_id"))),
                "referrals",
                f"code {code} counts {int_of(item, 'completed')} completed, {credited[code]} records are credited",
            )
    owner_codes = {str(item.get("member_id")): code for code, item in book.codes.items()}
    # A merged member's code went with its takeover: its earlier referral entries still name it.
    owner_codes.update(
        {
            mid: str(member_record.cold_fields(p).get("referral_code"))
            for mid, p in book.profiles.items()
            if p.get("status") == "merged"
        }
    )
    for entry in book.referral_entries:
        member_id, entry_id = str(entry.get("member_id")), str(entry.get("entry_id"))
        referee = str(entry.get("referee_id"))
        referral = book.referees.get(referee)
        subject = member_subject(member_id)
        if referral is None or referral.get("status") not in ("completed", "credited"):
            yield Problem(subject, "referrals", f"{entry_id} rewards a referral that did not complete")
            continue
        if entry_id.startswith("referee:") and member_id != referee:
            yield Problem(subject, "referrals", f"{entry_id} credits another member than the referee")
        if not entry_id.startswith("referee:") and referral.get("code") != owner_codes.get(member_id):
            yield Problem(subject, "referrals", f"{entry_id} credits a member that did not refer {referee}")
        milestone = entry.get("milestone")
        code = owner_codes.get(member_id, "")
        if milestone is not None and int(milestone) > int_of(book.codes.get(code, {}), "completed"):
            yield Problem(subject, "referrals", f"{entry_id} pays a milestone the code has not reached")
