"""Fault-injection fixtures: ``faults`` arms the layer's DynamoDB client (see harness.py)."""

from tests.service.faults.harness import faults

__all__ = ["faults"]
