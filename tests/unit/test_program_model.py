"""The program is validated as a whole: every inconsistency is refused with the field it concerns."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from harness.programs import program_document
from loyalty.models.program import RATE_TEXT, Program


def test_a_realistic_program_is_accepted_and_keeps_exact_numbers() -> None:
    program = Program.model_validate(program_document(points_per_unit="1.1"))
    assert program.points_per_unit == Decimal("1.1")
    assert program.category_multipliers == {"electronics": Decimal(2)}
    dumped = program.model_dump(mode="json")
    assert dumped["points_per_unit"] == "1.1"
    assert dumped["tiers"][1]["multiplier"] == 1.25


TIERS_BASE = [{"name": "Bronze", "threshold": 0, "multiplier": 1}]


@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [
        ({"currency": "usd"}, "ISO 4217"),
        ({"currency": "XYZ"}, "ISO 4217"),
        ({"timezone": "Mars/Olympus"}, "IANA"),
        ({"timezone": "../../etc/passwd"}, "IANA"),
        ({"points_per_unit": 0}, "greater than 0"),
        ({"points_per_unit": "abc"}, "decimal"),
        ({"tiers": []}, "at least 1"),
        ({"tiers": [{"name": "Silver", "threshold": 10, "multiplier": 1}]}, "threshold 0"),
        ({"tiers": [*TIERS_BASE, {"name": "Gold", "threshold": 0, "multiplier": 2}]}, "strictly increasing"),
        (
            {
                "tiers": [
                    *TIERS_BASE,
                    {"name": "G", "threshold": 90, "multiplier": 2},
                    {"name": "S", "threshold": 50, "multiplier": 1},
                ]
            },
            "strictly increasing",
        ),
        ({"tiers": [*TIERS_BASE, {"name": "Bronze", "threshold": 5, "multiplier": 2}]}, "unique"),
        ({"tiers": [{"name": "Bronze", "threshold": 0, "multiplier": 0}]}, "greater than 0"),
        ({"category_multipliers": {"shoes": -1}}, "greater than or equal to 0"),
        ({"sku_multipliers": {"A": -0.5}}, "greater than or equal to 0"),
        ({"pending_days": -1}, "greater than or equal to 0"),
        ({"expiry_months": 0}, "greater than or equal to 1"),
        ({"tier_window_days": 0}, "greater than or equal to 1"),
        ({"pending_days": "3"}, "valid integer"),
        (
            {
                "campaigns": [
                    {
                        "campaign_id": "c1",
                        "multiplier": 2,
                        "starts_at": "2026-12-01T00:00:00Z",
                        "ends_at": "2026-11-01T00:00:00Z",
                    }
                ]
            },
            "ends_at must be after starts_at",
        ),
        (
            {
                "campaigns": [
                    {"campaign_id": "c1", "starts_at": "2026-11-01T00:00:00Z", "ends_at": "2026-12-01T00:00:00Z"}
                ]
            },
            "needs a multiplier",
        ),
        (
            {
                "campaigns": [
                    {
                        "campaign_id": "c1",
                        "bonus_points": 5,
                        "starts_at": "2026-11-01T00:00:00",
                        "ends_at": "2026-12-01T00:00:00Z",
                    }
                ]
            },
            "with an offset",
        ),
        (
            {
                "campaigns": [
                    {
                        "campaign_id": "c1",
                        "bonus_points": 5,
                        "starts_at": "2026-11-01T00:00:00Z",
                        "ends_at": "2026-12-01T00:00:00Z",
                    },
                    {
                        "campaign_id": "c1",
                        "multiplier": 2,
                        "starts_at": "2026-11-01T00:00:00Z",
                        "ends_at": "2026-12-01T00:00:00Z",
                    },
                ]
            },
            "unique",
        ),
        (
            {
                "emails": {
                    "sender": "not-an-email",
                    "expiring_notice_days": 1,
                    "dormant_after_days": 1,
                    "dormant_min_points": 0,
                    "cooldown_days": 0,
                }
            },
            "email",
        ),
        ({"surprise": True}, "Extra inputs are not permitted"),
    ],
)
def test_inconsistent_programs_are_refused(overrides: dict[str, Any], complaint: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Program.model_validate(program_document(**overrides))
    assert complaint in str(refused.value)


def test_a_missing_section_is_refused() -> None:
    document = program_document()
    del document["emails"]
    with pytest.raises(ValidationError, match="emails"):
        Program.model_validate(document)


@pytest.mark.parametrize("rate", [1e-7, 0.00001, "0.50", 25, "100000"])
def test_points_per_unit_goes_out_as_the_pattern_it_came_in_by(rate: Any) -> None:
    """The document describes the field alike in and out (one Program schema, docs/clients.md): the
    answer must match the request's pattern, so never exponent notation ("1E-7" before)."""
    dumped = Program.model_validate(program_document(points_per_unit=rate)).model_dump(mode="json")
    assert re.fullmatch(RATE_TEXT, dumped["points_per_unit"]), dumped["points_per_unit"]
    assert Decimal(dumped["points_per_unit"]) == Decimal(str(rate))
