"""Counts what the layer asks of DynamoDB: round trips, and the write units they consumed."""

from __future__ import annotations

from typing import Any, Self

from loyalty.store.client import dynamodb

WRITES = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"}


class DynamoCalls:
    """Records every DynamoDB operation made through the layer's client, and asks each for its
    consumed capacity (ReturnConsumedCapacity=TOTAL) so write units can be summed."""

    def __init__(self) -> None:
        self.operations: list[str] = []
        self.write_units = 0.0
        self.read_units = 0.0
        self.items_returned = 0

    def _before(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        self.operations.append(model.name)
        if model.input_shape is not None and "ReturnConsumedCapacity" in model.input_shape.members:
            params["ReturnConsumedCapacity"] = "TOTAL"

    def _after(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        consumed = parsed.get("ConsumedCapacity") or []
        for entry in consumed if isinstance(consumed, list) else [consumed]:
            # With TOTAL, DynamoDB reports CapacityUnits: write units for a write, read units for a read.
            units = float(entry.get("CapacityUnits", 0) or 0)
            if model.name in WRITES:
                self.write_units += units
            else:
                self.read_units += units
        self.items_returned += len(parsed.get("Items", [])) + (1 if "Item" in parsed else 0)

    def __enter__(self) -> Self:
        events = dynamodb().meta.events
        events.register("before-parameter-build.dynamodb", self._before)
        events.register("after-call.dynamodb", self._after)
        return self

    def __exit__(self, *_: object) -> None:
        events = dynamodb().meta.events
        events.unregister("before-parameter-build.dynamodb", self._before)
        events.unregister("after-call.dynamodb", self._after)
