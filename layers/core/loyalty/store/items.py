"""The few shapes in which the store reads and writes the table, so that each module writes only what is
its own: an item by its key; a put, update or delete under a condition; the same as an item of a
transaction; a Query and its pages; a record made from its item and back.

Values here are Python values (``str``, ``int``, ``Decimal``, ``bytes``, lists and maps of them): they
become attribute values on the way out and come back plain (loyalty.store.client).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import MISSING, fields
from functools import cache
from types import NoneType, UnionType
from typing import TYPE_CHECKING, Any, Literal, Union, get_args, get_origin, get_type_hints

from loyalty.store.client import Item, Write, dynamodb, from_item, table_name, to_item, to_value, write_if
from loyalty.store.transactions import TxItem

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

NEW = "attribute_not_exists(PK)"  # the condition of a put that only creates: a second one is refused

# An expression's placeholders as DynamoDB spells them: ``#name`` for an attribute's name (any may be a
# reserved word), ``:value`` for a value.
Placeholders = Mapping[str, Any] | None
Explain = Callable[[Item | None], str | None] | None


# --- one item --------------------------------------------------------------------------------------


def get[T](key: Item, decode: Callable[[Item], T], *, consistent: bool = True) -> T | None:
    """What ``decode`` makes of the item at ``key``; None when there is none. Strongly consistent unless
    told otherwise: what is decided on a read must not rest on an older write."""
    answer = dynamodb().get_item(TableName=table_name(), Key=to_item(key), ConsistentRead=consistent)
    return decode(from_item(answer["Item"])) if "Item" in answer else None


def put(item: Item, condition: str | None = None, marks: Placeholders = None, *, old: bool = False) -> Write:
    """PutItem; refused (``written`` False) when ``condition`` does not hold (``NEW``: the key is taken),
    with the item as it was when ``old``."""
    return write_if(dynamodb().put_item, Item=to_item(item), **_conditions(condition, marks, old))


def update(
    key: Item, expression: str, condition: str | None = None, marks: Placeholders = None, *, old: bool = False
) -> Write:
    """UpdateItem; refused when ``condition`` does not hold, with the item as it was when ``old``."""
    request = _conditions(condition, marks, old)
    return write_if(dynamodb().update_item, Key=to_item(key), UpdateExpression=expression, **request)


def delete(key: Item, condition: str | None = None, marks: Placeholders = None) -> Write:
    """DeleteItem; refused when ``condition`` does not hold."""
    return write_if(dynamodb().delete_item, Key=to_item(key), **_conditions(condition, marks))


def _conditions(condition: str | None, marks: Placeholders, old: bool = False) -> dict[str, Any]:
    """The parts of a request that every kind of write words alike (none of them empty: DynamoDB refuses
    an empty map of names or values)."""
    request: dict[str, Any] = {}
    if condition is not None:
        request["ConditionExpression"] = condition
    names = {mark: name for mark, name in (marks or {}).items() if mark.startswith("#")}
    values = {mark: to_value(value) for mark, value in (marks or {}).items() if mark.startswith(":")}
    if len(names) + len(values) != len(marks or {}):
        raise ValueError(f"a placeholder starts with # or with : (given {sorted(marks or {})})")
    if names:
        request["ExpressionAttributeNames"] = names
    if values:
        request["ExpressionAttributeValues"] = values
    if old:
        request["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    return request


def each(verb: Literal["SET", "ADD"], attributes: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """One clause that sets (or adds to) every attribute given: the expression and its placeholders."""
    joint = " = " if verb == "SET" else " "
    expression = f"{verb} " + ", ".join(f"#a{i}{joint}:a{i}" for i in range(len(attributes)))
    names = {f"#a{i}": name for i, name in enumerate(attributes)}
    return expression, {**names, **{f":a{i}": value for i, value in enumerate(attributes.values())}}


# --- items of a transaction (loyalty.store.transactions) --------------------------------------------
# ``old``: a failed condition returns the item as it was, for ``explain`` (the refusal it stands for)
# or for the caller (TxResult.failed).


def put_tx(
    role: str,
    item: Item,
    condition: str | None = None,
    marks: Placeholders = None,
    *,
    old: bool = False,
    explain: Explain = None,
) -> TxItem:
    """A Put in a transaction, in ``role``."""
    request = {"TableName": table_name(), "Item": to_item(item), **_conditions(condition, marks, old)}
    return TxItem(role, {"Put": request}, explain)


def delete_tx(role: str, key: Item, condition: str | None = None, marks: Placeholders = None) -> TxItem:
    """A Delete in a transaction, in ``role``."""
    return TxItem(role, {"Delete": {"TableName": table_name(), "Key": to_item(key), **_conditions(condition, marks)}})


def update_tx(
    role: str,
    key: Item,
    expression: str,
    condition: str | None = None,
    marks: Placeholders = None,
    *,
    old: bool = False,
    explain: Explain = None,
) -> TxItem:
    """An Update in a transaction, in ``role``."""
    request = {"TableName": table_name(), "Key": to_item(key), "UpdateExpression": expression}
    return TxItem(role, {"Update": {**request, **_conditions(condition, marks, old)}}, explain)


def check_tx(role: str, key: Item, condition: str, marks: Placeholders = None) -> TxItem:
    """A ConditionCheck in a transaction: it writes nothing, it only holds while ``condition`` does."""
    request = {"TableName": table_name(), "Key": to_item(key), **_conditions(condition, marks)}
    return TxItem(role, {"ConditionCheck": request})


def counted_tx(role: str, key: Item, limit: int, expires_at: int | None = None, explain: Explain = None) -> TxItem:
    """One more on the counter item at ``key`` (created at 1), only while it is below ``limit``;
    ``expires_at``: the counter's ``ttl``, once what it counts is over."""
    marks: dict[str, Any] = {"#count": "count", ":one": 1, ":limit": limit}
    expression = "ADD #count :one"
    if expires_at is not None:
        expression += " SET #ttl = :ttl"
        marks.update({"#ttl": "ttl", ":ttl": expires_at})
    condition = "attribute_not_exists(#count) OR #count < :limit"
    return update_tx(role, key, expression, condition, marks, explain=explain)


