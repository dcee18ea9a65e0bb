"""What AWS would bill for a request, by DynamoDB's published rules, from the items it touched.

DynamoDB Local reports capacity, but not as AWS bills it (it rounds a transaction's summed size, where
AWS rounds each item; its TOTAL leaves index writes out), so the benchmark sizes the items itself and
applies the rules below. Pure functions over items in DynamoDB's wire form (``{"S": "x"}``,
``{"N": "12"}``, ``{"M": {...}}``): no I/O, no boto3.

The rules, and where AWS publishes them (Amazon DynamoDB Developer Guide):

- Item size (CapacityUnitCalculations.html, "DynamoDB item sizes and formats"): the sum of every
  attribute's name (UTF-8 bytes) and value. String: UTF-8 bytes. Number: about 1 byte per two
  significant digits, leading and trailing zeroes trimmed, plus 1 byte. Binary: raw bytes. Boolean
  and null: 1 byte. List and map: 3 bytes, plus 1 byte per element, plus the elements (a map element
  also counts its name). The page says nothing of sets: a set is counted here as the sum of its
  elements' sizes, with no overhead (no item this project writes holds a set today).
- Write units (read-write-operations.html, ProvisionedThroughput.html "Capacity unit consumption
  for writes"): 1 per KB (1,024 bytes) of the item, rounded up, at least 1. PutItem and UpdateItem
  are billed on the larger of the item before and after the write, DeleteItem on the item deleted;
  BatchWriteItem per item, as if each were its own PutItem or DeleteItem; a failed conditional write
  on an item that does not exist, 1.
- Transactions (transaction-apis.html, "Capacity management for transactions"): DynamoDB performs
  "two underlying reads or writes of every item in the transaction", so each item of a
  TransactWriteItems costs twice its write units, and each item of a TransactGetItems twice its read
  units. A ConditionCheck is one of those items and is billed the same way, as writes: 2 x the write
  units of the item checked (2 when it does not exist). The guide does not say it in so many words;
  the paritysuite/dynamodb-conformance suite measured it on DynamoDB (a standalone ConditionCheck
  reports 2 write units, no read units; its PR 67). It writes nothing, so it costs no index write.
  Only the table side is doubled: the index writes a transaction causes are counted once each, as
  the issue's rule says and as the nubo-db/dynoxide emulator found when it checked against DynamoDB
  (its PR 188: "the transactional 2x factor applies to the base table arm alone"). DynamoDB Local
  differs on both points: it doubles a transaction's index writes and charges a ConditionCheck nothing.
- Index writes (GSI.html, "Write capacity units" under "Provisioned throughput considerations for
  Global Secondary Indexes"), per index, comparing the item before and after the write: the item
  enters the index (it gains the index's key attributes): 1 write of its projected size; it leaves
  the index (loses them, or is deleted): 1 write of its old projected size; an index key value
  changes: a delete and a put (both, each of its own size); only a projected non-key attribute
  changes: 1 write of the new projected size; nothing projected changes: nothing. "Larger index
  entries will require additional write capacity units": each write is 1 per KB, rounded up. The
  projected item holds the index keys and the table keys (KEYS_ONLY), plus NonKeyAttributes
  (INCLUDE), or the whole item (ALL).
- Read units (read-write-operations.html, "Capacity unit consumption for reads"; GSI.html, "Read
  capacity units"): 1 per 4 KB, rounded up, at least 1 even when nothing is found; half for an
  eventually consistent read (every index read is). GetItem: the item's size. BatchGetItem: each item
  as its own GetItem. Query and Scan: the summed size of the items read (for an index, their projected
  size), rounded up once per request; a filter does not reduce it and a projection expression does not
  change item sizes, so the items counted are those the request evaluated, not those it returned.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

KB = 1024
WRITE_UNIT_BYTES = KB
READ_UNIT_BYTES = 4 * KB

AttributeValue = Mapping[str, Any]  # one value in DynamoDB's wire form, e.g. {"S": "text"}
Item = Mapping[str, AttributeValue]
Projection = Literal["ALL", "KEYS_ONLY", "INCLUDE"]


# --- Item size ---------------------------------------------------------------------------------------


def _text_bytes(text: str) -> int:
    return len(text.encode("utf-8"))


def number_size(text: str) -> int:
    """A number's size: 1 byte per two significant digits (leading and trailing zeroes trimmed), plus 1.

    AWS calls this an approximation; it is the rule it publishes, so it is the one applied.
    """
    digits = "".join(str(digit) for digit in Decimal(text).as_tuple().digits).strip("0")
    return math.ceil(len(digits) / 2) + 1


def _binary_size(value: Any) -> int:
    # boto3 hands binary values over as bytes; a str here is the base64 text of the wire format.
    if isinstance(value, bytes | bytearray | memoryview):
        return len(value)
    return len(base64.b64decode(value))


def _list_size(elements: list[AttributeValue]) -> int:
    return 3 + sum(1 + value_size(element) for element in elements)


def _map_size(elements: Mapping[str, AttributeValue]) -> int:
    return 3 + sum(1 + _text_bytes(name) + value_size(element) for name, element in elements.items())


_SIZERS: dict[str, Callable[[Any], int]] = {
    "S": _text_bytes,
    "N": number_size,
    "B": _binary_size,
    "BOOL": lambda _: 1,
    "NULL": lambda _: 1,
    "SS": lambda elements: sum(_text_bytes(element) for element in elements),
    "NS": lambda elements: sum(number_size(element) for element in elements),
    "BS": lambda elements: sum(_binary_size(element) for element in elements),
    "L": _list_size,
    "M": _map_size,
}


def value_size(value: AttributeValue) -> int:
    """The size of one attribute value, without its name."""
    ((kind, data),) = value.items()
    if kind not in _SIZERS:
        raise ValueError(f"not a DynamoDB attribute value: {value!r}")
    return _SIZERS[kind](data)


def item_size(item: Item | None) -> int:
    """Bytes of an item by AWS's rules: each attribute's name plus its value (0 for no item)."""
    if not item:
        return 0
    return sum(_text_bytes(name) + value_size(value) for name, value in item.items())


# --- Table and index schema --------------------------------------------------------------------------


@dataclass(frozen=True)
class Index:
    name: str
    keys: tuple[str, ...]  # the index's partition key, then its sort key if it has one
    projection: Projection = "ALL"
    non_key: frozenset[str] = frozenset()  # NonKeyAttributes of an INCLUDE projection


@dataclass(frozen=True)
class Schema:
    keys: tuple[str, ...]  # the table's partition key, then its sort key
    indexes: tuple[Index, ...] = ()

    @classmethod
    def from_table_properties(cls, properties: Mapping[str, Any]) -> Schema:
        """From an ``AWS::DynamoDB::Table``'s Properties (KeySchema, Global/LocalSecondaryIndexes)."""

        def key_names(schema: Iterable[Mapping[str, str]]) -> tuple[str, ...]:
            ordered = sorted(schema, key=lambda element: element["KeyType"] != "HASH")
            return tuple(element["AttributeName"] for element in ordered)

        indexes = []
        for spec in [*properties.get("GlobalSecondaryIndexes", []), *properties.get("LocalSecondaryIndexes", [])]:
            projection = spec.get("Projection", {})
            indexes.append(
                Index(
                    name=spec["IndexName"],
                    keys=key_names(spec["KeySchema"]),
                    projection=projection.get("ProjectionType", "ALL"),
                    non_key=frozenset(projection.get("NonKeyAttributes", [])),
                )
            )
        return cls(keys=key_names(properties["KeySchema"]), indexes=tuple(indexes))

    def index(self, name: str) -> Index:
        return next(index for index in self.indexes if index.name == name)

    def key_of(self, item: Item) -> dict[str, AttributeValue]:
        """The table's primary key of an item."""
        return {name: item[name] for name in self.keys}

    def project(self, item: Item | None, index: Index) -> dict[str, AttributeValue] | None:
        """The item as ``index`` holds it, or None when the item is not in it (a key attribute missing)."""
        if not item or any(name not in item for name in index.keys):
            return None
        if index.projection == "ALL":
            return dict(item)
        kept = {*self.keys, *index.keys}
        if index.projection == "INCLUDE":
            kept |= index.non_key
        return {name: value for name, value in item.items() if name in kept}


