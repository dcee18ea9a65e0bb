"""The timezone and currency lists are what their pinned sources say (scripts/generate_lists.py).

Each module is rendered again, in memory, from the installed tzdata and iso4217, whose versions must be
the pinned ones: a hand edit of a committed list, or a new pin without `make lists`, fails here."""

from __future__ import annotations

import re
from decimal import Decimal
from importlib import metadata, resources
from pathlib import Path

import pytest

from loyalty.domain.money import to_minor
from loyalty.models.currencies import EXPONENTS, ISO_4217
from loyalty.models.timezones import IANA_TIMEZONES, TIMEZONE_CONSTANTS
from scripts import generate_lists

ROOT = Path(__file__).resolve().parents[2]


def _pin(requirements: Path, name: str) -> str:
    found = re.search(rf"^{name}==(\S+)", requirements.read_text(encoding="utf-8"), re.MULTILINE)
    assert found, f"{name} is not pinned in {requirements.relative_to(ROOT)}"
    return found.group(1)


def test_the_sources_installed_are_the_pinned_ones() -> None:
    assert metadata.version("tzdata") == _pin(ROOT / "layers/core/requirements.txt", "tzdata")
    assert metadata.version("iso4217") == _pin(ROOT / "requirements-dev.txt", "iso4217")


@pytest.mark.parametrize("module", [generate_lists.TIMEZONES_MODULE, generate_lists.CURRENCIES_MODULE])
def test_the_committed_list_is_what_its_pinned_source_renders(module: Path) -> None:
    committed = module.read_text(encoding="utf-8")
    assert committed == generate_lists.rendered()[module], f"{module.name} drifted from its source: run make lists"


def test_the_check_mode_reports_a_drifted_list(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    drifted = tmp_path / "timezone_names.py"
    drifted.write_text(generate_lists.render_timezones().replace(" Europe/Paris", ""), encoding="utf-8")
    monkeypatch.setattr(generate_lists, "TIMEZONES_MODULE", drifted)
    assert generate_lists.main(["--check"]) == 1
    drifted.write_text(generate_lists.render_timezones(), encoding="utf-8")
    assert generate_lists.main(["--check"]) == 0


def test_every_listed_timezone_is_in_the_tzdata_the_layer_ships() -> None:
    """zoneinfo falls back to the tzdata package for a name the runtime's database lacks: each listed name
    has its file there, so a program's timezone never fails to load on Lambda."""
    data = resources.files("tzdata") / "zoneinfo"
    missing = [zone for zone in IANA_TIMEZONES if not data.joinpath(*zone.split("/")).is_file()]
    assert missing == []
    assert "Factory" not in IANA_TIMEZONES
    assert {"UTC", "Etc/UTC", "Europe/Paris", "America/Argentina/Buenos_Aires", "GMT+0"} <= set(IANA_TIMEZONES)
    assert len(set(TIMEZONE_CONSTANTS)) == len(IANA_TIMEZONES)


def test_currencies_in_circulation_and_their_minor_units() -> None:
    assert {"USD", "EUR", "JPY", "XCG", "ANG", "BGN"} <= ISO_4217
    # Funds, units of account and codes without a minor unit are not a shop's currency.
    assert ISO_4217.isdisjoint({"CLF", "UYI", "USN", "UYW", "XAD", "XAU", "XDR", "XXX"})
    assert (EXPONENTS["JPY"], EXPONENTS["KWD"], EXPONENTS["CLF"]) == (0, 3, 4)
    assert "USD" not in EXPONENTS
    assert (to_minor("1500", "JPY"), to_minor("1.234", "BHD"), to_minor(Decimal("19.99"), "EUR")) == (1500, 1234, 1999)