# --- Queries ----------------------------------------------------------------------------------------


def query(
    partition: str,
    *,
    index: str | None = None,
    prefix: str | None = None,
    sort: str | None = None,
    values: Mapping[str, Any] | None = None,
    newest_first: bool = False,
    limit: int | None = None,
    consistent: bool = False,
    **more: Any,
) -> dict[str, Any]:
    """The request of a Query of ``partition`` (the table's, or ``index``'s): the items whose sort key
    begins with ``prefix``, or meets ``sort`` (a condition on it, whose ``values`` come along), or all;
    ``more``: the request's other parameters (a filter, a projection), as DynamoDB names them."""
    pk, sk = (f"{index}PK", f"{index}SK") if index else ("PK", "SK")
    condition = f"{pk} = :pk"
    given: dict[str, Any] = {":pk": partition, **(values or {})}
    if prefix is not None:
        condition += f" AND begins_with({sk}, :prefix)"
        given[":prefix"] = prefix
    elif sort is not None:
        condition += f" AND {sort}"
    request: dict[str, Any] = {"TableName": table_name(), "KeyConditionExpression": condition, **more}
    request["ExpressionAttributeValues"] = {name: to_value(value) for name, value in given.items()}
    if index:
        request["IndexName"] = index
    if newest_first:
        request["ScanIndexForward"] = False
    if limit is not None:
        request["Limit"] = limit
    if consistent:
        request["ConsistentRead"] = True
    return request


def pages(request: Mapping[str, Any]) -> Iterator[list[Item]]:
    """The pages of a Query, their items made plain, to the last (a caller that has enough stops)."""
    for raw_page in _raw_pages("query", request):
        yield [from_item(raw) for raw in raw_page]


def scanned(request: Mapping[str, Any]) -> Iterator[list[dict[str, Any]]]:
    """The pages of a Scan, as DynamoDB answers them (its typed values), to the last: for an operator's
    command (a rebuild, the audit), never a request or a job, which read what is due or bounded."""
    return _raw_pages("scan", request)


def _raw_pages(operation: str, request: Mapping[str, Any]) -> Iterator[list[dict[str, Any]]]:
    going = dict(request)
    while True:
        answer = getattr(dynamodb(), operation)(**going)
        yield answer.get("Items", [])
        if "LastEvaluatedKey" not in answer:
            return
        going["ExclusiveStartKey"] = answer["LastEvaluatedKey"]


def every(request: Mapping[str, Any]) -> list[Item]:
    """Every item a Query finds, all pages read."""
    return [item for page in pages(request) for item in page]


def first_page(request: Mapping[str, Any]) -> list[Item]:
    """The items of a Query's first page (a Query bounded by its ``Limit``, or by what a key holds)."""
    return next(pages(request))


# --- records ----------------------------------------------------------------------------------------
# A record (a frozen dataclass) stores each field as the attribute of the same name, unless its module
# says otherwise: renaming a field renames what is stored, so an old name is kept where it is written
# (``attributes(..., but=...)``) and read (``build(..., given)``).


def attributes(record: DataclassInstance, *, but: Collection[str] = ()) -> Item:
    """A record's fields by name, as its item stores them, but those named (stored otherwise, or not)."""
    return {field.name: getattr(record, field.name) for field in fields(record) if field.name not in but}


def present(item: Item) -> Item:
    """The item without its None values: what is stored (an absent attribute reads as None)."""
    return {name: value for name, value in item.items() if value is not None}


def build[T: DataclassInstance](cls: type[T], item: Item, **given: Any) -> T:
    """``cls`` from its item: each field not ``given`` from the attribute of its name, made the field's
    type (``str``, ``int``, ``bool``, ``bytes``, lists and maps of them, or either or None; anything
    else as stored). An absent attribute leaves the field's default, or None where the field may be
    None; otherwise it is a KeyError, as reading a required attribute is."""
    hints = _hints(cls)
    found: dict[str, Any] = {}
    for field in fields(cls):
        if field.name in given:
            continue
        if field.name in item:
            found[field.name] = _made(hints[field.name], item[field.name])
        elif field.default is MISSING and field.default_factory is MISSING:
            if NoneType not in get_args(hints[field.name]):
                raise KeyError(field.name)
            found[field.name] = None
    return cls(**found, **given)


@cache
def _hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls)


def _made(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = get_origin(hint)
    if origin in (Union, UnionType):
        kinds = [kind for kind in get_args(hint) if kind is not NoneType]
        return _made(kinds[0], value) if len(kinds) == 1 else value
    if origin is list:
        return [_made(get_args(hint)[0], element) for element in value]
    if origin is dict:
        key_kind, value_kind = get_args(hint)
        return {_made(key_kind, name): _made(value_kind, element) for name, element in value.items()}
    if hint in (str, int, bool, bytes):
        return hint(value)
    return value
