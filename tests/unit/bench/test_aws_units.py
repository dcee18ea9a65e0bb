"""bench.aws_units: DynamoDB's published sizing and billing rules, checked against the guide's own
examples wherever it gives one (quoted in each case's name)."""

from __future__ import annotations

from typing import Any

import pytest

from bench import aws_units
from bench.aws_units import Index, ItemWrite, Schema

KB = 1024


def sized(size: int, **extra: Any) -> dict[str, Any]:
    """An item of exactly ``size`` bytes by AWS's rules: PK "k" (3 bytes), a string ``d``, and ``extra``
    (wire-form values whose bytes count towards the size)."""
    item: dict[str, Any] = {"PK": {"S": "k"}, **extra}
    padding = size - aws_units.item_size(item) - 1  # the attribute name "d" is 1 byte
    assert padding >= 0, "extra attributes larger than the size asked for"
    return {**item, "d": {"S": "x" * padding}}


@pytest.mark.parametrize(
    ("item", "size"),
    [
        ({}, 0),
        ({"a": {"S": "abc"}}, 1 + 3),
        ({"é": {"S": "日本"}}, 2 + 6),  # names and strings count their UTF-8 bytes
        ({"Id": {"N": "123"}}, 2 + 2 + 1),  # 3 significant digits: 2 bytes, plus 1
        ({"n": {"N": "0"}}, 1 + 1),
        ({"n": {"N": "1000"}}, 1 + 2),  # trailing zeroes trimmed: one digit
        ({"n": {"N": "0.001"}}, 1 + 2),  # leading zeroes trimmed
        ({"n": {"N": "-12.50"}}, 1 + 3),  # 1, 2, 5
        ({"n": {"N": "1E+3"}}, 1 + 2),
        ({"n": {"N": "9" * 38}}, 1 + 19 + 1),  # the most digits a number holds
        ({"b": {"B": b"\x00\x01\x02"}}, 1 + 3),  # raw bytes, not their base64
        ({"b": {"B": "AAEC"}}, 1 + 3),  # the same value as base64 text
        ({"t": {"BOOL": True}}, 1 + 1),
        ({"z": {"NULL": True}}, 1 + 1),
        ({"l": {"L": []}}, 1 + 3),  # an empty list: 3 bytes
        ({"m": {"M": {}}}, 1 + 3),
        ({"l": {"L": [{"S": "ab"}, {"N": "1"}]}}, 1 + 3 + (1 + 2) + (1 + 2)),  # 1 byte per element
        ({"m": {"M": {"k": {"S": "v"}}}}, 1 + 3 + (1 + 1 + 1)),  # an element counts its name too
        ({"m": {"M": {"in": {"L": [{"BOOL": False}]}}}}, 1 + 3 + (1 + 2 + (3 + 1 + 1))),
        ({"s": {"SS": ["a", "bc"]}}, 1 + 3),  # sets: the guide is silent; their elements, no overhead
        ({"s": {"NS": ["1", "22"]}}, 1 + 2 + 2),
        (
            # A public calculator's worked example (mikaelvesavuori/ddbitemsizer README): 141 bytes.
            {
                "itemType": {"S": "SLOT"},
                "id": {"S": "abc1231"},
                "hostName": {"S": "Harry Mason"},
                "timeSlot": {"S": "February 23, 1999"},
                "slotStatus": {"S": "OPEN"},
                "createdAt": {"S": "February 1, 1999"},
                "updatedAt": {"S": "February 1, 1999"},
                "expiresAt": {"N": "2099"},
            },
            141,
        ),
    ],
)
def test_item_size(item: dict[str, Any], size: int) -> None:
    assert aws_units.item_size(item) == size


def test_unknown_type_is_refused() -> None:
    with pytest.raises(ValueError, match="not a DynamoDB attribute value"):
        aws_units.value_size({"X": "?"})


def test_sized_helper_makes_the_size_asked_for() -> None:
    assert aws_units.item_size(sized(1536)) == 1536


SCHEMA = Schema(
    keys=("PK", "SK"),
    indexes=(
        Index("ALL1", ("G1PK", "G1SK"), "ALL"),
        Index("KEYS", ("G2PK",), "KEYS_ONLY"),
        Index("INC", ("G3PK", "G3SK"), "INCLUDE", frozenset({"balance"})),
    ),
)


def entry(size: int = 300, **extra: Any) -> dict[str, Any]:
    return sized(size, SK={"S": "s"}, **extra)


G1 = {"G1PK": {"S": "A"}, "G1SK": {"S": "1"}}
G2 = {"G2PK": {"S": "due"}}
G3 = {"G3PK": {"S": "X"}, "G3SK": {"S": "1"}}


