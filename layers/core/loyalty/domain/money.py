"""Money as platforms send it (decimal strings) into minor units, by the currency's ISO 4217 exponent."""

from __future__ import annotations

from decimal import Decimal

from loyalty.models.currencies import EXPONENTS  # ISO 4217 list one (generated): those not 2 decimals


class NotMinorUnits(ValueError):
    """An amount finer than the currency's minor unit (e.g. 1.005 USD)."""


def exponent(currency: str) -> int:
    return EXPONENTS.get(currency.upper(), 2)


def to_minor(amount: Decimal | str, currency: str) -> int:
    """``"199.00"`` USD -> 19900, ``"1500"`` JPY -> 1500, exactly (a Decimal from the text, never a float)."""
    value = Decimal(amount) if isinstance(amount, str) else amount
    scaled = value.scaleb(exponent(currency))
    if scaled != scaled.to_integral_value():
        raise NotMinorUnits(f"{amount} {currency} is not a whole number of minor units")
    return int(scaled)
