"""Faults on the inbound platform path (issue 19): S3, SQS and KMS failing under the webhook route, the
accrual consumer and the erasure. A webhook we could not keep is answered 5xx, so the platform sends it
again (never 200 and lost); what was kept is processed once, whatever the retries; the audit is clean.

The failures are raised by the boto3 clients themselves (the AWS edge), as AWS answers them once boto3's
own retries are spent.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from botocore.exceptions import ClientError

from harness.api import Api
from local.template import Template
from loyalty.adapters import accrual_queue, inbound_bodies, kms
from tests.auditing import audit_clean
from tests.service.integrations_in import shops

MEMBER = "shop-1:207119551"
CREDIT = 597  # the sample order: three iPods at 199.00


def aws_error(code: str, status: int, operation: str) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": "injected"}, "ResponseMetadata": {"HTTPStatusCode": status}}, operation
    )


def failing(code: str, status: int, operation: str, after: Callable[..., Any] | None = None) -> Callable[..., Any]:
    """A client method that fails as AWS would; with ``after``, the call lands first and its answer is lost."""

    def call(**kwargs: Any) -> Any:
        if after is not None:
            after(**kwargs)
        raise aws_error(code, status, operation)

    return call


def bucket_keys() -> list[str]:
    answer = boto3.client("s3").list_objects_v2(Bucket=os.environ["INBOUND_BUCKET"], Prefix="inbound/")
    return [item["Key"] for item in answer.get("Contents", [])]


@pytest.fixture
def shop(api: Api, admin_api: Api) -> bytes:
    return shops.sample_shop(admin_api)


def sent_while_failing(
    api: Api, shop: bytes, monkeypatch: pytest.MonkeyPatch, client: Any, method: str, fail: Any
) -> Any:
    """Shopify's post of the order while the boto3 ``client``'s ``method`` is ``fail``."""
    with monkeypatch.context() as patched:
        patched.setattr(client, method, fail)
        return shops.shopify(api, "shop-1", shop, "orders/paid")


def sent_again_and_credited(api: Api, shop: bytes, template: Template) -> None:
    """Shopify sends it again: 200, and the consumer credits the order once."""
    assert shops.shopify(api, "shop-1", shop, "orders/paid").status == 200
    shops.consume(template, shops.queued())
    assert credited(api) == CREDIT


def credited(api: Api) -> int:
    answer = api.get(f"/v1/members/{MEMBER}")
    return int(answer.body["points"]["available"]) if answer.status == 200 else 0


@pytest.mark.parametrize(
    ("code", "status"),
    [("InternalError", 500), ("SlowDown", 503), ("AccessDenied", 403), ("KMS.DisabledException", 400)],
)
def test_a_body_the_bucket_refuses_is_answered_5xx_and_the_retry_credits_once(
    shop: bytes, api: Api, template: Template, monkeypatch: pytest.MonkeyPatch, code: str, status: int
) -> None:
    fail = failing(code, status, "PutObject")
    answer = sent_while_failing(api, shop, monkeypatch, inbound_bodies._client(), "put_object", fail)
    assert answer.status >= 500 and answer.content_type == "application/problem+json"
    assert shops.queued() == [] and bucket_keys() == []
    sent_again_and_credited(api, shop, template)
    assert bucket_keys() == []
    audit_clean()


@pytest.mark.parametrize(
    ("code", "status"),
    [("AWS.SimpleQueueService.RequestThrottled", 400), ("InternalError", 500), ("KMS.ThrottlingException", 400)],
)
def test_a_body_the_queue_refuses_is_answered_5xx_and_leaves_no_body(
    shop: bytes, api: Api, template: Template, monkeypatch: pytest.MonkeyPatch, code: str, status: int
) -> None:
    fail = failing(code, status, "SendMessage")
    answer = sent_while_failing(api, shop, monkeypatch, accrual_queue._client(), "send_message", fail)
    assert answer.status >= 500
    assert shops.queued() == [] and bucket_keys() == [], "the kept body is deleted again"
    sent_again_and_credited(api, shop, template)
    audit_clean()


def test_a_send_whose_answer_is_lost_is_retried_and_credits_once(
    shop: bytes, api: Api, template: Template, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = accrual_queue._client()
    fail = failing("InternalError", 500, "SendMessage", after=client.send_message)
    assert sent_while_failing(api, shop, monkeypatch, client, "send_message", fail).status >= 500
    assert shops.shopify(api, "shop-1", shop, "orders/paid").status == 200
    messages = shops.queued()
    assert len(messages) == 2, "the lost answer's message was queued after all"
    shops.consume(template, messages)
    assert credited(api) == CREDIT
    audit_clean()


def test_a_connection_secret_kms_cannot_decrypt_is_answered_5xx(
    shop: bytes, api: Api, template: Template, monkeypatch: pytest.MonkeyPatch
) -> None:
    fail = failing("KMSInternalException", 500, "Decrypt")
    answer = sent_while_failing(api, shop, monkeypatch, kms._client(), "decrypt", fail)
    assert answer.status >= 500, "not a 401: the signature was never checked"
    assert shops.queued() == [] and bucket_keys() == []
    sent_again_and_credited(api, shop, template)


def test_a_body_the_consumer_cannot_read_fails_its_record_and_is_credited_on_redelivery(
    shop: bytes, api: Api, template: Template, monkeypatch: pytest.MonkeyPatch
) -> None:
    from local import runtime
    from tests import sqs

    assert shops.shopify(api, "shop-1", shop, "orders/paid").status == 200
    [message] = shops.queued()
    with monkeypatch.context() as patched:
        patched.setattr(inbound_bodies._client(), "get_object", failing("InternalError", 500, "GetObject"))
        # Every record of the batch failed: the invocation fails, and SQS delivers the batch again.
        with pytest.raises(BatchProcessingError):
            runtime.invoke(template, "AccrualConsumerFunction", sqs.batch(sqs.record(message)))
    assert credited(api) == 0 and len(bucket_keys()) == 1, "the body waits for the redelivery"
    shops.consume(template, [message])
    shops.consume(template, [message])
    assert credited(api) == CREDIT and bucket_keys() == []
    audit_clean()


def test_a_processed_body_that_cannot_be_deleted_is_still_credited_once(
    shop: bytes, api: Api, template: Template, monkeypatch: pytest.MonkeyPatch
) -> None:
    shops.shopify(api, "shop-1", shop, "orders/paid")
    [message] = shops.queued()
    with monkeypatch.context() as patched:
        patched.setattr(inbound_bodies._client(), "delete_object", failing("InternalError", 500, "DeleteObject"))
        shops.consume(template, [message])
    assert credited(api) == CREDIT and len(bucket_keys()) == 1, "left to the lifecycle rule"
    shops.consume(template, [message])  # a redelivery: processed again, credited nothing more
    assert credited(api) == CREDIT and bucket_keys() == []
    audit_clean()


def test_an_erasure_the_bucket_fails_is_5xx_and_erases_nothing_until_it_is_sent_again(
    shop: bytes, api: Api, admin_api: Api, template: Template, monkeypatch: pytest.MonkeyPatch
) -> None:
    consume_later = shop[:-200]  # a payload that will fail: its body stays in the bucket
    shops.shopify(api, "shop-1", shop, "orders/paid")
    shops.consume(template, shops.queued())
    shops.shopify(api, "shop-1", consume_later, "orders/paid")
    shops.queued()
    assert len(bucket_keys()) == 1
    with monkeypatch.context() as patched:
        patched.setattr(inbound_bodies._client(), "delete_objects", failing("InternalError", 500, "DeleteObjects"))
        assert admin_api.delete(f"/v1/admin/members/{MEMBER}").status >= 500
    member = api.get(f"/v1/members/{MEMBER}").body
    assert member["status"] != "erased" and member["email"], "the email still finds the bodies on the retry"
    assert admin_api.delete(f"/v1/admin/members/{MEMBER}").status == 204
    assert bucket_keys() == []
    audit_clean()
