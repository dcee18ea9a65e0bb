"""``make simulate`` (python -m local.simulate) with CURRENT given: the table printed, the JSON written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.programs import program_document
from local import simulate

EXPORT = Path(__file__).parents[2] / "fixtures" / "shopify" / "orders_export.csv"


def test_make_simulate_prints_the_table_and_writes_the_answer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    current, proposed, out = tmp_path / "current.json", tmp_path / "proposed.json", tmp_path / "out.json"
    current.write_text(json.dumps(program_document(currency="EUR")))
    proposed.write_text(json.dumps(program_document(currency="EUR", points_per_unit="2")))
    assert simulate.main([str(proposed), str(EXPORT), "--current", str(current), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "points issued" in printed and "3230" in printed and "karine.ruby@example.com (+1636)" in printed
    answer = json.loads(out.read_text())
    assert set(answer) >= {"orders", "members", "current", "proposed", "difference"}
    assert answer["skipped"] == 11


def test_a_program_in_another_currency_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    program = tmp_path / "p.json"
    program.write_text(json.dumps(program_document()))  # USD, the export is in EUR
    assert simulate.main([str(program), str(EXPORT), "--current", str(program), "--out", str(tmp_path / "o")]) == 1
    assert "EUR" in capsys.readouterr().err
