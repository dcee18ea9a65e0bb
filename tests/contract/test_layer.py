"""The shared layer as `sam build` builds it (layers/core/Makefile), and what the functions load from it.

- layers/core/requirements.txt is the whole list the Makefile installs with --no-deps: every package a
  listed one needs is listed too or provided by the python3.13 runtime, and every pin is the version the
  development environment runs the tests with.
- The Makefile leaves the bytecode of some packages out to keep the layer under 15 MB (NOT_IMPORTED):
  no function may load them, or every cold start would compile them again.
- A function's init builds no pydantic validator, does not read the settings and does not load its
  services (nor the store beneath them): all wait for the first request, which bench/cold_start.py
  measures.

Building the layer itself needs the package index, so it is the benchmark's job (`make bench` runs
`sam build CoreLayer`), not a test's.
"""

from __future__ import annotations

import json
import re
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from cfn_flip import load_yaml
from packaging.requirements import Requirement

from bench import cold_start
from bench.deployment import RUNTIME_PROVIDED
from harness.commands import run
from local.template import Template

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layers" / "core"
REQUIREMENTS = LAYER / "requirements.txt"
MAKEFILE = LAYER / "Makefile"


def _name(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text).lower()


def _pinned() -> dict[str, Requirement]:
    lines = (line.split("#", 1)[0].strip() for line in REQUIREMENTS.read_text(encoding="utf-8").splitlines())
    return {_name(requirement.name): requirement for requirement in map(Requirement, filter(None, lines))}


def _make_variable(name: str) -> str:
    """A variable of the Makefile with the variables it uses expanded, as make reads it."""
    found = dict(re.findall(r"^(\w+) :?= (.*)$", MAKEFILE.read_text(encoding="utf-8"), re.MULTILINE))
    value = found[name]
    while reference := re.search(r"\$\((\w+)\)", value):
        value = value.replace(reference.group(0), found[reference.group(1)])
    return value.replace("$$", "$")


def test_every_layer_requirement_is_pinned_exactly_to_the_tested_version() -> None:
    pinned = _pinned()
    assert pinned, "layers/core/requirements.txt lists nothing"
    for name, requirement in pinned.items():
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", f"{name}: pin it exactly ({requirement})"
        assert metadata.version(name) == specifier.version, f"{name}: .venv has {metadata.version(name)}"


def test_the_layer_requirements_are_closed_and_leave_the_runtime_packages_out() -> None:
    """With --no-deps nothing outside the list reaches the layer: a missing package would fail at import."""
    pinned = _pinned()
    assert set(pinned) & RUNTIME_PROVIDED == set(), "the runtime provides these: the layer must not ship them"
    missing: dict[str, set[str]] = {}
    for name, requirement in pinned.items():
        environments = [{"extra": extra} for extra in requirement.extras] or [{"extra": ""}]
        for needed in map(Requirement, metadata.requires(name) or []):
            wanted = needed.marker is None or any(needed.marker.evaluate(env) for env in environments)
            if wanted and _name(needed.name) not in pinned and _name(needed.name) not in RUNTIME_PROVIDED:
                missing.setdefault(name, set()).add(_name(needed.name))
    assert missing == {}, "add these to layers/core/requirements.txt (they are neither listed nor the runtime's)"


def test_the_template_builds_the_layer_with_its_makefile() -> None:
    template = load_yaml((ROOT / "template.yaml").read_text(encoding="utf-8"))
    layers = {k: v for k, v in template["Resources"].items() if v["Type"] == "AWS::Serverless::LayerVersion"}
    for logical_id, layer in layers.items():
        assert layer["Metadata"]["BuildMethod"] == "makefile"
        makefile = ROOT / layer["Properties"]["ContentUri"] / "Makefile"
        assert re.search(rf"^build-{logical_id}:", makefile.read_text(encoding="utf-8"), re.MULTILINE), makefile


# A function's init, in a fresh interpreter with the environment Lambda gives it (bench/cold_start.py's):
# the modules it loaded, and the layer's models whose validators are built.
_INIT = """
import importlib, json, sys
handler = getattr(importlib.import_module(sys.argv[1]), sys.argv[2])
# A module loyalty.entrypoints.lazy has not executed yet is skipped: touching any attribute executes it.
executed = [module for module in list(sys.modules.values()) if type(module).__name__ != "_LazyModule"]
built = [
    f"{value.__module__}.{value.__qualname__}"
    for name, module in list(sys.modules.items()) if name.startswith("loyalty.models.")
    for value in vars(module).values()
    if isinstance(value, type) and getattr(value, "__pydantic_complete__", False) and value.__module__ == name
    and not value.__pydantic_generic_metadata__["parameters"]
]
files = sorted(getattr(module, "__file__", None) or "" for module in executed)
executed = sorted(module.__name__ for module in executed)
print(json.dumps({"executed": executed, "files": files, "built": built}))
"""

