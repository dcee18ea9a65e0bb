"""The impact aggregates put back from the items that feed them (loyalty.services.impact_rebuild): one
Scan of the table for the member profiles, member orders and non-members' orders, then every aggregate
and customer's month written whole, and those no longer wanted deleted. An operator's command, never a
request or a job (like the books' rebuild and the audit).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from loyalty.domain.impact import Record, Value
from loyalty.store import impact, items
from loyalty.store.client import Item, dynamodb, from_item, table_name, to_item

# The attribute names the Scan returns (every other attribute stays on the server): the stream side's.
_WANTED = sorted(impact.READ)


def sources() -> Iterator[Record]:
    """What each profile, order and non-member's order of the table brings, as the stream brought it from
    its insert and every change since (one Scan, read page by page)."""
    names = {f"#a{n}": name for n, name in enumerate(_WANTED)}
    request: dict[str, Any] = {
        "TableName": table_name(),
        "FilterExpression": "(begins_with(#pk, :member) AND #sk = :profile) OR (begins_with(#pk, :order) AND "
        "#sk = :order_sk) OR begins_with(#pk, :guest)",
        "ProjectionExpression": ", ".join(names),
        "ExpressionAttributeNames": {**names, "#pk": "PK", "#sk": "SK"},
        "ExpressionAttributeValues": to_item(
            {
                ":member": "MEMBER#",
                ":profile": "PROFILE",
                ":order": "ORDER#",
                ":order_sk": "ORDER",
                ":guest": impact.GUEST_PREFIX,
            }
        ),
    }
    sequence = 0
    for page in items.scanned(request):
        for raw in page:
            sequence += 1
            record = impact.record_of_item(raw, sequence)
            if record.facts or record.counts:
                yield record


def existing() -> set[tuple[str, str]]:
    """The keys of every aggregate and customer's month the table holds now (one Scan, keys only)."""
    request: dict[str, Any] = {
        "TableName": table_name(),
        "FilterExpression": "#pk = :agg OR begins_with(#pk, :customer)",
        "ProjectionExpression": "#pk, #sk",
        "ExpressionAttributeNames": {"#pk": "PK", "#sk": "SK"},
        "ExpressionAttributeValues": to_item({":agg": impact.AGGREGATES, ":customer": impact.CUSTOMER_PREFIX}),
    }
    return {(str(item["PK"]), str(item["SK"])) for page in items.scanned(request) for item in map(from_item, page)}


def put_all(aggregates: Mapping[str, Mapping[str, int]], customers: Mapping[tuple[str, str], Value]) -> int:
    """Every aggregate and customer's month, whole (25 a BatchWriteItem); returns the items put."""
    wanted: list[Item] = [{**impact.aggregate_key(name), **counts} for name, counts in aggregates.items()]
    for (customer, month), (revenue, orders) in customers.items():
        item = {**impact.customer_key(customer, month), "r": revenue, "o": orders, "ttl": impact.expires(month)}
        wanted.append(item)
    _batch([{"PutRequest": {"Item": to_item(item)}} for item in wanted])
    return len(wanted)


def delete_all(found: set[tuple[str, str]]) -> int:
    _batch([{"DeleteRequest": {"Key": to_item({"PK": pk, "SK": sk})}} for pk, sk in sorted(found)])
    return len(found)


def _batch(requests: list[dict[str, Any]]) -> None:
    for start in range(0, len(requests), 25):
        pending: dict[str, Any] = {table_name(): requests[start : start + 25]}
        while pending:
            answer = dynamodb().batch_write_item(RequestItems=pending)
            pending = dict(answer.get("UnprocessedItems") or {})
