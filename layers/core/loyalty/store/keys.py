"""Every primary and index key of the single table is built here, and nowhere else.

Entity prefixes keep the item types apart; docs/access-patterns.md says who reads what.

A member's partition (``MEMBER#<id>``) holds its profile (SK ``PROFILE``) and, right after it in sort
order, its lots (SK ``PROFILE#LOT#<YYYY-MM>``: the points expiring in that month, by day). One Query on
``begins_with(SK, "PROFILE")`` therefore returns the profile followed by the lots that expire soonest,
and a ``Limit`` bounds it to the first few months.
"""

from __future__ import annotations

import zlib

PROFILE = "PROFILE"
LOT_PREFIX = "PROFILE#LOT#"
NEVER_MONTH = "9999-12"  # the lot of points that never expire (expiry day 9999-12-31)


def member(member_id: str) -> dict[str, str]:
    """The member's profile: balances, tier, qualifying buckets, due days, email bookkeeping."""
    return {"PK": f"MEMBER#{member_id}", "SK": PROFILE}


def member_partition(member_id: str) -> str:
    return f"MEMBER#{member_id}"


def member_id_of(partition_key: str) -> str:
    return partition_key.removeprefix("MEMBER#")


def lot(member_id: str, month: str) -> dict[str, str]:
    """The member's points that expire in ``month`` (YYYY-MM), one attribute per day of the month."""
    return {"PK": f"MEMBER#{member_id}", "SK": f"{LOT_PREFIX}{month}"}


def month_of_lot(sort_key: str) -> str:
    return sort_key.removeprefix(LOT_PREFIX)


CONSENT_PREFIX = "CONSENT#"


def consent(member_id: str, slot: int) -> dict[str, str]:
    """One of the member's kept consent changes (a ring of slots, so their number stays bounded)."""
    return {"PK": f"MEMBER#{member_id}", "SK": f"{CONSENT_PREFIX}{slot:02d}"}


def redeemed_count(member_id: str, reward_id: str) -> dict[str, str]:
    """How often a member redeemed a reward that has a per-member limit."""
    return {"PK": f"MEMBER#{member_id}", "SK": f"REDEEMED#{reward_id}"}


CAMPAIGN_BUDGET_PREFIX = "BUDGET"  # a campaign's budget shares, and the single counter of before them


def campaign_partition(campaign_id: str) -> str:
    return f"CAMPAIGN#{campaign_id}"


def campaign_share(campaign_id: str, share: int) -> dict[str, str]:
    """One share of a campaign's budget (loyalty.domain.budget_shares): what it may still give and what
    it gave, taken from in the accrual's transaction under a condition that it holds what is taken."""
    return {"PK": campaign_partition(campaign_id), "SK": f"{CAMPAIGN_BUDGET_PREFIX}#{share:02d}"}


def bonus(entry_id: str) -> dict[str, str]:
    """A bonus entry of its own (the signup bonus: ``signup:<member_id>``), written once."""
    return {"PK": f"BONUS#{entry_id}", "SK": "BONUS"}


def member_event(event_id: str) -> dict[str, str]:
    """A member event (POST /v1/members/{id}/events), keyed by the client's event_id: its idempotency key
    and, when it credited points, its ``bonus`` entry."""
    return {"PK": f"EVENT#{event_id}", "SK": "EVENT"}


def event_count(member_id: str, event_type: str, period: str) -> dict[str, str]:
    """How many events of a type credited a member in one period (``ever`` without period_days). Outside
    the profile's ``PROFILE`` prefix, so the member's Query never reads it; it expires (``ttl``) once its
    period is over."""
    return {"PK": f"MEMBER#{member_id}", "SK": f"EVENTS#{event_type}#{period}"}


def email(address: str) -> dict[str, str]:
    """Uniqueness guard: one item per lower-cased email, naming its member."""
    return {"PK": f"EMAIL#{address}", "SK": "EMAIL"}


def referral(code: str) -> dict[str, str]:
    """Uniqueness guard and lookup for a member's referral code."""
    return {"PK": f"REFERRAL#{code}", "SK": "REFERRAL"}


def referee(member_id: str) -> dict[str, str]:
    """A referred member's referral: the order that may complete it, its state, and (while there is
    work to do) its place in the maturing index (GSI2), so the maturing job finds it without a scan."""
    return {"PK": f"REFEREE#{member_id}", "SK": "REFEREE"}