# --- Write units ------------------------------------------------------------------------------------


def write_units(size: int) -> int:
    """Write units of one item write: 1 per KB, rounded up, at least 1."""
    return max(1, math.ceil(size / WRITE_UNIT_BYTES))


def _binary(data: Any) -> bytes:
    return base64.b64decode(data) if isinstance(data, str) else bytes(data)


_CANONICAL: dict[str, Callable[[Any], Any]] = {
    "N": lambda data: Decimal(data).normalize(),
    "B": _binary,
    "SS": frozenset,
    "NS": lambda data: frozenset(Decimal(element).normalize() for element in data),
    "BS": lambda data: frozenset(_binary(element) for element in data),
    "L": lambda data: tuple(_canonical(element) for element in data),
    "M": lambda data: frozenset((name, _canonical(element)) for name, element in data.items()),
}


def _canonical(value: AttributeValue) -> Any:
    """A comparable form, so that an unchanged value is seen unchanged (1.0 == 1, sets in any order)."""
    ((kind, data),) = value.items()
    return kind, _CANONICAL.get(kind, lambda same: same)(data)


def same_item(left: Item | None, right: Item | None) -> bool:
    if left is None or right is None:
        return left is right
    if left.keys() != right.keys():
        return False
    return all(_canonical(left[name]) == _canonical(right[name]) for name in left)