# Then every function's requests: the sample events of events/README.md through the handlers, in one
# interpreter (bench.stack.seeded_moto, on moto's server); what they load beyond every function's init.
_REQUESTS = """
import json, sys
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
from bench.stack import seeded_moto, template
from local import runtime

swagger = []
ApiGatewayResolver.enable_swagger = lambda *args, **kwargs: swagger.append(True)
loaded = template()
for logical_id in loaded.functions():
    runtime.load_handler(loaded, logical_id)
initialised = set(sys.modules)
with seeded_moto(loaded):
    pass
files = sorted(getattr(sys.modules[name], "__file__", None) or "" for name in set(sys.modules) - initialised)
print(json.dumps({"files": files, "swagger": bool(swagger)}))
"""


def _run(code: str, *args: str, cwd: Path | str = ROOT, env: dict[str, str] | None = None) -> dict[str, Any]:
    done = run([sys.executable, "-c", code, *args], cwd=cwd, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


@pytest.fixture(scope="module")
def inits(template: Template) -> dict[str, dict[str, Any]]:
    found = cold_start.targets(template)
    return {
        name: _run(_INIT, target["module"], target["attribute"], cwd=target["cwd"], env=target["env"])
        for name, target in found.items()
        if name != cold_start.BASELINE
    }


@pytest.fixture(scope="module")
def requests() -> dict[str, Any]:
    return _run(_REQUESTS, cwd=ROOT)


def _uncompiled(files: list[str]) -> list[str]:
    pattern = re.compile(_make_variable("NOT_IMPORTED"))
    return [path for path in files if pattern.search(path.replace("\\", "/"))]


def test_no_function_init_loads_what_the_layer_leaves_uncompiled(inits: dict[str, dict[str, Any]]) -> None:
    uncompiled = {name: _uncompiled(init["files"]) for name, init in inits.items()}
    assert {name: files for name, files in uncompiled.items() if files} == {}, (
        "loaded at init: compile it (take it out of NOT_IMPORTED in layers/core/Makefile)"
    )


def test_no_request_loads_what_the_layer_leaves_uncompiled(requests: dict[str, Any]) -> None:
    assert any(path.endswith("/pydantic_settings/main.py") for path in requests["files"]), "nothing was measured"
    assert _uncompiled(requests["files"]) == [], "compile it (take it out of NOT_IMPORTED in layers/core/Makefile)"


def test_no_function_serves_swagger_ui_whose_assets_the_layer_leaves_out(requests: dict[str, Any]) -> None:
    assert requests["swagger"] is False


def test_init_builds_no_validator_reads_no_settings_and_loads_no_service(inits: dict[str, dict[str, Any]]) -> None:
    assert "loyalty.models.order" in inits["OrdersFunction"]["executed"], "nothing was measured"
    for name, init in inits.items():
        assert init["built"] == [], f"{name}: built at import; derive from loyalty.models.common.Model"
        assert "pydantic_settings" not in init["executed"], f"{name}: import pydantic-settings on first use"
        store = [module for module in init["executed"] if module.startswith("loyalty.store")]
        assert store == [], f"{name}: its services (and the store) load on first use: loyalty.entrypoints.lazy"
        assert "email_validator" not in init["executed"], name


def test_admin_init_leaves_the_program_and_export_models_to_their_routes(inits: dict[str, dict[str, Any]]) -> None:
    """AdminFunction's routes declare the most models of any function; loading them at init took its cold
    start past 1.2 x a bare handler's. They load on a route's first request (functions/admin/app.py)."""
    executed = inits["AdminFunction"]["executed"]
    assert "loyalty.entrypoints.handlers" in executed, "nothing was measured"
    models = sorted(module for module in executed if module.startswith("loyalty.models."))
    for heavy in ("loyalty.models.program", "loyalty.models.privacy", "loyalty.models.member"):
        assert heavy not in models, f"AdminFunction's init loads {heavy}: {models}"
