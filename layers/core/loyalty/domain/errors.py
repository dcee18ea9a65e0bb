"""Errors the API contract names: each carries its stable ``code`` and a title, and says what kind of
failure it is by its class (not found, conflict, invalid input...). The protocol is not the domain's:
``loyalty.entrypoints.http`` maps each kind to its HTTP status (``STATUS_FOR``) and renders problem+json."""

from __future__ import annotations


class LoyaltyError(Exception):
    """A failure the client can act on; ``loyalty.entrypoints.http.error_response`` renders it."""

    code = "bad_request"
    title = "Bad request"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class Unauthorized(LoyaltyError):
    code, title = "unauthorized", "Missing or unknown API key"


class TokenExpired(Unauthorized):
    """A member token past its ``exp``: the widget asks its tokenProvider for a new one."""

    code, title = "token_expired", "The member token has expired"


class Forbidden(LoyaltyError):
    code, title = "forbidden", "This key's scope does not allow this route"


class NotFound(LoyaltyError):
    code, title = "not_found", "Not found"


class MemberNotFound(NotFound):
    code, title = "member_not_found", "Member not found"


class OrderNotFound(NotFound):
    code, title = "order_not_found", "Order not found"


class RewardNotFound(NotFound):
    code, title = "reward_not_found", "Reward not found"


class RedemptionNotFound(NotFound):
    code, title = "redemption_not_found", "Redemption not found"


class Conflict(LoyaltyError):
    code, title = "conflict", "Conflict"


class MemberExists(Conflict):
    code, title = "member_exists", "Member id already enrolled with another email"


class EmailTaken(Conflict):
    code, title = "email_taken", "Email belongs to another member"


class MemberErased(Conflict):
    code, title = "member_erased", "Member was erased"


class MemberMerged(Conflict):
    """A provisional member (enrolled by a platform's checkout) taken over by the owner of its email: it
    takes no writes. ``member_exists`` is the contract's code that says what is true: the member exists
    (its GET answers, with ``merged_into``) but is not one to write to; ``member_erased`` would tell a
    client the shopper is gone, and ``member_not_found`` would contradict the GET."""

    code, title = "member_exists", "Member was merged into another member"

    def __init__(self, detail: str, merged_into: str) -> None:
        super().__init__(detail)
        self.merged_into = merged_into


class RefundExceedsOrder(Conflict):
    code, title = "refund_exceeds_order", "Refund exceeds what the order has left"


class IdempotencyConflict(Conflict):
    code, title = "idempotency_conflict", "This id was already used for another member"


class RewardUnavailable(Conflict):
    code, title = "reward_unavailable", "Reward is not available to this member now"


class InsufficientPoints(Conflict):
    code, title = "insufficient_points", "Not enough available points"


class OutOfStock(Conflict):
    code, title = "out_of_stock", "Reward is out of stock"


class LimitReached(Conflict):
    code, title = "limit_reached", "Per-member limit for this reward reached"


class RedemptionUsed(Conflict):
    code, title = "redemption_used", "Redemption was already used"


class RedemptionCancelled(Conflict):
    code, title = "redemption_cancelled", "Redemption was cancelled"


class ProgramNotConfigured(Conflict):
    code, title = "program_not_configured", "No loyalty program is configured yet"


class Contended(LoyaltyError):
    """Still conflicting with concurrent writes after every attempt: the client should retry later."""

    code, title = "unavailable", "Too many concurrent changes; retry the request"


class RateLimited(LoyaltyError):
    """Too many attempts of one kind by one member in the current window (redemptions from the shop's
    front door): the client waits ``retry_after`` seconds."""

    code, title = "rate_limited", "Too many attempts; wait and retry"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class PayloadTooLarge(LoyaltyError):
    code, title = "payload_too_large", "Request body too large"


class InvalidInput(LoyaltyError):
    """A request that parses but breaks a rule only the service can check (e.g. an unknown referral code)."""

    code, title = "validation_error", "Request validation failed"

    def __init__(self, detail: str, loc: list[str | int]) -> None:
        super().__init__(detail)
        self.loc = loc
