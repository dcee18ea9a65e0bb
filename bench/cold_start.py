"""Cold start: each function's init (module import and handler set-up) in a fresh Python process,
against the bare handler in bench/baseline (boto3, pydantic, Powertools Logger/Tracer/Metrics), and
then, in the same process and in the first REQUEST_ROUNDS rounds, its first request and a second one.

Each process gets the environment Lambda would give the function: its code folder first on the path,
then the layer (as /opt/python), the function's variables from template.yaml, and the runtime's own
(LAMBDA_TASK_ROOT, AWS_LAMBDA_FUNCTION_NAME, _X_AMZN_TRACE_ID, ...), so Powertools behaves as deployed:
the Tracer is on (Tracing: Active) and patches botocore at import, in the baseline as in ours. The clock
starts after the interpreter is up and stops once the handler object exists; interpreter start-up is the
same for both and is left out. Runs are interleaved and paired: every round runs each function (in a
shuffled order) right beside a run of the baseline, and a function's ratio is the median of its
per-pair ratios (see ``run``); a first, uncounted run per target writes the bytecode caches.

Some work waits for the first request on purpose (pydantic validators are built on a model's first use,
the settings are read on first use, Powertools builds a route's validation on its first call), so the
first request is measured too: the handler is called with an event of events/<Function>/ (REQUESTS)
against moto's server, after events/README.md's sequence ran once there (so each request finds its
data: writes answer as idempotent replays), with the admin key that server holds
(bench.stack.PROBE_ADMIN_KEY) in place of the event's, then called again with the same event: the second call is
what a warm function pays, and first minus second is what the first request pays once. Both include the
round trips to moto's server on loopback and, for the first, creating the boto3 client, as on Lambda.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.stack import PROBE_ADMIN_KEY
from harness import commands
from local.intrinsics import REGION
from local.template import Template

# The median of at least 7 runs is asked for. 9: a function's runs spread over 320-530 ms in a bench run just
# after `make test` (7 pairs then put a function measured at 1.11x on a quiet machine at 1.19x).
ROUNDS = 9
# The two runs of a pair go side by side, one per core: the same moment for both (the drift of a shared
# machine cancels out of the ratio better than one after the other), and half the wall time (26 functions
# x 7 pairs one after the other took over 6 minutes on 2 cores, too much of make bench's 15).
SIDE_BY_SIDE = min(2, os.cpu_count() or 1)
# The first and second requests are served in the first rounds only: the verdict is on init, and the
# requests (up to 700 ms a process for the jobs) were a third of the phase's time.
REQUEST_ROUNDS = 3
BASELINE = "baseline"
BASELINE_DIR = Path(__file__).resolve().parent / "baseline"
EVENTS = Path(__file__).resolve().parent.parent / "events"
# The event each function's first request replays (events/<Function>/<file>): its main use. A function
# not named here gets the first file of its folder.
REQUESTS = {
    "AuthorizerFunction": "admin-key.json",
    "HealthFunction": "health.json",
    "MembersFunction": "get-member.json",
    "OrdersFunction": "post-order.json",
    "AccrualConsumerFunction": "order-and-refund.json",
    "AdminFunction": "get-program.json",
    "RewardsFunction": "list-rewards.json",
    "RedemptionsFunction": "redeem.json",
    "JobsWorkerFunction": "expire-shard.json",
}
# The trace header Lambda sets for a sampled request: with it the Tracer records and sends its segments
# (to the loopback daemon address, where nothing listens) as it does on Lambda, on both sides.
TRACE_ID = "Root=1-6740a0a0-0123456789abcdef01234567;Parent=0123456789abcdef;Sampled=1"

# Run in each fresh process: sys.argv = [module, attribute, event file or ""]. Nothing is imported
# before the clock starts beyond what the interpreter itself loads, so no target gets a head start.
PROBE = """
import importlib, json, sys, time
started, cpu = time.perf_counter(), time.process_time()
before = len(sys.modules)
module = importlib.import_module(sys.argv[1])
handler = getattr(module, sys.argv[2])
assert callable(handler)
wall, cpu = (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000
answer = {"init_ms": wall, "cpu_ms": cpu, "modules": len(sys.modules) - before}
if len(sys.argv) > 4 and sys.argv[4]:
    # The event's moment has not come yet (a job's day): the layer's clock says it, as it would then.
    # Set between the timed parts, so it adds to neither.
    from datetime import datetime
    from loyalty.adapters import clock
    moment = datetime.fromisoformat(sys.argv[4])
    clock.set_clock(lambda: moment)
if len(sys.argv) > 3 and sys.argv[3]:
    with open(sys.argv[3], encoding="utf-8") as source:
        event = json.load(source)
    headers = event.get("headers") or {}
    if len(sys.argv) > 5 and sys.argv[5] and "authorization" in headers:
        # The key the seeded stack holds (bench.stack.PROBE_ADMIN_KEY), in place of the event's own.
        headers["authorization"] = "Bearer " + sys.argv[5]

    class Context:
        function_name = module.__name__
        memory_limit_in_mb = 512
        invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
        aws_request_id = "00000000-0000-0000-0000-000000000000"
        function_version = "$LATEST"
        log_group_name = log_stream_name = "bench"

        def get_remaining_time_in_millis(self):
            return 10_000

    for key in ("first", "second"):
        started, cpu = time.perf_counter(), time.process_time()
        result = handler(json.loads(json.dumps(event)), Context())
        answer[key + "_request_ms"] = (time.perf_counter() - started) * 1000
        answer[key + "_request_cpu_ms"] = (time.process_time() - cpu) * 1000
    answer["status"] = result.get("statusCode") if isinstance(result, dict) else None
print(json.dumps(answer))
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
        "_X_AMZN_TRACE_ID": TRACE_ID,
        "LAMBDA_TASK_ROOT": str(code_dir),
        "_HANDLER": handler,
        **variables,
    }


