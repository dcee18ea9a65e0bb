"""The audit's read of the whole table: the one place a full-table Scan is acceptable.

It serves an operator's tool (``make audit``) and the test suites, never a request path: every
request and every scheduled job reads only what its key or its due-date bucket names.
"""

from __future__ import annotations

from collections.abc import Iterator

from loyalty.store.client import Item, dynamodb, from_item, table_name


def scan() -> Iterator[Item]:
    """Every item of the table, strongly consistent, page by page."""
    paginator = dynamodb().get_paginator("scan")
    for page in paginator.paginate(TableName=table_name(), ConsistentRead=True):
        for raw in page.get("Items", []):
            yield from_item(raw)
