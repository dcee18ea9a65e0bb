"""harness.counting.DynamoCalls, asking DynamoDB for the per-index breakdown and counting items read.

Why INDEXES rather than TOTAL: DynamoDB Local's aggregate ``CapacityUnits`` under TOTAL leaves out the
writes to global secondary indexes (an accrual reports 6.0 under TOTAL, 10.0 under INDEXES: 6 for the
table, 2 for GSI1, 2 for GSI2). AWS's TOTAL aggregate includes them and on-demand billing charges them,
so the benchmark asks for INDEXES and keeps the table's share apart. What AWS would bill is priced
separately, item by item, by bench.aws_meter (DynamoDB Local also rounds a transaction's summed size
and doubles its index writes, where AWS does neither).
"""

from __future__ import annotations

from typing import Any

from harness.counting import WRITES, DynamoCalls


class Capacity(DynamoCalls):
    """Round trips (``operations``), units (``write_units``/``read_units``: table plus indexes), the
    table's and the indexes' shares of the write units, and the items each read examined."""

    def __init__(self) -> None:
        super().__init__()
        self.table_write_units = 0.0
        self.index_write_units = 0.0
        self.items_read = 0
        self.index_items_read = 0  # the part of items_read that came from a secondary index
        self._on_index = False

    def _before(self, model: Any, params: dict[str, Any], **kwargs: Any) -> None:
        super()._before(model, params, **kwargs)
        if "ReturnConsumedCapacity" in params:
            params["ReturnConsumedCapacity"] = "INDEXES"
        self._on_index = bool(params.get("IndexName"))

    def _after(self, parsed: dict[str, Any], model: Any, **kwargs: Any) -> None:
        super()._after(parsed, model, **kwargs)
        consumed = parsed.get("ConsumedCapacity") or []
        if model.name in WRITES:
            for entry in consumed if isinstance(consumed, list) else [consumed]:
                self.table_write_units += float((entry.get("Table") or {}).get("CapacityUnits", 0) or 0)
                for index in (entry.get("GlobalSecondaryIndexes") or {}).values():
                    self.index_write_units += float(index.get("CapacityUnits", 0) or 0)
        # What a read examined, which is what it is billed for: ScannedCount counts items a filter
        # later dropped, Count does not.
        if "ScannedCount" in parsed:
            self.items_read += int(parsed["ScannedCount"])
            if self._on_index:
                self.index_items_read += int(parsed["ScannedCount"])
        elif "Item" in parsed:
            self.items_read += 1
        elif "Responses" in parsed and isinstance(parsed["Responses"], dict):
            self.items_read += sum(len(items) for items in parsed["Responses"].values())
        elif "Responses" in parsed:
            self.items_read += sum(1 for response in parsed["Responses"] if response.get("Item"))

    @property
    def round_trips(self) -> int:
        return len(self.operations)
