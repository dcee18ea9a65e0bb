"""Email bookkeeping on the profile: a claim recorded before a send (at most once, even when two runs
overlap), its release when the provider refuses, so the member is due again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from loyalty.store import items, keys


@dataclass(frozen=True)
class Claim:
    """What a send changed on the profile, to put back if the send fails."""

    member_id: str
    claim_id: str
    previous: dict[str, Any]  # attribute -> old value (None: it was absent)


def claim_email(
    member_id: str,
    *,
    claim_id: str,
    kind: str,
    today: str,
    cooldown_cutoff: str | None,
    sets: Mapping[str, Any],
    conditions: Mapping[str, Any],
    due_kind: str,
    seen_due: str,
    next_due: str | None,
    previous: Mapping[str, Any],
) -> Claim | None:
    """Record an email as sent before sending it; None when the member may not get it (any more).

    Conditions re-check, on the current item, what the decision was based on: still active and opted in
    (an unsubscribe wins), the cooldown, the due day the job found (nobody handled it meanwhile) and the
    ``conditions`` given (attribute -> value it must still have). Success means this run, and no other,
    sends the email: at most once, even when two runs overlap. The due day moves on in the same write."""
    index = keys.DUE_INDEX[due_kind]
    fields = {"last_email_on": today, "last_email_kind": kind, "email_claim": claim_id, **sets}
    marks: dict[str, Any] = {
        "#status": "status",
        "#duesk": f"{index}SK",
        "#duepk": f"{index}PK",
        ":active": "active",
        ":yes": True,
        ":seen": seen_due,
    }
    checks = ["#status = :active", "marketing_opt_in = :yes", "#duesk = :seen"]
    if cooldown_cutoff is not None:
        checks.append("(attribute_not_exists(last_email_on) OR last_email_on <= :cutoff)")
        marks[":cutoff"] = cooldown_cutoff
    for i, (name, value) in enumerate(conditions.items()):
        marks[f"#c{i}"] = name
        if value is None:
            checks.append(f"attribute_not_exists(#c{i})")
        else:
            marks[f":c{i}"] = value
            checks.append(f"#c{i} = :c{i}")
    expression, setting = items.each("SET", fields)
    marks.update(setting)
    if next_due is None:
        expression += " REMOVE #duepk, #duesk"
    else:
        marks[":duepk"] = keys.due(due_kind, member_id, next_due)[f"{index}PK"]
        marks[":duesk"] = next_due
        expression += ", #duepk = :duepk, #duesk = :duesk"
    # When the response to a claim that landed is lost, the SDK sends it again and the condition fails on
    # the claim itself: the old item tells that case apart from "not due any more".
    claimed = items.update(keys.member(member_id), expression, " AND ".join(checks), marks, old=True)
    if not claimed.written and (claimed.old or {}).get("email_claim") != claim_id:
        return None
    restore = {name: previous.get(name) for name in fields if name != "email_claim"}
    restore[f"{index}SK"] = seen_due
    restore[f"{index}PK"] = keys.due(due_kind, member_id, seen_due)[f"{index}PK"]
    return Claim(member_id, claim_id, restore)


def release(claim: Claim) -> bool:
    """Undo a claim whose email SES refused, so the member is due again and the next run tries again.
    Only our own claim is undone."""
    sets = {name: value for name, value in claim.previous.items() if value is not None}
    removes = [name for name, value in claim.previous.items() if value is None] + ["email_claim"]
    expression, marks = items.each("SET", sets) if sets else ("", {})
    marks.update({f"#r{i}": name for i, name in enumerate(removes)})
    marks[":claim"] = claim.claim_id
    expression = f"{expression} REMOVE " + ", ".join(f"#r{i}" for i in range(len(removes)))
    return items.update(keys.member(claim.member_id), expression.strip(), "email_claim = :claim", marks).written