# CloudFormation's custom resource functions answer by a PUT to the request's presigned S3 URL: their
# init is measured, not a first request (it runs once per stack operation, not per request).
NO_REQUEST = {"AdminKeyFunction", "ConsoleCspFunction"}


def request_event(logical_id: str) -> Path | None:
    """The event file the first request of ``logical_id`` replays, or None when it has none."""
    if logical_id in NO_REQUEST:
        return None
    folder = EVENTS / logical_id
    chosen = folder / REQUESTS[logical_id] if logical_id in REQUESTS else None
    if chosen is not None and chosen.is_file():
        return chosen
    found = sorted(folder.glob("*.json"))
    return found[0] if found else None


def targets(
    template: Template,
    physical: dict[str, str] | None = None,
    backend: dict[str, str] | None = None,
    layer: Path | None = None,
) -> dict[str, dict[str, Any]]:
    """Every function of the template, plus the baseline; each with its module, handler, env and the
    event of its first request. ``physical`` names the created resources and ``backend`` points boto3
    at them (without them, names are the logical ids and no request is made). ``layer``: a built layer's
    python/ folder (bench.deployment.runnable_layer), on every path, the baseline's too (a bare handler
    on Lambda gets Powertools and pydantic from a layer as well); without it, the layer's source folders
    and this interpreter's packages."""
    backend = backend or {}
    physical = physical or {logical_id: logical_id for logical_id in template.types()}
    layers = [str(layer)] if layer is not None else [str(folder) for folder in template.layer_dirs()]
    found: dict[str, dict[str, Any]] = {}
    for logical_id, spec in template.functions().items():
        code_dir = (template.root / spec.code_uri).resolve()
        module, _, attribute = spec.handler.rpartition(".")
        variables = {key: str(value) for key, value in template.resolve(spec.environment, physical).items()}
        env = {**_lambda_env(logical_id, code_dir, spec.handler, spec.memory_size, variables), **backend}
        env["PYTHONPATH"] = os.pathsep.join([str(code_dir), *layers])
        event = request_event(logical_id) if backend else None
        found[logical_id] = {"module": module, "attribute": attribute, "cwd": code_dir, "env": env, "event": event}
    # The baseline gets the Globals' variables (service name, metrics namespace, log level) and no layer.
    defaults = template.raw.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    variables = {key: str(value) for key, value in template.resolve(defaults, physical).items()}
    env = {**_lambda_env("Baseline", BASELINE_DIR, "app.handler", 512, variables), **backend}
    env["PYTHONPATH"] = os.pathsep.join([str(BASELINE_DIR), *([str(layer)] if layer is not None else [])])
    event = request_event("HealthFunction") if backend else None  # the baseline answers any event alike
    found[BASELINE] = {"module": "app", "attribute": "handler", "cwd": BASELINE_DIR, "env": env, "event": event}
    return found


def _future_moment(event_file: str) -> str:
    """The event's moment when it lies ahead of the wall clock (the day a job's sample event runs for),
    else "": the handlers refuse a job for a day that has not come, so the probe sets the clock."""
    from local.events import moment_of

    moment = moment_of(json.loads(Path(event_file).read_text(encoding="utf-8")))
    return moment.isoformat() if moment is not None and moment > datetime.now(UTC) else ""


def _python(target: dict[str, Any], *args: str) -> subprocess.CompletedProcess[str]:
    """A fresh interpreter in the target's folder with the environment Lambda gives it."""
    # Generous: a loaded machine can take a while; a hang still ends.
    return commands.run([sys.executable, *args], cwd=target["cwd"], env=target["env"], timeout=300)


