"""What happened to a member, as the events a write publishes (the contract's event types). Pure.

A write records its events on the member item in the same transaction as the change itself (the
member's ``outbox``); the table's stream turns them into published events, in order per member.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from loyalty.models.event_types import EventType  # the contract's event types, one list


@dataclass(frozen=True)
class Event:
    type: EventType
    data: Mapping[str, object] = field(default_factory=dict)
