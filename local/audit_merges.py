"""The audit's ``merge`` check (local/ledger_audit.py): a provisional member taken over holds nothing,
and its one ``merge`` entry matches the one of the member it went to."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from loyalty.store.client import Item


def _int(item: Item, name: str) -> int:
    value = item.get(name)
    return int(value) if value is not None else 0


def merged_problems(
    member_id: str,
    profile: Item,
    entries: list[Item],
    lots: list[Item],
    profiles: Mapping[str, Item],
    emails: Mapping[str, Item],
    all_entries: Mapping[str, list[Item]],
) -> Iterator[tuple[str, str]]:
    if profile.get("email") is not None:
        yield "merge", "the merged member still holds an email (it went to the member that took it over)"
    if any(guard.get("member_id") == member_id for guard in emails.values()):
        yield "merge", "an email guard still names the merged member"
    if _int(profile, "available") or _int(profile, "pending") or _int(profile, "debt") or lots:
        yield "merge", f"the merged member still holds points or {len(lots)} lot(s)"
    into = str(profile.get("merged_into"))
    if into not in profiles:
        yield "merge", f"merged into {into}, which is no member"
    merges = [entry for entry in entries if entry.get("kind") == "merge"]
    taken = [e for e in all_entries.get(into, []) if e.get("kind") == "merge" and e.get("merged_with") == member_id]
    if len(merges) != 1 or len(taken) != 1:
        yield "merge", f"{len(merges)} merge entries here and {len(taken)} at {into}, one each expected"
    elif _int(merges[0], "entry_points") != -_int(taken[0], "entry_points"):
        yield "merge", "the two merge entries do not move the same points"
    ledger = sum(_int(entry, "entry_points") for entry in entries)
    if ledger != 0:
        yield "ledger", f"the merged member holds nothing, but its {len(entries)} entries add up to {ledger}"
