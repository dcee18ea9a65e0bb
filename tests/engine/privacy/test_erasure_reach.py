"""Erasure reaches everything the platform can delete (issue 19, deliverable 6).

A shopper goes through every path that writes about them: a Shopify order (auto-enrolled and linked by
customer id), a signed but malformed payload that ends in the dead-letter queue, an admin adjustment
whose reason names them, webhook deliveries of their events. After the erasure, nothing the platform
holds (the whole table by Scan, every queue and dead-letter queue, the bucket) names them.
"""

from __future__ import annotations

import json
import os
from typing import Any

import boto3
import pytest

from harness.api import Api
from local import poller, runtime
from local.template import Template
from loyalty import settings
from loyalty.store import integrations as integrations_store
from tests.auditing import audit_clean
from tests.conftest import table_items
from tests.service.events import helpers
from tests.service.integrations_in import shops

EMAIL = "bob.norman@hostmail.com"
NAME = "Bob Norman"
MEMBER = "shop-1:207119551"


@pytest.fixture
def loopback(aws: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("WEBHOOKS_ALLOW_LOOPBACK", "true")
    settings.reset()
    return aws


def settle(template: Template) -> None:
    """Run the accrual consumer over its queue as the event source mapping would, a failed record seen
    again at once, until the queue is empty (what fails three times, moto moves to the DLQ)."""
    sqs = boto3.client("sqs")
    url = os.environ["ACCRUAL_QUEUE_URL"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    for _ in range(20):
        messages = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0, MessageSystemAttributeNames=["All"]
        ).get("Messages", [])
        if not messages:
            return
        ids = [m["MessageId"] for m in messages]
        try:
            event = {"Records": [poller.sqs_record(m, arn) for m in messages]}
            failed = poller.failed_ids(runtime.invoke(template, "AccrualConsumerFunction", event), ids)
        except Exception:  # Powertools fails the invocation when every record failed
            failed = set(ids)
        for message in messages:
            if message["MessageId"] not in failed:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    raise AssertionError("the accrual queue did not settle")


def queue_texts(take: bool) -> dict[str, list[str]]:
    """Every message of every queue (dead-letter queues included), by queue name."""
    sqs = boto3.client("sqs")
    found: dict[str, list[str]] = {}
    for url in sqs.list_queues().get("QueueUrls", []):
        bodies = found.setdefault(url.rsplit("/", 1)[-1], [])
        for _ in range(100):
            messages = sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0 if not take else 30
            )
            if not messages.get("Messages"):
                break
            for message in messages["Messages"]:
                bodies.append(message["Body"])
                if take:
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            if not take:
                break
    return found


def bucket_texts() -> dict[str, str]:
    s3 = boto3.client("s3")
    found = {}
    for bucket in s3.list_buckets()["Buckets"]:
        for item in s3.list_objects_v2(Bucket=bucket["Name"]).get("Contents", []):
            body = s3.get_object(Bucket=bucket["Name"], Key=item["Key"])["Body"].read()
            found[f"{bucket['Name']}/{item['Key']}"] = body.decode("utf-8", errors="replace")
    return found


def naming(texts: Any) -> list[str]:
    """The texts that name the shopper (email or name, in any case)."""
    flat = [json.dumps(text, default=str) for text in texts]
    return [text[:200] for text in flat if EMAIL in text.lower() or NAME.lower() in text.lower()]


@pytest.mark.engine
def test_after_erasure_nothing_in_the_table_queues_or_bucket_names_the_shopper(
    loopback: str, api: Api, admin_api: Api, template: Template, ddb: Any
) -> None:
    shops.at(shops.SAMPLE_PLACED)
    shops.connect(admin_api, "shop-1", "shopify", match_members_by="customer_id")
    hook = {"url": "http://127.0.0.1:9/hooks/crm", "events": ["*"]}
    assert admin_api.put("/v1/admin/webhooks/crm", hook).status == 201
    # A paid order: Bob enrolled (auto_enroll), linked by his Shopify customer id, credited.
    order = shops.body_of(shops.sample("shopify/order.json"))
    assert shops.shopify(api, "shop-1", order, "orders/paid").body == {"status": "queued"}
    settle(template)
    assert api.get(f"/v1/members/{MEMBER}").body["points"]["available"] == 597
    # A signed payload the consumer cannot read (cut short) fails three times and is dead-lettered.
    broken = order[:-200]
    assert shops.shopify(api, "shop-1", broken, "orders/paid").body == {"status": "queued"}
    settle(template)
    # An adjustment whose reason names him; the events go out to the webhook (deliveries queued).
    reason = f"Goodwill: {NAME} <{EMAIL}> called about a late parcel"
    adjustment = {"adjustment_id": "adj-bob", "points": 30, "reason": reason}
    assert admin_api.post(f"/v1/admin/members/{MEMBER}/adjustments", adjustment).status == 201
    helpers.publisher_poller(template).drain()

    # Before: he is everywhere the paths above write.
    assert naming(table_items(ddb)), "the profile, the email guard, the adjustment's reason"
    dead = queue_texts(take=False)["AccrualDeadLetterQueue"]
    assert len(dead) == 1, "the malformed payload's message is dead-lettered"
    assert naming(dead + list(bucket_texts().values())), "its body waits for a redrive"
    assert integrations_store.member_by_customer("shop-1", "207119551") == MEMBER

    assert admin_api.delete(f"/v1/admin/members/{MEMBER}").status == 204
    helpers.publisher_poller(template).drain()

    assert naming(table_items(ddb)) == []
    assert naming(bucket_texts().values()) == []
    queues = queue_texts(take=True)
    assert len(queues["AccrualDeadLetterQueue"]) == 1, "the pointer stays (the DLQ alarm still sees it)"
    assert sum(len(bodies) for bodies in queues.values()) > 1, "the deliveries are queued"
    assert [(name, text) for name, bodies in queues.items() for text in naming(bodies)] == []
    assert integrations_store.member_by_customer("shop-1", "207119551") is None
    activity = api.get(f"/v1/members/{MEMBER}/activity").body["items"]
    assert [e["reason"] for e in activity if e.get("adjustment_id") == "adj-bob"] == ["redacted"]
    audit_clean()


def test_a_repeated_erasure_finishes_what_a_failed_one_left(
    loopback: str, api: Api, admin_api: Api, template: Template, ddb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from loyalty.store import entries

    shops.at(shops.SAMPLE_PLACED)
    shops.connect(admin_api, "shop-1", "shopify", match_members_by="customer_id")
    order = shops.body_of(shops.sample("shopify/order.json"))
    shops.shopify(api, "shop-1", order, "orders/paid")
    settle(template)
    reason = f"asked by {EMAIL}"
    adjustment = {"adjustment_id": "a-1", "points": 5, "reason": reason}
    assert admin_api.post(f"/v1/admin/members/{MEMBER}/adjustments", adjustment).status == 201

    def broken(adjustment_id: str, member_id: str) -> None:
        raise RuntimeError("DynamoDB is away")

    with monkeypatch.context() as patched:
        patched.setattr(entries, "redact_reason", broken)
        assert admin_api.delete(f"/v1/admin/members/{MEMBER}").status == 500
    assert naming(table_items(ddb)), "the reason is still there"
    assert admin_api.delete(f"/v1/admin/members/{MEMBER}").status == 204
    assert naming(table_items(ddb)) == []
    assert integrations_store.customer_links(MEMBER) == []
