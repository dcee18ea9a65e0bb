"""The arrows between the rooms hold: import-linter's contracts (pyproject.toml) pass on the code as it
is, and fail, naming the contract, when a module imports against them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from harness.commands import run

ROOT = Path(__file__).resolve().parents[2]
LINT = Path(sys.executable).with_name("lint-imports")


def lint(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root / "layers" / "core"), str(root)])}
    return run([str(LINT), "--no-cache", str(root / "pyproject.toml")], cwd=root, env=env)


def copy_of_the_code(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "layers" / "core" / "loyalty", tmp_path / "layers" / "core" / "loyalty")
    shutil.copytree(ROOT / "functions", tmp_path / "functions")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_code_keeps_every_layer_contract() -> None:
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        # A rule that reads the table: domain would depend on storage.
        ("layers/core/loyalty/domain/tiers.py", "from loyalty.store import keys", "arrows point down"),
        # An outbound edge that knows a use case.
        ("layers/core/loyalty/adapters/clock.py", "from loyalty.domain import calendar", "Adapters are a leaf"),
        # A handler that writes to DynamoDB itself instead of calling a service.
        ("functions/orders/app.py", "from loyalty.store import orders", "Handlers reach the layer"),
        # A pure rule that calls AWS.
        ("layers/core/loyalty/domain/earning.py", "import boto3", "Rules and shapes are pure"),
        # The jobs' runner reaching back to a job that imports it.
        ("layers/core/loyalty/services/jobs/runner.py", "from loyalty.services.jobs import expiry", "never which jobs"),
    ],
)
def test_an_import_against_the_contracts_breaks_the_lint(tmp_path: Path, module: str, line: str, contract: str) -> None:
    root = copy_of_the_code(tmp_path)
    path = root / module
    source = path.read_text(encoding="utf-8")
    marker = "from __future__ import annotations\n" if "from __future__" in source else ""
    head, _, rest = source.partition(marker) if marker else ("", "", source)
    path.write_text(f"{head}{marker}{line}  # noqa\n{rest}", encoding="utf-8")
    result = lint(root)
    assert result.returncode != 0, result.stdout
    report = " ".join(result.stdout.split())  # the report wraps long contract names
    assert "1 broken" in report, report
    assert f"{contract}" in report.split("Broken contracts")[-1], report


def test_no_module_of_the_layer_imports_by_name() -> None:
    """An import by name (importlib.import_module, __import__) is an arrow neither import-linter nor a
    reader sees. Only entrypoints/lazy.py builds modules through importlib, from names its callers also
    import for the type checker."""
    by_name = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "layers" / "core" / "loyalty").rglob("*.py"))
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if "import_module(" in text or "__import__(" in text
    ]
    assert by_name == []


def make_lint_import_step() -> str:
    """The import-linter command of `make lint`, as the Makefile writes it (make -n prints the recipe; -o
    takes the installs as done, so nothing is installed or run)."""
    planned = run(["make", "-n", "-o", ".venv/.installed", "-o", "node_modules/.installed", "lint"], timeout=60)
    assert planned.returncode == 0, planned.stdout + planned.stderr
    steps = [line for line in planned.stdout.splitlines() if "lint-imports" in line]
    assert len(steps) == 1, planned.stdout
    return steps[0]


def test_make_lint_fails_on_a_module_that_imports_against_the_layers(tmp_path: Path) -> None:
    """`make lint`'s own import step, run in a copy of the code (the tree is never touched): it passes on
    the copy as it is, and stops the lint, naming the contract, once a rule imports the store."""
    step = make_lint_import_step()
    root = copy_of_the_code(tmp_path)
    (root / ".venv").symlink_to(Path(sys.executable).parent.parent, target_is_directory=True)

    def lint_step() -> subprocess.CompletedProcess[str]:
        env = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}
        return run(["bash", "-c", step], cwd=root, env=env)

    clean = lint_step()
    assert clean.returncode == 0, clean.stdout + clean.stderr
    rule = root / "layers" / "core" / "loyalty" / "domain" / "tiers.py"
    source = rule.read_text(encoding="utf-8")
    rule.write_text(
        source.replace(
            "from __future__ import annotations\n",
            "from __future__ import annotations\n\nfrom loyalty.store import keys  # noqa\n",
            1,
        ),
        encoding="utf-8",
    )
    assert "from loyalty.store import keys" in rule.read_text(encoding="utf-8")
    broken = lint_step()
    assert broken.returncode != 0, broken.stdout
    report = " ".join(broken.stdout.split())
    assert "1 broken" in report and "arrows point down" in report.split("Broken contracts")[-1], report
