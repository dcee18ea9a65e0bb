"""The books settled as a deployment settles them: the table's stream read the way Lambda reads it for
EventPublisherFunction (local/streams.py), each batch handed to the real handler, which takes its books
in (loyalty.services.books) and publishes its events.

``settle_books()`` reads what the stream holds since the last call for the same table and returns the
records it handed over; a test calls it after its writes and before it reads reports, the accounting day
items or the audit (tests/auditing.audit_clean does). Only member profile records and the records of
items keeping books (loyalty.store.stream_books) are handed over: the
stream's referral records (a completed referral credited from the stream) are the referral suites' own
to drive (tests/engine/jobs/test_referrals.py), so settling the books never credits one behind a test.
"""

from __future__ import annotations

import os
import threading
from dataclasses import replace
from functools import cache
from typing import Any

from local import runtime, streams
from local import template as template_loader
from local.template import ROOT, Template

FUNCTION = "EventPublisherFunction"
_pollers: dict[str, streams.StreamPoller] = {}


@cache
def _template() -> Template:
    return template_loader.load(ROOT / "template.yaml")


def _without_referrals(source: streams.StreamSource) -> streams.StreamSource:
    kept = [pattern for pattern in source.filters if "REFEREE#" not in str(pattern)]
    return replace(source, filters=kept)


def poller(template: Template | None = None) -> streams.StreamPoller:
    """The publisher's stream poller for the table under test (``TABLE_NAME``), made once per table."""
    table = os.environ["TABLE_NAME"]
    found = _pollers.get(table)
    if found is None:
        template = template or _template()
        (source,) = [s for s in streams.stream_sources(template) if s.function == FUNCTION]

        def invoke(event: dict[str, Any]) -> Any:
            return runtime.invoke(template, FUNCTION, event)

        found = streams.StreamPoller(_without_referrals(source), table, invoke, threading.Event())
        _pollers[table] = found
    return found


def settle_books(template: Template | None = None) -> int:
    """Hand the publisher every member record the stream holds that it has not had yet; returns how
    many. Its books are then in the accounting day items."""
    return poller(template).drain(rounds=1000)


def forget() -> None:
    """Forget the pollers (their table is gone with the test that made it)."""
    _pollers.clear()
