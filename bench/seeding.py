"""Large tables fast: clones of a member the real services wrote, put with parallel BatchWriteItem.

Seeding through the API one member at a time costs a handler run and a transaction per member; the
bench's tables need tens of thousands. So the bench enrolls (and credits) one member through the API,
reads back every item of its partition as the store wrote it, and writes clones of those items under
other member ids: the items are exactly the API's, by construction, whatever the design makes them.
A clone changes only what names the member: the id wherever it appears (keys, attributes, the email),
and the shard a member's id picks (loyalty.store.keys.shard_of: the due-work partitions
``DUE#<kind>#<shard>``).

Two threads: measured on this 2-core machine against DynamoDB Local (in memory), 50,000 members (100,000
items) took 88 s with 2 threads, 100 s with 1; 5,000 took 16 s with 3 threads and 54 s with 8 (its JVM
serializes the writes, and more clients only add contention).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
from botocore.config import Config

Item = dict[str, Any]  # DynamoDB JSON ({"S": ...}, {"N": ...})

SEED_THREADS = 2
BATCH = 25  # BatchWriteItem's limit
CHUNK = 1_000  # members built and written per task
_DUE = re.compile(r"(DUE#[A-Za-z_]+#)(\d\d)\b")


def client() -> Any:
    return boto3.client("dynamodb", config=Config(max_pool_connections=SEED_THREADS * 2))


def partition(table: str, pk: str, dynamodb: Any = None) -> list[Item]:
    """Every item of one partition, consistently, all pages (DynamoDB JSON)."""
    found: list[Item] = []
    request: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "PK = :pk",
        "ExpressionAttributeValues": {":pk": {"S": pk}},
        "ConsistentRead": True,
    }
    dynamodb = dynamodb or client()
    while True:
        answer = dynamodb.query(**request)
        found += answer.get("Items", [])
        if "LastEvaluatedKey" not in answer:
            return found
        request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]


def clone(item: Item, old_id: str, new_id: str, shard_of: Callable[[str], int]) -> Item:
    """``item`` of member ``old_id`` as the store would have written it for ``new_id``: the id replaced
    wherever it appears, the member's due-work shard moved to the new id's."""
    old_shard, new_shard = f"{shard_of(old_id):02d}", f"{shard_of(new_id):02d}"
    # Binary attributes (the member item's packed outbox, ``q``, ``ml``) are copied as they are: no JSON
    # text to replace in (the outbox's events keep the first member's ids in their data).
    binary = {name: value for name, value in item.items() if "B" in value}
    text = json.dumps({name: value for name, value in item.items() if name not in binary}).replace(old_id, new_id)

    def move(found: re.Match[str]) -> str:
        return found[1] + (new_shard if found[2] == old_shard else found[2])

    cloned: Item = {**json.loads(_DUE.sub(move, text)), **binary}
    return cloned


def put_all(table: str, count: int, build: Callable[[int], list[Item]], threads: int = SEED_THREADS) -> None:
    """The items ``build(index)`` returns for every index below ``count``, in parallel batches of 25."""

    def write(start: int) -> None:
        dynamodb = client()
        items: list[Item] = []
        for index in range(start, min(start + CHUNK, count)):
            items += build(index)
        write_batches(dynamodb, table, items)

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(write, range(0, count, CHUNK)))


def write_batches(dynamodb: Any, table: str, items: Iterable[Item]) -> None:
    listed = list(items)
    for offset in range(0, len(listed), BATCH):
        pending = [{"PutRequest": {"Item": item}} for item in listed[offset : offset + BATCH]]
        while pending:
            answer = dynamodb.batch_write_item(RequestItems={table: pending})
            pending = answer.get("UnprocessedItems", {}).get(table, [])
