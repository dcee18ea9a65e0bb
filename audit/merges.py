"""The ``merge`` check: a provisional member taken over holds nothing,
and its one ``merge`` entry matches the one of the member it went to."""

from __future__ import annotations

from collections.abc import Iterator

from audit.book import Book, int_of
from loyalty.store.client import Item


def merged_problems(
    book: Book, member_id: str, profile: Item, entries: list[Item], lots: list[Item]
) -> Iterator[tuple[str, str]]:
    profiles, emails, all_entries = book.profiles, book.emails, book.entries
    if profile.get("email") is not None:
        yield "merge", "the merged member still holds an email (it went to the member that took it over)"
    if any(guard.get("member_id") == member_id for guard in emails.values()):
        yield "merge", "an email guard still names the merged member"
    if int_of(profile, "available") or int_of(profile, "pending") or int_of(profile, "debt") or lots:
        yield "merge", f"the merged member still holds points or {len(lots)} lot(s)"
    into = str(profile.get("merged_into"))
    if into not in profiles:
        yield "merge", f"merged into {into}, which is no member"
    merges = [entry for entry in entries if entry.get("kind") == "merge"]
    taken = [e for e in all_entries.get(into, []) if e.get("kind") == "merge" and e.get("merged_with") == member_id]
    if len(merges) != 1 or len(taken) != 1:
        yield "merge", f"{len(merges)} merge entries here and {len(taken)} at {into}, one each expected"
    elif int_of(merges[0], "entry_points") != -int_of(taken[0], "entry_points"):
        yield "merge", "the two merge entries do not move the same points"
    ledger = sum(int_of(entry, "entry_points") for entry in entries)
    if ledger != 0:
        yield "ledger", f"the merged member holds nothing, but its {len(entries)} entries add up to {ledger}"
