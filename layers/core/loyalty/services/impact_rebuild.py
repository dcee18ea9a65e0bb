"""The impact aggregates rebuilt from the items that feed them (``make rebuild-impact``): for a table
whose orders and members predate the aggregates (an upgrade from before v1.2), or after the publisher
was stopped longer than the stream's 24 hours.

Unlike the books, the aggregates cannot be cut at a day: a refund or a late order moves any earlier
month, and the cohorts and last-order counts add up every month. So the rebuild is whole, and needs a
moment with no write that feeds them in flight: it starts only once the stream's consumer has taken in
every record it shows (``caught_up``), computes everything from one Scan (loyalty.domain.impact's own
rules, each item as its insert and its changes since brought it), writes it whole, and then checks that
no such write arrived meanwhile (the checkpoints did not move, and the stream shows nothing new to take
in). If one did, the result may miss it or count it twice: it says so and is run again (it converges as
soon as the shop is quiet for its length). A write after that check is taken in by the stream on top.
Members erased since are left out (the stream kept them in the months they ordered).
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_lambda_powertools import Logger
from botocore.exceptions import BotoCoreError, ClientError

from loyalty.adapters import clock, table_stream
from loyalty.domain.impact import totals
from loyalty.store import impact, impact_rebuild

logger = Logger(child=True)


@dataclass(frozen=True)
class Rebuilt:
    records: int  # profiles, orders and non-members' orders that brought something
    put: int  # aggregates and customers' months written
    deleted: int  # those the table held and no item now brings


class NotQuiet(RuntimeError):
    """Writes that feed the aggregates were (or may still be) on their way: run it again later."""


def caught_up() -> bool:
    """Whether the impact consumer took in every record the stream shows that moves an aggregate (its
    checkpoint on each shard, then nothing after it that brings a fact or a count). Not known is no."""
    try:
        known = impact.checkpoints()
        for shard in table_stream.shards():
            reading = table_stream.Reading(shard.id, known.get(shard.id))
            for record in reading:
                moved = impact.record_of(record)
                if moved.facts or moved.counts:
                    logger.info("impact not caught up", extra={"shard": shard.id})
                    return False
            if not reading.complete:
                return False
    except (BotoCoreError, ClientError):
        logger.exception("the stream could not be read: the impact aggregates are taken as not caught up")
        return False
    return True


def rebuild(*, check_quiet: bool = True) -> Rebuilt:
    """Every aggregate and customer's month recomputed and written whole (see the module's doc);
    ``check_quiet=False`` skips both checks (a table whose stream is off, or a stack stopped for it)."""
    if check_quiet and not caught_up():
        raise NotQuiet("the stream holds writes the impact aggregates have not taken in yet: try again later")
    before = impact.checkpoints()
    records = list(impact_rebuild.sources())
    customers, aggregates = totals(records)
    now = clock.now().timestamp()  # a customer's month past its ttl is one the stream side no longer holds
    customers = {(c, m): value for (c, m), value in customers.items() if impact.expires(m) > now}
    wanted = {(str(k["PK"]), str(k["SK"])) for k in map(impact.aggregate_key, aggregates)}
    wanted |= {(str(k["PK"]), str(k["SK"])) for k in (impact.customer_key(c, m) for c, m in customers)}
    gone = impact_rebuild.existing() - wanted
    put = impact_rebuild.put_all(aggregates, customers)
    deleted = impact_rebuild.delete_all(gone)
    if check_quiet and (impact.checkpoints() != before or not caught_up()):
        raise NotQuiet("writes arrived while the aggregates were rebuilt: run it again")
    return Rebuilt(len(records), put, deleted)
