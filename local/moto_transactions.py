"""moto's DynamoDB, as the local stack and the tests run it: a cancelled transaction keeps the table's
stream shard, and costs a copy of the items it names, not of the table.

moto, before each TransactWriteItems, deep-copies every table the transaction names, and on a
cancellation puts the copies in the tables' place. Two things follow:

- **A stream reader goes deaf.** A shard iterator holds the shard object it was made on; the copy brings a
  new one. After the first cancelled transaction (a duplicate enrollment, a redemption out of stock, a
  retried import chunk) every new record goes to the copy's shard while the local stack's stream poller
  (local/streams.py) keeps reading the old one: the stack stops publishing events and keeping the books,
  with nothing logged. DynamoDB's streams have no such thing: a cancelled transaction writes no record,
  and readers go on.
- **Cost.** The copy is of the whole table, once per item of the transaction: a test that writes a few
  hundred items paid more for those copies than for everything else.

Here the items a transaction names are copied instead and put back, with the stream's records trimmed to
what they were, on the same shard object, on a cancellation. The items a transaction may change are
exactly those it names, so what a cancelled transaction leaves is what moto leaves, and a committed one
the same; tests/service/test_moto_speed.py holds both to what moto does, and checks a reader's iterator.
"""

from __future__ import annotations

import copy
import functools
import types
from collections.abc import Callable
from typing import Any

import moto.dynamodb.models
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table


class _Saved:
    """A table's items named by a transaction, and its stream, as they were before it: ``restore`` puts
    them back. Keys it cannot read (a malformed request, which moto cancels) make it copy the whole table,
    as moto does; the stream's shard object stays the one readers hold either way."""

    def __init__(self, backend: DynamoDBBackend, table: Table, operations: list[dict[str, Any]]) -> None:
        self.table = table
        self.whole: Table | None = None
        self.items: list[tuple[DynamoType, DynamoType | None, Any]] = []
        shard = table.stream_shard
        self.stream = None if shard is None else (shard, shard.items, len(shard.items))
        try:
            for operation in operations:
                keys = operation["Item"] if "Item" in operation else operation["Key"]
                hash_key, range_key = backend.get_keys_value(table, keys)
                self.items.append((hash_key, range_key, copy.deepcopy(self._get(hash_key, range_key))))
        except Exception:
            self.whole = copy.deepcopy(table)

    def _get(self, hash_key: DynamoType, range_key: DynamoType | None) -> Any:
        if range_key is None:
            return self.table.items.get(hash_key)
        return self.table.items.get(hash_key, {}).get(range_key)

    def restore(self, backend: DynamoDBBackend, name: str) -> None:
        table = self.table
        if self.whole is not None:
            table = backend.tables[name] = self.whole
        else:
            for hash_key, range_key, item in reversed(self.items):
                if range_key is None:
                    if item is None:
                        table.items.pop(hash_key, None)
                    else:
                        table.items[hash_key] = item
                elif item is None:
                    table.items.get(hash_key, {}).pop(range_key, None)
                else:
                    table.items[hash_key][range_key] = item
        if self.stream is not None:
            shard, records, count = self.stream
            del records[count:]
            shard.items = records
            shard.table = table
            table.stream_shard = shard


def _deepcopy_but_tables(value: Any, memo: dict[int, Any] | None = None) -> Any:
    """moto's own ``copy.deepcopy``, except that a Table is not copied (``_Saved`` keeps what it needs)."""
    return value if isinstance(value, Table) else copy.deepcopy(value, memo)


def _transact_write_items(original: Callable[[DynamoDBBackend, list[dict[str, Any]]], None]) -> Any:
    @functools.wraps(original)
    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        named: dict[str, list[dict[str, Any]]] = {}
        for entry in transact_items[:100]:  # moto refuses more, before writing anything
            operation = next(iter(entry.values()), None)
            name = operation.get("TableName") if isinstance(operation, dict) else None
            if name in self.tables:
                named.setdefault(name, []).append(operation)
        saved = {name: _Saved(self, self.tables[name], operations) for name, operations in named.items()}
        try:
            original(self, transact_items)
        except BaseException:
            # moto cancelled it: it has put back the same table objects (their copies were not made);
            # the items and stream records it wrote go here.
            for name, before in saved.items():
                before.restore(self, name)
            raise

    return transact_write_items


def install() -> None:
    """Idempotent; before moto serves its first transaction (the local stack's moto server, the tests)."""
    if not isinstance(moto.dynamodb.models.copy, types.SimpleNamespace):
        moto.dynamodb.models.copy = types.SimpleNamespace(deepcopy=_deepcopy_but_tables)  # type: ignore[assignment]
        DynamoDBBackend.transact_write_items = _transact_write_items(DynamoDBBackend.transact_write_items)  # type: ignore[method-assign]
