"""What every in-process test used to pay again and again for nothing it checks: measured, most of an
in-process test's CPU went to making the AWS clients and resources of its fresh moto account, not to the
test. Four costs are cut here, none of which changes an answer a test sees:

- botocore's service models. ``mock_aws`` resets boto3's default session, and ``create_resources`` makes a
  session of its own, so every test made new sessions whose loaders parsed the same JSON files again
  (endpoints, dynamodb, sqs, kms, events, s3, sesv2...): about 0.3 s of CPU a test. One loader per data path
  serves every session of the process; the files are botocore's own, read only, and a loader already hands
  the same parsed objects to every client of its session.
- moto's DynamoDB, before each TransactWriteItems, deep-copies the whole table once per item of the
  transaction, to put it back if the transaction is cancelled: a test that writes a few hundred items paid
  more for those copies than for everything else (half the CPU of the handler and use-case tests). Here the items the
  transaction names are copied instead, and put back (with the stream's records) on a cancellation: the
  items a transaction may change are exactly those it names, so what a cancelled transaction leaves is
  the same, and a committed one the same. tests/service/test_moto_speed.py holds both to what moto does.
- the clients ``create_resources`` makes the template's resources with: on moto, one set serves every
  test of the process (``moto_clients``), as moto's mock answers whichever client sends.
- moto's KMS makes an RSA-2048 key pair for every key it creates, whatever its spec, and uses it only to sign
  and verify with asymmetric keys. The template's keys are symmetric (encrypt and decrypt use their own
  key material, made fresh for each key as before), so one pair, made once, serves all of them: about 0.1 s
  a key, two keys a test. Asymmetric keys still get a pair of their own.
"""

from __future__ import annotations

import copy
import functools
import types
from collections.abc import Callable
from typing import Any

import boto3
import botocore.loaders
import botocore.session
import moto.dynamodb.models
import moto.kms.models
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table

_SYMMETRIC = "SYMMETRIC_DEFAULT"


class _SearchPaths(list[str]):
    """boto3 appends its own data folder to the loader of each session it makes: once is enough."""

    def append(self, path: str) -> None:
        if path not in self:
            super().append(path)


@functools.cache
def _shared_loader(search_path_string: str | None = None) -> botocore.loaders.Loader:
    loader = botocore.loaders.create_loader(search_path_string)
    loader._search_paths = _SearchPaths(loader.search_paths)
    return loader


class _Saved:
    """A table's items named by a transaction, and its stream, as they were before it: ``restore`` puts
    them back. Keys it cannot read (a malformed request, which moto cancels) make it copy the whole table,
    as moto does."""

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
        if self.whole is not None:
            backend.tables[name] = self.whole
            return
        for hash_key, range_key, item in reversed(self.items):
            if range_key is None:
                if item is None:
                    self.table.items.pop(hash_key, None)
                else:
                    self.table.items[hash_key] = item
            elif item is None:
                self.table.items.get(hash_key, {}).pop(range_key, None)
            else:
                self.table.items[hash_key][range_key] = item
        if self.stream is not None:
            shard, records, count = self.stream
            del records[count:]
            shard.items = records
            self.table.stream_shard = shard


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


class _Clients:
    """What ``resources.create_resources`` asks of its session: ``client(name)``, here made once."""

    def __init__(self) -> None:
        self._session = boto3.Session()
        self._made: dict[str, Any] = {}

    def client(self, service_name: str) -> Any:
        if service_name not in self._made:
            self._made[service_name] = self._session.client(service_name)  # type: ignore[call-overload]
        return self._made[service_name]


@functools.cache
def moto_clients() -> Any:
    """The clients for moto's resources (never DynamoDB Local's: their endpoint changes with the engine)."""
    return _Clients()


def install() -> None:
    """Idempotent; call before the first session is made (tests/conftest.py does, at import)."""
    botocore.session.create_loader = _shared_loader  # type: ignore[attr-defined]
    if getattr(moto.kms.models.generate_private_key, "__wrapped__", None) is None:
        made = moto.kms.models.generate_private_key
        unused = functools.cache(lambda: made("RSA_2048"))

        @functools.wraps(made)
        def generate_private_key(key_spec: str) -> Any:
            return unused() if key_spec == _SYMMETRIC else made(key_spec)

        moto.kms.models.generate_private_key = generate_private_key
    if not isinstance(moto.dynamodb.models.copy, types.SimpleNamespace):
        moto.dynamodb.models.copy = types.SimpleNamespace(deepcopy=_deepcopy_but_tables)  # type: ignore[assignment]
        DynamoDBBackend.transact_write_items = _transact_write_items(DynamoDBBackend.transact_write_items)  # type: ignore[method-assign]