def referral_entry(entry_id: str) -> dict[str, str]:
    """A ``referral`` or milestone ``bonus`` entry (``referee:<referee>``, ``referrer:<referee>``,
    ``milestone:<referrer>:<count>``), written once: each id can be credited one time only."""
    return {"PK": f"REFERRAL_ENTRY#{entry_id}", "SK": "ENTRY"}


def program() -> dict[str, str]:
    """The program configuration: one per deployment (one table, one program)."""
    return {"PK": "PROGRAM", "SK": "CURRENT"}


def api_key(key_hash: str) -> dict[str, str]:
    """An API key, found by the SHA-256 of its value (the value itself is never stored)."""
    return {"PK": f"APIKEY#{key_hash}", "SK": "APIKEY"}


def api_key_id(key_id: str) -> dict[str, str]:
    """Pointer from a key's public id to its hash, so DELETE /v1/admin/keys/{key_id} can find it."""
    return {"PK": f"KEYID#{key_id}", "SK": "KEYID"}


def order(order_id: str) -> dict[str, str]:
    """An accrued order (and its earn entry); keyed by the client's id so a second credit cannot be written."""
    return {"PK": f"ORDER#{order_id}", "SK": "ORDER"}


def refund(refund_id: str) -> dict[str, str]:
    return {"PK": f"REFUND#{refund_id}", "SK": "REFUND"}


def redemption(code: str) -> dict[str, str]:
    """A redemption, keyed by its voucher code (derived from the redemption_id, see store.redemptions),
    so the idempotency key, the voucher lookup and the ledger entry are one item."""
    return {"PK": f"VOUCHER#{code}", "SK": "REDEMPTION"}


def redemption_cancel(redemption_id: str) -> dict[str, str]:
    """The ledger entry of a cancelled redemption, written once."""
    return {"PK": f"CANCEL#{redemption_id}", "SK": "CANCEL"}


def adjustment(adjustment_id: str) -> dict[str, str]:
    return {"PK": f"ADJUSTMENT#{adjustment_id}", "SK": "ADJUSTMENT"}


def erasure(member_id: str) -> dict[str, str]:
    """The ledger entry of a member's erasure (the forfeit of its balance): one per member, so an
    erasure repeated forfeits nothing twice. Outside every client id's key space."""
    return {"PK": f"ERASURE#{member_id}", "SK": "ERASURE"}


def expiry_entry(member_id: str, expires_on: str, run_day: str | None) -> dict[str, str]:
    """The ledger entry of one day's expiry, keyed so that it is written once. Points a cancelled
    redemption gives back to a day that has already expired expire again on a later run: that entry
    carries the run's day too."""
    suffix = "" if run_day is None else f"#{run_day}"
    return {"PK": f"EXPIRE#{member_id}#{expires_on}{suffix}", "SK": "EXPIRE"}


def secret(name: str) -> dict[str, str]:
    """A random secret the platform made for itself (link signing, voucher codes)."""
    return {"PK": f"SECRET#{name}", "SK": "SECRET"}


def card(code: str) -> dict[str, str]:
    """Uniqueness guard and lookup of a member card's code (GET /v1/cards/{card_code}): names its member."""
    return {"PK": f"CARD#{code}", "SK": "CARD"}


def member_card(member_id: str) -> dict[str, str]:
    """The member's current card (outside its ``PROFILE`` prefix: the member's Query never reads it)."""
    return {"PK": f"MEMBER#{member_id}", "SK": "CARD"}


def attempts(member_id: str, action: str, window: int) -> dict[str, str]:
    """A member's attempts at ``action`` in one rate-limit window (epoch seconds // window length): a
    conditional counter, gone with its ``ttl`` after the window."""
    return {"PK": f"MEMBER#{member_id}", "SK": f"ATTEMPTS#{action}#{window}"}


CATALOG = "CATALOG"
REWARD_PREFIX = "REWARD#"


def reward(reward_id: str) -> dict[str, str]:
    """A reward, in the one partition of the catalog: the storefront lists it with a Query of the table,
    so a redemption's stock update writes no index (the catalog is small: one partition holds it)."""
    return {"PK": CATALOG, "SK": f"{REWARD_PREFIX}{reward_id}"}


