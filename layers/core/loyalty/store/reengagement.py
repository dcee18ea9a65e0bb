"""Re-engagement email bookkeeping on the member profile: the claim taken before a send (so two runs
never send the same email), its release when SES refuses, and the unsubscribe."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from loyalty.store import keys
from loyalty.store.client import dynamodb, table_name, to_item, to_value


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
    reminded_until: str | None = None,
    dormancy_pk: str | None = None,
    activity_seen: str | None = None,
    previous: dict[str, Any],
) -> Claim | None:
    """Record an email as sent before sending it; None when the member may not get it (any more).

    Conditions re-check, on the current item, what the decision was based on: still active and opted
    in (an unsubscribe wins), the cooldown, and for a reminder that these dates were not covered yet, for
    a dormant email that the member did nothing since and the check was not moved. Success means this
    run, and no other, sends the email: at most once, even when two runs overlap.
    """
    sets = {"last_email_on": today, "last_email_kind": kind, "email_claim": claim_id}
    conditions = ["#status = :active", "marketing_opt_in = :yes", "attribute_exists(email)"]
    values: dict[str, Any] = {":active": to_value("active"), ":yes": to_value(True)}
    removes: list[str] = []
    if cooldown_cutoff is not None:
        conditions.append("(attribute_not_exists(last_email_on) OR last_email_on <= :cutoff)")
        values[":cutoff"] = to_value(cooldown_cutoff)
    if reminded_until is not None:
        sets["reminded_until"] = reminded_until
        conditions.append("(attribute_not_exists(reminded_until) OR reminded_until < :until)")
        values[":until"] = to_value(reminded_until)
    if dormancy_pk is not None:
        removes += ["GSI3PK", "GSI3SK"]  # this dormant spell is handled
        conditions.append("GSI3PK = :dormancy")
        values[":dormancy"] = to_value(dormancy_pk)
    if activity_seen is not None:
        conditions.append("last_activity_at = :seen")
        values[":seen"] = to_value(activity_seen)
    names = {f"#s{i}": name for i, name in enumerate(sets)}
    for i, value in enumerate(sets.values()):
        values[f":s{i}"] = to_value(value)
    expression = "SET " + ", ".join(f"#s{i} = :s{i}" for i in range(len(sets)))
    if removes:
        expression += " REMOVE " + ", ".join(removes)
    try:
        dynamodb().update_item(
            TableName=table_name(),
            Key=to_item(keys.member(member_id)),
            UpdateExpression=expression,
            ConditionExpression=" AND ".join(conditions),
            ExpressionAttributeNames={**names, "#status": "status"},
            ExpressionAttributeValues=values,
            # When the response to a claim that landed is lost, the SDK sends it again and the condition
            # fails on the claim itself: the old item tells that case apart from "not due any more".
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except dynamodb().exceptions.ConditionalCheckFailedException as error:
        current = cast(dict[str, Any], error.response.get("Item") or {})
        if current.get("email_claim") != to_value(claim_id):
            return None
    return Claim(member_id, claim_id, {name: previous.get(name) for name in sets if name != "email_claim"})


def release(claim: Claim, retry_keys: dict[str, str] | None = None) -> bool:
    """Undo a claim whose email SES refused, so the next run tries again (``retry_keys``: a dormancy
    check to put back). Only our own claim is undone."""
    sets = {name: value for name, value in claim.previous.items() if value is not None}
    sets.update(retry_keys or {})
    removes = [name for name, value in claim.previous.items() if value is None] + ["email_claim"]
    names = {f"#s{i}": name for i, name in enumerate(sets)} | {f"#r{i}": name for i, name in enumerate(removes)}
    values = {f":s{i}": to_value(value) for i, value in enumerate(sets.values())}
    values[":claim"] = to_value(claim.claim_id)
    expression = " ".join(
        part
        for part in (
            "SET " + ", ".join(f"#s{i} = :s{i}" for i in range(len(sets))) if sets else "",
            "REMOVE " + ", ".join(f"#r{i}" for i in range(len(removes))),
        )
        if part
    )
    try:
        dynamodb().update_item(
            TableName=table_name(),
            Key=to_item(keys.member(claim.member_id)),
            UpdateExpression=expression,
            ConditionExpression="email_claim = :claim",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )
    except dynamodb().exceptions.ConditionalCheckFailedException:
        return False
    return True


def opt_out(member_id: str, at: str) -> bool:
    """Clear marketing_opt_in; False when there is no such member (nothing to do)."""
    try:
        dynamodb().update_item(
            TableName=table_name(),
            Key=to_item(keys.member(member_id)),
            UpdateExpression="SET marketing_opt_in = :no, unsubscribed_at = :at",
            ConditionExpression="attribute_exists(PK)",
            ExpressionAttributeValues={":no": to_value(False), ":at": to_value(at)},
        )
    except dynamodb().exceptions.ConditionalCheckFailedException:
        return False
    return True