def index_write_units(before: Item | None, after: Item | None, index: Index, schema: Schema) -> int:
    """Write units one index consumes for a change of an item from ``before`` to ``after`` (None: absent)."""
    old = schema.project(before, index)
    new = schema.project(after, index)
    if old is None and new is None:
        return 0  # not in the index before or after
    if old is None:
        return write_units(item_size(new))  # enters
    if new is None:
        return write_units(item_size(old))  # leaves
    if any(not same_item({name: old[name]}, {name: new[name]}) for name in index.keys):
        return write_units(item_size(old)) + write_units(item_size(new))  # key changed: delete + put
    if not same_item(old, new):
        return write_units(item_size(new))  # a projected attribute changed
    return 0


WriteKind = Literal["put", "update", "delete", "check"]


@dataclass(frozen=True)
class ItemWrite:
    """One item a write request touched, as it was before and after (None: absent)."""

    kind: WriteKind
    before: Item | None
    after: Item | None
    transactional: bool = False


@dataclass
class WriteUnits:
    table: float = 0.0
    indexes: dict[str, float] = field(default_factory=dict)

    @property
    def index_total(self) -> float:
        return sum(self.indexes.values())

    @property
    def total(self) -> float:
        return self.table + self.index_total

    def add(self, other: WriteUnits) -> None:
        self.table += other.table
        for name, units in other.indexes.items():
            self.indexes[name] = self.indexes.get(name, 0.0) + units


def item_write_units(write: ItemWrite, schema: Schema) -> WriteUnits:
    """The table's and each index's write units for one item of a write request."""
    if write.kind == "check":
        # A ConditionCheck writes nothing; as an item of a transaction it is billed twice its write units.
        return WriteUnits(table=2 * write_units(item_size(write.before)))
    # A delete is billed on the item deleted; a put or an update on the larger of the item before and after.
    after = 0 if write.kind == "delete" else item_size(write.after)
    table = write_units(max(item_size(write.before), after)) * (2 if write.transactional else 1)
    indexes: dict[str, float] = {}
    for index in schema.indexes:
        if units := index_write_units(write.before, write.after, index, schema):
            indexes[index.name] = float(units)
    return WriteUnits(table=float(table), indexes=indexes)


# --- Read units -------------------------------------------------------------------------------------


def read_units(size: int, *, consistent: bool, transactional: bool = False) -> float:
    """Read units of one read of ``size`` bytes: 1 per 4 KB, rounded up, at least 1; half when eventually
    consistent; twice when transactional."""
    units = max(1, math.ceil(size / READ_UNIT_BYTES))
    if transactional:
        return float(2 * units)
    return float(units) if consistent else units / 2


def get_item_units(item: Item | None, *, consistent: bool) -> float:
    return read_units(item_size(item), consistent=consistent)


def batch_get_units(items: Iterable[Item | None], *, consistent: bool) -> float:
    """Each item of a BatchGetItem is billed as its own GetItem (found or not)."""
    return sum(get_item_units(item, consistent=consistent) for item in items)


def transact_get_units(items: Iterable[Item | None]) -> float:
    return sum(read_units(item_size(item), consistent=True, transactional=True) for item in items)


def query_units(
    items: Iterable[Item], *, consistent: bool, index: Index | None = None, schema: Schema | None = None
) -> float:
    """One Query or Scan request (one page): the summed size of the items it evaluated, rounded up once.

    On an index, each item counts as the index holds it (its projection). A global secondary index
    refuses consistent reads, so a request on one always comes with ``consistent=False``."""
    total = 0
    for item in items:
        if index is not None and schema is not None:
            total += item_size(schema.project(item, index))
        else:
            total += item_size(item)
    return read_units(total, consistent=consistent)
