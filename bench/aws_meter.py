"""A botocore hook that bills each DynamoDB request the layer sends by AWS's rules (bench.aws_units).

For every write (PutItem, UpdateItem, DeleteItem, TransactWriteItems, BatchWriteItem) it reads each
item the request names just before the request goes out and just after it returns, with a consistent
BatchGetItem through a client of its own (so those reads are not counted as the request's), and
prices the change: table units from the larger of the two sizes, index units from what the change
did to each index of the template. For every read it replays the request through its own client
without what does not change the bill (projection, filter, Select), so it sizes the items the request
evaluated. DynamoDB Local's own ConsumedCapacity (INDEXES) and the round trips are kept beside
(bench.counting.Capacity), so the two accountings can be compared call by call.

The hook knows no item shapes: it takes keys from the requests and indexes from template.yaml.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Self

import boto3

from bench import aws_units
from bench.aws_units import Item, ItemWrite, Schema, WriteKind, WriteUnits
from bench.counting import Capacity
from harness.counting import WRITES
from local.template import Template
from loyalty.store.client import dynamodb

TABLE_TYPE = "AWS::DynamoDB::Table"
BATCH_GET_LIMIT = 100  # keys per BatchGetItem


def schema_of(template: Template, logical_id: str | None = None) -> Schema:
    """The table's keys and indexes as template.yaml declares them (the template's only table unless
    ``logical_id`` names one)."""
    tables = template.resources(TABLE_TYPE)
    if logical_id is None:
        if len(tables) != 1:
            raise ValueError(f"the template has {len(tables)} tables; say which")
        logical_id = next(iter(tables))
    return Schema.from_table_properties(template.resolve(tables[logical_id].get("Properties", {}), {}))


def _key_text(key: Mapping[str, Any]) -> str:
    """A stable, readable name for a key: its values joined in attribute-name order."""
    return "|".join(str(next(iter(key[name].values()))) for name in sorted(key))


@dataclass
class ItemBill:
    """One item of one write request, priced."""

    table_name: str
    key: str
    kind: WriteKind
    before_bytes: int
    after_bytes: int
    units: WriteUnits


@dataclass
class CallBill:
    """One request, priced by AWS's rules, beside what DynamoDB Local reported for it."""

    operation: str
    write: WriteUnits = field(default_factory=WriteUnits)
    read: float = 0.0
    items: list[ItemBill] = field(default_factory=list)
    failed: bool = False
    local_write: float = 0.0
    local_read: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "wcu": self.write.total,
            "wcu_table": self.write.table,
            "wcu_indexes": dict(sorted(self.write.indexes.items())),
            "rcu": self.read,
            "local_wcu": self.local_write,
            "local_rcu": self.local_read,
            "failed": self.failed,
            "items": [
                {
                    "key": item.key,
                    "kind": item.kind,
                    "bytes_before": item.before_bytes,
                    "bytes_after": item.after_bytes,
                    "wcu_table": item.units.table,
                    "wcu_indexes": dict(sorted(item.units.indexes.items())),
                }
                for item in self.items
            ],
        }


@dataclass
class _Pending:
    operation: str
    params: dict[str, Any]
    # (table, key, kind, transactional) of every item a write names, with the item as it was before.
    targets: list[tuple[str, dict[str, Any], WriteKind, bool]] = field(default_factory=list)
    before: dict[tuple[str, str], Item | None] = field(default_factory=dict)
    local: tuple[float, float] = (0.0, 0.0)


_TRANSACT_KINDS: dict[str, WriteKind] = {
    "Put": "put",
    "Update": "update",
    "Delete": "delete",
    "ConditionCheck": "check",
}


def write_targets(
    operation: str, params: Mapping[str, Any], schema: Schema
) -> list[tuple[str, dict[str, Any], WriteKind, bool]]:
    """Every item a write request names: its table, key, kind and whether it is transactional."""
    found: list[tuple[str, dict[str, Any], WriteKind, bool]] = []
    if operation == "PutItem":
        found.append((params["TableName"], schema.key_of(params["Item"]), "put", False))
    elif operation in {"UpdateItem", "DeleteItem"}:
        found.append(
            (params["TableName"], dict(params["Key"]), "update" if operation == "UpdateItem" else "delete", False)
        )
    elif operation == "TransactWriteItems":
        for action in params.get("TransactItems", []):
            ((verb, spec),) = action.items()
            key = schema.key_of(spec["Item"]) if verb == "Put" else dict(spec["Key"])
            found.append((spec["TableName"], key, _TRANSACT_KINDS[verb], True))
    elif operation == "BatchWriteItem":
        for table, requests in params.get("RequestItems", {}).items():
            for request in requests:
                if "PutRequest" in request:
                    found.append((table, schema.key_of(request["PutRequest"]["Item"]), "put", False))
                else:
                    found.append((table, dict(request["DeleteRequest"]["Key"]), "delete", False))
    return found


