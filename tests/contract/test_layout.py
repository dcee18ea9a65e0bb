"""Names that say what they hold: the audit is its own package (not the local stack's), the benchmark
imports nothing from the tests, and no module of the shared packages grows past 400 lines."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED = ("audit", "harness")


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


@pytest.mark.parametrize("package", ["bench", *SHARED])
def test_bench_and_the_shared_packages_import_nothing_from_tests(package: str) -> None:
    reaching = sorted(
        f"{path.relative_to(ROOT)}: {module}"
        for path in (ROOT / package).rglob("*.py")
        for module in imported_modules(path)
        if module == "tests" or module.startswith("tests.")
    )
    assert reaching == []


def test_the_audit_is_no_part_of_the_local_stack() -> None:
    local = {path.name for path in (ROOT / "local").glob("*.py")}
    assert not local & {"ledger_audit.py", "audit_merges.py"}
    assert (ROOT / "audit" / "__init__.py").is_file()


@pytest.mark.parametrize("package", SHARED)
def test_no_module_of_the_shared_packages_is_over_400_lines(package: str) -> None:
    long = {
        str(path.relative_to(ROOT)): lines
        for path in sorted((ROOT / package).rglob("*.py"))
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > 400
    }
    assert long == {}
