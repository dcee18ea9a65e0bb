"""Every error the contract names keeps its HTTP status and code, and the domain's errors know no HTTP:
the statuses live in one table in loyalty.entrypoints.http."""

import inspect
import json

import pytest

from loyalty.domain import errors
from loyalty.entrypoints import http
from loyalty.entrypoints.media_types import UnsupportedMediaType
from loyalty.services.program import ContradictsDeployment
from loyalty.services.unsubscribe import UnsubscribeLinkInvalid

# What each error answered before the statuses left the domain (class, status, code): the contract's.
ANSWERS = [
    (errors.LoyaltyError, 400, "bad_request"),
    (errors.Unauthorized, 401, "unauthorized"),
    (errors.TokenExpired, 401, "token_expired"),
    (errors.Forbidden, 403, "forbidden"),
    (errors.NotFound, 404, "not_found"),
    (errors.MemberNotFound, 404, "member_not_found"),
    (errors.OrderNotFound, 404, "order_not_found"),
    (errors.RewardNotFound, 404, "reward_not_found"),
    (errors.RedemptionNotFound, 404, "redemption_not_found"),
    (UnsubscribeLinkInvalid, 404, "unsubscribe_link_invalid"),
    (errors.Conflict, 409, "conflict"),
    (errors.MemberExists, 409, "member_exists"),
    (errors.EmailTaken, 409, "email_taken"),
    (errors.MemberErased, 409, "member_erased"),
    (errors.MemberMerged, 409, "member_exists"),
    (errors.RefundExceedsOrder, 409, "refund_exceeds_order"),
    (errors.IdempotencyConflict, 409, "idempotency_conflict"),
    (errors.RewardUnavailable, 409, "reward_unavailable"),
    (errors.InsufficientPoints, 409, "insufficient_points"),
    (errors.OutOfStock, 409, "out_of_stock"),
    (errors.LimitReached, 409, "limit_reached"),
    (errors.RedemptionUsed, 409, "redemption_used"),
    (errors.RedemptionCancelled, 409, "redemption_cancelled"),
    (errors.ProgramNotConfigured, 409, "program_not_configured"),
    (errors.PayloadTooLarge, 413, "payload_too_large"),
    (UnsupportedMediaType, 415, "validation_error"),
    (errors.InvalidInput, 422, "validation_error"),
    (ContradictsDeployment, 422, "validation_error"),
    (errors.RateLimited, 429, "rate_limited"),
    (errors.Contended, 503, "unavailable"),
]


def _instance(kind: type[errors.LoyaltyError]) -> errors.LoyaltyError:
    if kind is errors.MemberMerged:
        return errors.MemberMerged("merged", "m-2")
    if kind is ContradictsDeployment:
        return ContradictsDeployment([(["currency"], "differs")])
    if kind is errors.RateLimited:
        return errors.RateLimited("no", retry_after=30)
    if issubclass(kind, UnsupportedMediaType):
        return kind("no")
    if issubclass(kind, errors.InvalidInput):
        return kind("no", ["body"])
    return kind("no")


@pytest.mark.parametrize(("kind", "status", "code"), ANSWERS, ids=[kind.__name__ for kind, _, _ in ANSWERS])
def test_each_error_answers_its_status_and_code(kind: type[errors.LoyaltyError], status: int, code: str) -> None:
    answer = http.error_response(_instance(kind))
    assert (answer.status_code, answer.content_type) == (status, http.PROBLEM_JSON)
    body = json.loads(answer.body)
    assert (body["status"], body["code"]) == (status, code)


def test_every_domain_error_is_listed() -> None:
    named = {kind for kind, _, _ in ANSWERS}
    domain = {kind for _, kind in inspect.getmembers(errors, inspect.isclass) if issubclass(kind, errors.LoyaltyError)}
    assert domain <= named, sorted(kind.__name__ for kind in domain - named)


def test_domain_errors_carry_no_http_status() -> None:
    with_status = [
        name
        for name, kind in inspect.getmembers(errors, inspect.isclass)
        if issubclass(kind, errors.LoyaltyError) and hasattr(kind, "status")
    ]
    assert with_status == []
