"""Referral rules: who may refer whom, and which order completes a referral. Pure: no I/O."""

from __future__ import annotations

import hashlib
from fractions import Fraction

# Providers that ignore dots in the local part: "a.lice@gmail.com" is alice@gmail.com's mailbox.
DOTLESS_DOMAINS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}


def email_key(address: str) -> str:
    """A hash of the mailbox an address reaches, for the same-email check of a referral: lower-cased,
    without a ``+tag`` (alice+2@shop.com reaches alice@shop.com) and, at Gmail, without dots. Stored on
    the referral code's item instead of the address itself, so the code item holds no email."""
    local, _, domain = address.strip().lower().rpartition("@")
    local = local.split("+", 1)[0]
    if domain in DOTLESS_DOMAINS:
        local, domain = local.replace(".", ""), DOTLESS_DOMAINS[domain]
    return hashlib.sha256(f"{local}@{domain}".encode()).hexdigest()[:32]


def order_qualifies(net_total: str, refunded_share: str, min_order_minor: int) -> bool:
    """Whether an order completes a referral: what the customer kept (the net total less the share
    refunds took, by amount or by lines) is at least ``min_order_minor``, and an order refunded in full
    never does, whatever the minimum."""
    share = Fraction(refunded_share)
    kept = Fraction(net_total) * (1 - share)
    return share < 1 and kept >= min_order_minor