def _probe(target: dict[str, Any]) -> dict[str, Any]:
    event = str(target["event"]) if target.get("event") else ""
    moment = _future_moment(event) if event and target["cwd"] != BASELINE_DIR else ""
    done = _python(target, "-c", PROBE, target["module"], target["attribute"], event, moment, PROBE_ADMIN_KEY)
    if done.returncode != 0:
        raise RuntimeError(f"init of {target['cwd']} failed:\n{done.stderr[-2000:]}")
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def _self_times(target: dict[str, Any]) -> dict[str, int]:
    """Microseconds each module took to import itself (``-X importtime``'s "self" column)."""
    done = _python(target, "-X", "importtime", "-c", PROBE, target["module"], target["attribute"])
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
            # The handler module is "app" on both sides: its own time (route registration) counts.
            if module not in baseline or module == target["module"]:
                package = module.split(".")[0]
                by_package[package] = by_package.get(package, 0) + micros
        ranked = sorted(by_package.items(), key=lambda item: -item[1])[:top]
        extras[name] = {package: round(micros / 1000, 1) for package, micros in ranked if micros >= 1000}
    return extras


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 1)


def run(
    template: Template,
    rounds: int = ROUNDS,
    physical: dict[str, str] | None = None,
    backend: dict[str, str] | None = None,
    layer: Path | None = None,
) -> dict[str, dict[str, Any]]:
    """Init of every function against the baseline's, and, given a ``backend`` (boto3's endpoint
    variables) holding the ``physical`` resources, their first and second requests; on the built
    ``layer`` when given (see ``targets``).

    Each function's init is measured in pairs: in every round, each function (in a shuffled order) runs
    right beside a baseline run, at the same time on a machine of two cores or more (started just before
    it in one round and just after it in the next), and its ratio is the median of its per-pair ratios.
    On a shared machine the speed drifts within seconds; a pair shares the same moment, so the drift
    cancels out of the ratio (unpaired, one baseline median against each function's median, the same
    code came out anywhere from 0.4 to 0.8 x here between runs).
    """
    found = targets(template, physical, backend, layer)
    functions = [name for name in found if name != BASELINE]
    # The -X importtime run of each target comes first: besides telling where the time goes, it
    # writes every __pycache__, so no measured run pays for compiling.
    extras = extra_imports(found)
    samples: dict[str, list[dict[str, Any]]] = {name: [] for name in found}
    pairs: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {name: [] for name in functions}
    shuffler = random.Random(20261122)  # a fixed seed: the same order on every run of the bench
    with ThreadPoolExecutor(SIDE_BY_SIDE) as pool:
        for round_number in range(rounds):
            shuffler.shuffle(functions)
            for index, name in enumerate(functions):
                baseline_first = (round_number + index) % 2 == 0  # which of the two starts first
                order = [found[BASELINE], found[name]] if baseline_first else [found[name], found[BASELINE]]
                if round_number >= REQUEST_ROUNDS:
                    order = [{**target, "event": None} for target in order]
                first, second = pool.map(_probe, order)
                base, own = (first, second) if baseline_first else (second, first)
                samples[BASELINE].append(base)
                samples[name].append(own)
                pairs[name].append((own, base))
    results: dict[str, dict[str, Any]] = {}
    for name in [*template.functions(), BASELINE]:
        runs = samples[name]
        paired = pairs.get(name) or [(run, run) for run in runs]
        results[name] = {
            "init_ms": _median([s["init_ms"] for s in runs]),
            "baseline_ms": _median([base["init_ms"] for _, base in paired]),
            "ratio": round(statistics.median(own["init_ms"] / base["init_ms"] for own, base in paired), 3),
            # CPU time of the same runs: less swayed by other processes on a busy machine.
            "cpu_ms": _median([s["cpu_ms"] for s in runs]),
            "cpu_ratio": round(statistics.median(own["cpu_ms"] / base["cpu_ms"] for own, base in paired), 3),
            "spread_ms": [round(min(s["init_ms"] for s in runs), 1), round(max(s["init_ms"] for s in runs), 1)],
            "modules_imported": int(runs[-1]["modules"]),
            "extra_imports_ms": extras.get(name, {}),
            "runs": len(runs),
        }
        served = [s for s in runs if "first_request_ms" in s]
        if served:
            event = found[name]["event"]
            results[name]["first_request"] = {
                "event": str(Path(event).relative_to(EVENTS.parent)) if event else None,
                "status": served[-1]["status"],
                "first_ms": _median([s["first_request_ms"] for s in served]),
                "second_ms": _median([s["second_request_ms"] for s in served]),
                "first_cpu_ms": _median([s["first_request_cpu_ms"] for s in served]),
                # What a cold start costs the caller in all: init, then the first request.
                "init_plus_first_ms": _median([s["init_ms"] + s["first_request_ms"] for s in served]),
                "runs": len(served),
            }
    return results