# --- GSI1: activity ----------------------------------------------------------------------------------


def activity(member_id: str, occurred_at: str, entry_id: str) -> dict[str, str]:
    """GSI1 keys that put a ledger entry in its member's activity, in time order."""
    return {"GSI1PK": f"ACTIVITY#{member_id}", "GSI1SK": f"{occurred_at}#{entry_id}"}


def activity_partition(member_id: str) -> str:
    return f"ACTIVITY#{member_id}"


# --- GSI2 to GSI6: due work ---------------------------------------------------------------------------
# Partition DUE#<kind>#<shard>, sort key the day the work is due: a job reads every shard's range up to
# its day, so a run after any outage still finds everything due, and nothing that is not.

DUE_SHARDS = 16
# HELD shares GSI2 with MATURE in partitions of its own (DUE#HELD#<shard>): platform refunds held for an
# order that has not come, on the day they fail (loyalty.store.platform_events).
DUE_INDEX = {
    "MATURE": "GSI2",
    "HELD": "GSI2",
    "DORMANT": "GSI3",
    "TIER": "GSI4",
    "EXPIRY": "GSI5",
    "REMIND": "GSI6",
}


def shard_of(member_id: str) -> int:
    """A stable shard (0..15) per member: one member's due items always share a shard, so two workers
    never race on one member, while a day's work spreads over 16 index partitions."""
    return zlib.crc32(member_id.encode()) % DUE_SHARDS


def due_partition(kind: str, shard: int) -> str:
    return f"DUE#{kind}#{shard:02d}"


def due(kind: str, member_id: str, day: str) -> dict[str, str]:
    """The index attributes that put an item in ``kind``'s due index on ``day``."""
    index = DUE_INDEX[kind]
    return {f"{index}PK": due_partition(kind, shard_of(member_id)), f"{index}SK": day}


# --- Events out and integrations in ------------------------------------------------------

WEBHOOKS = "WEBHOOKS"


def webhook(webhook_id: str) -> dict[str, str]:
    """A webhook subscription. All of them share one small partition: the publisher reads them with
    one Query per batch (there are a handful per deployment, not thousands)."""
    return {"PK": WEBHOOKS, "SK": f"WEBHOOK#{webhook_id}"}


def deliveries_partition(webhook_id: str) -> str:
    return f"WEBHOOK#{webhook_id}"


def delivery(webhook_id: str, occurred_at: str, event_id: str) -> dict[str, str]:
    """One event's delivery to one webhook. Every part comes from the event itself, so a stream record
    delivered again builds the same key and ``attribute_not_exists`` refuses a second delivery; the
    event time leads the sort key, so the delivery log reads newest first."""
    return {"PK": deliveries_partition(webhook_id), "SK": f"DELIVERY#{occurred_at}#{event_id}"}


def integration(connection_id: str) -> dict[str, str]:
    """An inbound commerce connection (Shopify, WooCommerce) with its encrypted signing secret."""
    return {"PK": f"INTEGRATION#{connection_id}", "SK": "INTEGRATION"}


def platform_customer(connection_id: str, customer_id: str) -> dict[str, str]:
    """Guard and lookup: a platform's customer id (per connection) -> our member_id."""
    return {"PK": f"CUSTOMER#{connection_id}#{customer_id}", "SK": "CUSTOMER"}


def customer_link(member_id: str, connection_id: str, customer_id: str) -> dict[str, str]:
    """The same link seen from the member (outside its ``PROFILE`` prefix): erasure finds and deletes
    the member's links with one Query of its partition."""
    return {"PK": f"MEMBER#{member_id}", "SK": f"{CUSTOMER_LINK_PREFIX}{connection_id}#{customer_id}"}


CUSTOMER_LINK_PREFIX = "LINK#"


HELD_EVENT_PREFIX = "EVENT#"
HELD_ORDER = "ORDER"


def held_partition(order_id: str) -> str:
    """Everything a platform sent about one order before (or instead of) its credit: a refund that came
    first waits here, so the order's arrival finds it with one strongly consistent Query of this key."""
    return f"HELD#{order_id}"