@pytest.mark.parametrize(
    ("case", "write", "table", "indexes"),
    [
        # Table writes (ProvisionedThroughput.html, "Capacity unit consumption for writes").
        ("put of a 500-byte item", ItemWrite("put", None, sized(500)), 1, {}),
        ("'put or delete an item of 1.6 KB ... rounds up to 2 KB'", ItemWrite("put", None, sized(1639)), 2, {}),
        ("delete of a 1.6 KB item", ItemWrite("delete", sized(1639), None), 2, {}),
        ("delete of an absent item: at least 1", ItemWrite("delete", None, None), 1, {}),
        ("exactly 1 KB", ItemWrite("put", None, sized(KB)), 1, {}),
        ("a byte over 1 KB", ItemWrite("put", None, sized(KB + 1)), 2, {}),
        ("'the larger of the before and after item sizes'", ItemWrite("update", sized(2600), sized(400)), 3, {}),
        ("put replacing a larger item", ItemWrite("put", sized(2100), sized(100)), 3, {}),
        # Transactions (transaction-apis.html): 'three 500-byte items ... six WCUs' is 2 per item.
        ("transactional put of a 500-byte item", ItemWrite("put", None, sized(500), transactional=True), 2, {}),
        ("transactional update of a 1.5 KB item", ItemWrite("update", sized(1536), sized(1536), True), 4, {}),
        ("ConditionCheck of a 500-byte item", ItemWrite("check", sized(500), sized(500), True), 2, {}),
        ("ConditionCheck of an absent item", ItemWrite("check", None, None, True), 2, {}),
        ("ConditionCheck of a 1.5 KB item", ItemWrite("check", sized(1536), sized(1536), True), 4, {}),
        # Index writes (GSI.html, "Write capacity units"), per index.
        ("enters ALL and INCLUDE", ItemWrite("put", None, entry(**G1, **G3)), 1, {"ALL1": 1, "INC": 1}),
        ("not in any index", ItemWrite("put", None, entry()), 1, {}),
        ("transaction doubles the table, not the index", ItemWrite("put", None, entry(**G1), True), 2, {"ALL1": 1}),
        ("leaves: its key attribute removed", ItemWrite("update", entry(**G1), entry()), 1, {"ALL1": 1}),
        ("leaves: deleted", ItemWrite("delete", entry(**G1, **G2), None), 1, {"ALL1": 1, "KEYS": 1}),
        (
            "'changes the value of an indexed key attribute (from A to B), two writes'",
            ItemWrite("update", entry(**G1), entry(G1PK={"S": "A"}, G1SK={"S": "2"})),
            1,
            {"ALL1": 2},
        ),
        (
            "a non-key attribute changes: ALL rewrites, KEYS_ONLY does not",
            ItemWrite("update", entry(**G1, **G2, note={"S": "a"}), entry(**G1, **G2, note={"S": "b"})),
            1,
            {"ALL1": 1},
        ),
        (
            "INCLUDE: a projected attribute changes",
            ItemWrite("update", entry(**G3, balance={"N": "1"}), entry(**G3, balance={"N": "2"})),
            1,
            {"INC": 1},
        ),
        (
            "INCLUDE: an attribute it does not project changes",
            ItemWrite("update", entry(**G3, balance={"N": "1"}, note={"S": "a"}), entry(**G3, balance={"N": "1"})),
            1,
            {},
        ),
        (
            "the same number written differently is no change",
            ItemWrite("update", entry(**G1, balance={"N": "1.0"}), entry(**G1, balance={"N": "1"})),
            1,
            {},
        ),
        (
            "sets in another order are no change",
            ItemWrite("update", entry(**G1, tags={"SS": ["a", "b"]}), entry(**G1, tags={"SS": ["b", "a"]})),
            1,
            {},
        ),
        (
            "'Larger index entries will require additional write capacity units': 1 per KB",
            ItemWrite("put", None, sized(1536, SK={"S": "s"}, **G1, **G2)),
            2,
            {"ALL1": 2, "KEYS": 1},
        ),
        (
            "a key change of a 1.5 KB item in an ALL index: a delete and a put of 2 each",
            ItemWrite(
                "update",
                sized(1536, SK={"S": "s"}, **G1),
                sized(1536, SK={"S": "s"}, G1PK={"S": "A"}, G1SK={"S": "2"}),
            ),
            2,
            {"ALL1": 4},
        ),
    ],
)
def test_item_write_units(case: str, write: ItemWrite, table: float, indexes: dict[str, float]) -> None:
    units = aws_units.item_write_units(write, SCHEMA)
    assert (units.table, units.indexes) == (table, indexes), case


def test_projection_keeps_index_and_table_keys() -> None:
    item = entry(**G2, **G3, balance={"N": "5"}, note={"S": "n"})
    assert set(SCHEMA.project(item, SCHEMA.index("KEYS")) or {}) == {"PK", "SK", "G2PK"}
    assert set(SCHEMA.project(item, SCHEMA.index("INC")) or {}) == {"PK", "SK", "G3PK", "G3SK", "balance"}
    assert SCHEMA.project(item, SCHEMA.index("ALL1")) is None  # no G1 keys: not in that index


