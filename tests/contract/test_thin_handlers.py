"""A function's app.py is its routes or its one call: the Logger, Tracer and Metrics are built once, in
loyalty.entrypoints.observability, and the handler comes from a factory (issue 20.3)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = sorted((ROOT / "functions").glob("*/app.py"))
BUILT_ONCE = {"Logger", "Tracer", "Metrics"}


def _calls(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            function = node.func
            names.add(function.id if isinstance(function, ast.Name) else getattr(function, "attr", ""))
    return names


def _decorators(tree: ast.Module) -> set[str]:
    found = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "handler":
            found |= {ast.unparse(decorator) for decorator in node.decorator_list}
    return found


def test_no_function_builds_its_own_logger_tracer_or_metrics() -> None:
    assert len(APPS) > 20, "nothing was measured"
    built = {app.parent.name: sorted(_calls(ast.parse(app.read_text(encoding="utf-8"))) & BUILT_ONCE) for app in APPS}
    assert {name: names for name, names in built.items() if names} == {}, "use loyalty.entrypoints.observability"


def test_no_handler_repeats_the_powertools_preamble() -> None:
    """The handler comes from a factory (handlers.http_handler, jobs.scheduled_handler, batch.batch_handler,
    observability.observed), never as a function decorated by hand."""
    decorated = {app.parent.name: _decorators(ast.parse(app.read_text(encoding="utf-8"))) for app in APPS}
    assert {name: found for name, found in decorated.items() if found} == {}
