"""Cold start: each function's init (module import and handler set-up) in a fresh Python process,
against the bare handler in bench/baseline (boto3, pydantic, Powertools Logger/Tracer/Metrics).

Each process gets the environment Lambda would give the function: its code folder first on the path,
then the layer (as /opt/python), the function's variables from template.yaml, and the runtime's own
(LAMBDA_TASK_ROOT, AWS_LAMBDA_FUNCTION_NAME, ...), so Powertools behaves as deployed: the Tracer is
on (Tracing: Active) and patches botocore at import, in the baseline as in ours. The clock starts
after the interpreter is up and stops once the handler object exists; interpreter start-up is the
same for both and is left out. Runs are interleaved (every target once per round, in a shuffled
order) and the median of the rounds is kept; a first, uncounted run per target writes the bytecode caches.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from local.intrinsics import REGION
from local.template import Template

ROUNDS = 7  # the median of at least 7 runs is asked for; 15 targets x 7 keeps this near 2 minutes
BASELINE = "baseline"
BASELINE_DIR = Path(__file__).resolve().parent / "baseline"

PROBE = """
import importlib, json, sys, time
started, cpu = time.perf_counter(), time.process_time()
before = len(sys.modules)
module = importlib.import_module(sys.argv[1])
handler = getattr(module, sys.argv[2])
assert callable(handler)
wall, cpu = (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000
print(json.dumps({"init_ms": wall, "cpu_ms": cpu, "modules": len(sys.modules) - before}))
"""


def _lambda_env(name: str, code_dir: Path, handler: str, memory: int, variables: dict[str, str]) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "bench",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        # Loopback: nothing is sent during init, and nothing could leave the machine if it were.
        "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
        "LAMBDA_TASK_ROOT": str(code_dir),
        "_HANDLER": handler,
        **variables,
    }


def targets(template: Template) -> dict[str, dict[str, Any]]:
    """Every function of the template, plus the baseline; each with its module, handler and env."""
    physical = {logical_id: logical_id for logical_id in template.types()}
    layers = [str(folder) for folder in template.layer_dirs()]
    found: dict[str, dict[str, Any]] = {}
    for logical_id, spec in template.functions().items():
        code_dir = (template.root / spec.code_uri).resolve()
        module, _, attribute = spec.handler.rpartition(".")
        variables = {key: str(value) for key, value in template.resolve(spec.environment, physical).items()}
        env = _lambda_env(logical_id, code_dir, spec.handler, spec.memory_size, variables)
        env["PYTHONPATH"] = os.pathsep.join([str(code_dir), *layers])
        found[logical_id] = {"module": module, "attribute": attribute, "cwd": code_dir, "env": env}
    # The baseline gets the Globals' variables (service name, metrics namespace, log level) and no layer.
    defaults = template.raw.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    variables = {key: str(value) for key, value in template.resolve(defaults, physical).items()}
    env = _lambda_env("Baseline", BASELINE_DIR, "app.handler", 512, variables)
    env["PYTHONPATH"] = str(BASELINE_DIR)
    found[BASELINE] = {"module": "app", "attribute": "handler", "cwd": BASELINE_DIR, "env": env}
    return found


def _probe(target: dict[str, Any]) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, target["module"], target["attribute"]],
        cwd=target["cwd"],
        env=target["env"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"init of {target['cwd']} failed:\n{done.stderr[-2000:]}")
    answer: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def _self_times(target: dict[str, Any]) -> dict[str, int]:
    """Microseconds each module took to import itself (``-X importtime``'s "self" column)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", PROBE, target["module"], target["attribute"]],
        cwd=target["cwd"],
        env=target["env"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    times: dict[str, int] = {}
    for line in done.stderr.splitlines():
        fields = line.removeprefix("import time:").split("|")
        if not line.startswith("import time:") or len(fields) != 3 or not fields[0].strip().isdigit():
            continue
        times[fields[2].strip()] = int(fields[0])
    return times


def extra_imports(found: dict[str, dict[str, Any]], top: int = 4) -> dict[str, dict[str, float]]:
    """Where each function's init goes beyond the baseline's: the self time of every module the
    baseline does not import, summed by top-level package (one run under -X importtime, which slows
    imports down: compare the packages with each other, not with the medians)."""
    baseline = _self_times(found[BASELINE])
    extras: dict[str, dict[str, float]] = {}
    for name, target in found.items():
        if name == BASELINE:
            continue
        by_package: dict[str, int] = {}
        for module, micros in _self_times(target).items():
            if module not in baseline:
                package = module.split(".")[0]
                by_package[package] = by_package.get(package, 0) + micros
        ranked = sorted(by_package.items(), key=lambda item: -item[1])[:top]
        extras[name] = {package: round(micros / 1000, 1) for package, micros in ranked if micros >= 1000}
    return extras


def run(template: Template, rounds: int = ROUNDS) -> dict[str, dict[str, Any]]:
    found = targets(template)
    order = list(found)
    # The -X importtime run of each target comes first: besides telling where the time goes, it
    # writes every __pycache__, so no measured run pays for compiling.
    extras = extra_imports(found)
    samples: dict[str, list[float]] = {name: [] for name in order}
    cpu: dict[str, list[float]] = {name: [] for name in order}
    modules: dict[str, int] = {}
    shuffler = random.Random(20261122)  # a fixed seed: the same order on every run of the bench
    for _ in range(rounds):
        shuffler.shuffle(order)
        for name in order:
            answer = _probe(found[name])
            samples[name].append(answer["init_ms"])
            cpu[name].append(answer["cpu_ms"])
            modules[name] = int(answer["modules"])
    baseline = statistics.median(samples[BASELINE])
    baseline_cpu = statistics.median(cpu[BASELINE])
    results: dict[str, dict[str, Any]] = {}
    for name in [*template.functions(), BASELINE]:
        init = statistics.median(samples[name])
        results[name] = {
            "init_ms": round(init, 1),
            "baseline_ms": round(baseline, 1),
            "ratio": round(init / baseline, 3),
            # CPU time of the same runs: less swayed by other processes on a busy machine.
            "cpu_ms": round(statistics.median(cpu[name]), 1),
            "cpu_ratio": round(statistics.median(cpu[name]) / baseline_cpu, 3),
            "spread_ms": [round(min(samples[name]), 1), round(max(samples[name]), 1)],
            "modules_imported": modules[name],
            "extra_imports_ms": extras.get(name, {}),
            "runs": rounds,
        }
    return results