def test_a_sort_key_alone_does_not_put_an_item_in_an_index() -> None:
    assert SCHEMA.project(entry(G1SK={"S": "1"}), SCHEMA.index("ALL1")) is None


def test_batch_write_is_each_item_on_its_own() -> None:
    """'writes a 500 byte item and a 3.5 KB item ... 5 KB (1 KB + 4 KB), not 4 KB'."""
    writes = [ItemWrite("put", None, sized(500)), ItemWrite("put", None, sized(3584))]
    assert sum(aws_units.item_write_units(write, SCHEMA).table for write in writes) == 5


@pytest.mark.parametrize(
    ("case", "size", "consistent", "transactional", "units"),
    [
        ("'an item that is 3.5 KB ... rounds the item size to 4 KB'", 3584, True, False, 1),
        ("'an item of 10 KB ... rounds the item size to 12 KB'", 10 * KB, True, False, 3),
        ("the same, eventually consistent: half", 10 * KB, False, False, 1.5),
        ("'8 KB ... 2 read units ... strongly consistent'", 8 * KB, True, False, 2),
        ("'8 KB ... 1 read unit ... eventually consistent'", 8 * KB, False, False, 1),
        ("'8 KB ... 4 read units for a transactional read'", 8 * KB, True, True, 4),
        ("'eventually consistent ... 80 KB ... 10 capacity units'", 80 * KB, False, False, 10),
        ("an item that does not exist: 1 (strong)", 0, True, False, 1),
        ("an item that does not exist: 0.5 (eventual)", 0, False, False, 0.5),
        ("exactly 4 KB", 4 * KB, True, False, 1),
        ("a byte over 4 KB", 4 * KB + 1, True, False, 2),
    ],
)
def test_read_units(case: str, size: int, consistent: bool, transactional: bool, units: float) -> None:
    assert aws_units.read_units(size, consistent=consistent, transactional=transactional) == units, case


def test_get_item_of_an_absent_item_still_costs() -> None:
    assert aws_units.get_item_units(None, consistent=True) == 1
    assert aws_units.get_item_units(None, consistent=False) == 0.5


def test_batch_get_rounds_each_item() -> None:
    """'reads a 1.5 KB item and a 6.5 KB item ... 12 KB (4 KB + 8 KB), not 8 KB'."""
    assert aws_units.batch_get_units([sized(1536), sized(6656)], consistent=True) == 3


def test_transact_get_doubles() -> None:
    """'reads three 500-byte items ... six read capacity units'."""
    assert aws_units.transact_get_units([sized(500)] * 3) == 6


def test_query_rounds_the_sum_once() -> None:
    """'your query returns 10 items whose combined size is 40.8 KB ... rounds ... to 44 KB'."""
    items = [sized(4178)] * 10  # 41,780 bytes = 40.8 KB
    assert aws_units.query_units(items, consistent=True) == 11


def test_query_of_many_small_items() -> None:
    """'If a query returns 1500 items of 64 bytes each, the cumulative size is 96 KB'."""
    assert aws_units.query_units([sized(64)] * 1500, consistent=True) == 24


def test_index_query_counts_projected_sizes() -> None:
    """'a global secondary index where each item contains 2000 bytes ... the query returns 8 items ...
    0.5 x (16 KB / 4 KB), or 2 read capacity units'."""
    items = [sized(2000, SK={"S": "s"}, **G1)] * 8
    assert aws_units.query_units(items, consistent=False, index=SCHEMA.index("ALL1"), schema=SCHEMA) == 2
    # The same items in a KEYS_ONLY index are a few bytes each: the least a Query costs.
    keys_only = [sized(2000, SK={"S": "s"}, **G2)] * 8
    assert aws_units.query_units(keys_only, consistent=False, index=SCHEMA.index("KEYS"), schema=SCHEMA) == 0.5


def test_an_empty_query_still_costs() -> None:
    assert aws_units.query_units([], consistent=True) == 1


def test_schema_from_table_properties() -> None:
    properties = {
        "KeySchema": [{"AttributeName": "SK", "KeyType": "RANGE"}, {"AttributeName": "PK", "KeyType": "HASH"}],
        "GlobalSecondaryIndexes": [
            {"IndexName": "A", "KeySchema": [{"AttributeName": "APK", "KeyType": "HASH"}], "Projection": {}},
            {
                "IndexName": "B",
                "KeySchema": [
                    {"AttributeName": "BPK", "KeyType": "HASH"},
                    {"AttributeName": "BSK", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["x", "y"]},
            },
        ],
    }
    schema = Schema.from_table_properties(properties)
    assert schema.keys == ("PK", "SK")  # partition key first, whatever the order written
    assert schema.indexes == (
        Index("A", ("APK",), "ALL"),
        Index("B", ("BPK", "BSK"), "INCLUDE", frozenset({"x", "y"})),
    )