def held_event(order_id: str, event_id: str) -> dict[str, str]:
    """A platform event about the order that could not be applied when it came (held, failed...)."""
    return {"PK": held_partition(order_id), "SK": f"{HELD_EVENT_PREFIX}{event_id}"}


def held_order(order_id: str) -> dict[str, str]:
    """The order came and credits nobody (not a member, say): its refunds have nothing to reverse."""
    return {"PK": held_partition(order_id), "SK": HELD_ORDER}


def platform_event(connection_id: str, event_id: str) -> dict[str, str]:
    """Locator, written once with the event: the admin routes name an event by connection and id."""
    return {"PK": f"PEVENT#{connection_id}#{event_id}", "SK": "PEVENT"}


def platform_events(connection_id: str, status: str) -> str:
    """GSI1 partition listing a connection's platform events in one status, newest first."""
    return f"PEVENTS#{connection_id}#{status}"


# --- accounting aggregates (loyalty.store.accounting) ------------------------------------------------
# Partition ACCT#<shard> (the member's shard), sort key DAY#<booking day>: what the ledger moved that
# day, added up from the table's stream (loyalty.services.books). A month is one Query per shard.
ACCOUNTING_PREFIX = "ACCT#"
ACCOUNTING_DAY_PREFIX = "DAY#"


def accounting_partition(shard: int) -> str:
    return f"{ACCOUNTING_PREFIX}{shard:02d}"


def accounting_day(member_id: str, day: str) -> dict[str, str]:
    return accounting_shard_day(shard_of(member_id), day)


def accounting_shard_day(shard: int, day: str) -> dict[str, str]:
    return {"PK": accounting_partition(shard), "SK": f"{ACCOUNTING_DAY_PREFIX}{day}"}


# Partition BOOKS#STREAM, sort key the stream shard's id: the last stream record whose books the day
# items took in (loyalty.store.stream_books), moved in the same transaction as the adds.
BOOKS_CHECKPOINTS = "BOOKS#STREAM"


def books_checkpoint(stream_shard: str) -> dict[str, str]:
    return {"PK": BOOKS_CHECKPOINTS, "SK": stream_shard}


def books_record(member_id: str, version: int) -> dict[str, str]:
    """What a write of the member booked, kept for a rebuild of the books when the write has no ledger
    entry of its own (a tier review, an expiry): outside the ``PROFILE`` prefix, never read by a request."""
    return {"PK": f"MEMBER#{member_id}", "SK": f"BOOKED#{version:010d}"}


def accounting_month(month: str) -> dict[str, str]:
    """A closed month's balances, frozen when a report first needs them."""
    return {"PK": f"{ACCOUNTING_PREFIX}MONTH", "SK": month}


def accounting_months() -> str:
    return f"{ACCOUNTING_PREFIX}MONTH"


IMPORT_CHUNK_PREFIX = "CHUNK#"
IMPORT_ERRORS_PREFIX = "ERRORS#"


def import_job(import_id: str) -> dict[str, str]:
    """A bulk import: its state and counters. Its chunks' records sit in the same partition."""
    return {"PK": f"IMPORT#{import_id}", "SK": "IMPORT"}


def import_partition(import_id: str) -> str:
    return f"IMPORT#{import_id}"


def import_chunk(import_id: str, chunk: int) -> dict[str, str]:
    """One chunk of an import done (its counts added once): written once per chunk."""
    return {"PK": f"IMPORT#{import_id}", "SK": f"{IMPORT_CHUNK_PREFIX}{chunk:06d}"}


def import_errors(import_id: str, chunk: int) -> dict[str, str]:
    """The rejected lines of one chunk (only chunks with some): read in chunk order, so by line."""
    return {"PK": f"IMPORT#{import_id}", "SK": f"{IMPORT_ERRORS_PREFIX}{chunk:06d}"}


def import_entry(import_id: str, member_id: str) -> dict[str, str]:
    """A member's ``import`` ledger entry, written once per import and member: the import's
    idempotency key for that member and the entry that explains the lots it brought."""
    return {"PK": f"IMPORTED#{import_id}#{member_id}", "SK": "IMPORTED"}


def simulation(simulation_id: str) -> dict[str, str]:
    """A what-if simulation: its proposed program, its state and, once run, its answer."""
    return {"PK": f"SIMULATION#{simulation_id}", "SK": "SIMULATION"}