_TOKENS = re.compile(r"[#:][A-Za-z0-9_]+")


def evaluated_request(params: Mapping[str, Any]) -> dict[str, Any]:
    """A Query or Scan that reads what ``params`` read, returned whole: no projection, no filter, no
    Select; the same keys, index, order, Limit and start key. DynamoDB refuses expression names and
    values that no expression uses, so only those the key condition still uses are kept."""
    dropped = {"ProjectionExpression", "FilterExpression", "Select", "AttributesToGet", "ReturnConsumedCapacity"}
    request = {name: value for name, value in params.items() if name not in dropped}
    used = set(_TOKENS.findall(str(request.get("KeyConditionExpression", ""))))
    for name in ("ExpressionAttributeNames", "ExpressionAttributeValues"):
        if name in request:
            kept = {token: value for token, value in request[name].items() if token in used}
            if kept:
                request[name] = kept
            else:
                request.pop(name)
    return request


class AwsMeter(Capacity):
    """Round trips and DynamoDB Local's units (``Capacity``), plus every request priced by AWS's rules:
    ``aws_write`` (table and per index), ``aws_read``, and ``calls`` (one ``CallBill`` per request)."""

    def __init__(self, schema: Schema, side_client: Any = None) -> None:
        super().__init__()
        self.schema = schema
        self._side = side_client
        self._pending: list[_Pending] = []
        self.calls: list[CallBill] = []
        self.aws_write = WriteUnits()
        self.aws_read = 0.0

    # -- reads through the meter's own client, never counted as the request's -------------------------

    def _get_many(self, keys: Iterable[tuple[str, dict[str, Any]]]) -> dict[tuple[str, str], Item | None]:
        """Consistent reads of many items, with BatchGetItem; absent items map to None."""
        wanted: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}
        for table, key in keys:
            wanted[(table, _key_text(key))] = (table, key)
        found: dict[tuple[str, str], Item | None] = dict.fromkeys(wanted)
        chunk: list[tuple[str, dict[str, Any]]] = list(wanted.values())
        for start in range(0, len(chunk), BATCH_GET_LIMIT):
            request: dict[str, Any] = {}
            for table, key in chunk[start : start + BATCH_GET_LIMIT]:
                request.setdefault(table, {"Keys": [], "ConsistentRead": True})["Keys"].append(key)
            while request:
                answer = self._side.batch_get_item(RequestItems=request)
                for table, items in answer.get("Responses", {}).items():
                    for item in items:
                        found[(table, _key_text(self.schema.key_of(item)))] = item
                request = answer.get("UnprocessedKeys") or {}
        return found

    # -- the hook ---------------------------------------------------------------------------------------

    def _before(self, model: Any, params: dict[str, Any], **kwargs: Any) -> None:
        super()._before(model, params, **kwargs)
        pending = _Pending(model.name, params)
        if model.name in WRITES:
            pending.targets = write_targets(model.name, params, self.schema)
            pending.before = self._get_many((table, key) for table, key, _, _ in pending.targets)
        pending.local = (self.write_units, self.read_units)
        self._pending.append(pending)

    def _after(self, parsed: dict[str, Any], model: Any, **kwargs: Any) -> None:
        super()._after(parsed, model, **kwargs)
        pending = self._pending.pop()
        failed = "Error" in parsed
        bill = CallBill(model.name, failed=failed)
        if pending.targets:
            self._bill_writes(pending, parsed, bill)
        else:
            bill.read = self._bill_read(pending.operation, pending.params, parsed)
        bill.local_write = self.write_units - pending.local[0]
        bill.local_read = self.read_units - pending.local[1]
        self.aws_write.add(bill.write)
        self.aws_read += bill.read
        self.calls.append(bill)

    def _bill_writes(self, pending: _Pending, parsed: dict[str, Any], bill: CallBill) -> None:
        left = {"RequestItems": parsed.get("UnprocessedItems") or {}}
        unprocessed = {
            (table, _key_text(key)) for table, key, _, _ in write_targets("BatchWriteItem", left, self.schema)
        }
        after = {} if bill.failed else self._get_many((table, key) for table, key, _, _ in pending.targets)
        for table, key, kind, transactional in pending.targets:
            name = (table, _key_text(key))
            if name in unprocessed:
                continue  # not written, not billed: the caller sends it again, and that call is billed
            before = pending.before[name]
            # A cancelled transaction or a failed condition changed nothing; AWS still bills the write,
            # so it is priced as a write that left the item as it was.
            now = after.get(name) if not bill.failed else before
            units = aws_units.item_write_units(ItemWrite(kind, before, now, transactional), self.schema)
            bill.write.add(units)
            bill.items.append(
                ItemBill(table, name[1], kind, aws_units.item_size(before), aws_units.item_size(now), units)
            )

    def _bill_read(self, operation: str, params: Mapping[str, Any], parsed: Mapping[str, Any]) -> float:
        if "Error" in parsed:
            return 0.0  # a refused read reads nothing
        pricer = {
            "GetItem": self._get_item_units,
            "BatchGetItem": self._batch_get_units,
            "TransactGetItems": self._transact_get_units,
            "Query": self._evaluated_units,
            "Scan": self._evaluated_units,
        }.get(operation)
        return pricer(operation, params, parsed) if pricer else 0.0  # DescribeTable and the like: no capacity

    def _get_item_units(self, _: str, params: Mapping[str, Any], __: Mapping[str, Any]) -> float:
        (item,) = self._get_many([(params["TableName"], dict(params["Key"]))]).values()
        return aws_units.get_item_units(item, consistent=bool(params.get("ConsistentRead")))

    def _batch_get_units(self, _: str, params: Mapping[str, Any], parsed: Mapping[str, Any]) -> float:
        skipped = {
            (table, _key_text(key))
            for table, spec in (parsed.get("UnprocessedKeys") or {}).items()
            for key in spec.get("Keys", [])
        }
        units = 0.0
        for table, spec in params.get("RequestItems", {}).items():
            keys = [(table, dict(key)) for key in spec["Keys"] if (table, _key_text(key)) not in skipped]
            items = self._get_many(keys).values()
            units += aws_units.batch_get_units(items, consistent=bool(spec.get("ConsistentRead")))
        return units

    def _transact_get_units(self, _: str, params: Mapping[str, Any], __: Mapping[str, Any]) -> float:
        keys = [(action["Get"]["TableName"], dict(action["Get"]["Key"])) for action in params["TransactItems"]]
        return aws_units.transact_get_units(self._get_many(keys).values())

    def _evaluated_units(self, operation: str, params: Mapping[str, Any], _: Mapping[str, Any]) -> float:
        answer = getattr(self._side, operation.lower())(**evaluated_request(params))
        index = self.schema.index(params["IndexName"]) if params.get("IndexName") else None
        return aws_units.query_units(
            answer.get("Items", []), consistent=bool(params.get("ConsistentRead")), index=index, schema=self.schema
        )

    def _lost(self, **_: Any) -> None:
        # The request never got an answer (a connection error): nothing to bill, and after-call will not
        # come for it, so its pending entry must not be taken for the next request's.
        self._pending.pop()

    def __enter__(self) -> Self:
        if self._side is None:
            self._side = boto3.client("dynamodb")
        dynamodb().meta.events.register("after-call-error.dynamodb", self._lost)
        return super().__enter__()

    def __exit__(self, *exc: object) -> None:
        dynamodb().meta.events.unregister("after-call-error.dynamodb", self._lost)
        super().__exit__(*exc)

    # -- totals -----------------------------------------------------------------------------------------

    def summary(self) -> dict[str, Any]:
        return {
            "round_trips": self.round_trips,
            "calls": list(self.operations),
            "aws": {
                "wcu": self.aws_write.total,
                "wcu_table": self.aws_write.table,
                "wcu_indexes": dict(sorted(self.aws_write.indexes.items())),
                "rcu": self.aws_read,
            },
            "local": {
                "wcu": self.write_units,
                "wcu_table": self.table_write_units,
                "wcu_indexes": self.index_write_units,
                "rcu": self.read_units,
            },
            "max_transaction_items": max(
                (len(call.items) for call in self.calls if call.operation == "TransactWriteItems"), default=0
            ),
            "requests": [call.as_dict() for call in self.calls],
        }
