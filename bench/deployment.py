"""Deployment sizes: each function's own zip, and the layer unzipped, as ``sam build`` builds it.

A function's zip is its CodeUri folder as SAM would zip it (bytecode caches left out). The layer is
built by the SAM CLI itself (.tools/sam, from ``make tools``): ``sam build CoreLayer`` into a temporary
folder, which runs layers/core/Makefile (the pinned wheels for arm64 without the runtime's packages,
compiled to bytecode); its size is the sum of the files' sizes, what Lambda counts against its limits.
Without the SAM CLI (or python3.13, which the Makefile needs) the layer is not measured, and the
report says why.
"""

from __future__ import annotations

import io
import os
import platform
import shutil
import subprocess
import tempfile
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Any

from local.template import ROOT, Template

FUNCTION_LIMIT = 100 * 1024
LAYER_LIMIT = 15 * 1024 * 1024
# Distributions the Lambda python3.13 runtime ships (boto3 and what it needs): none may be in the layer.
RUNTIME_PROVIDED = {"boto3", "botocore", "s3transfer", "jmespath", "urllib3", "python-dateutil", "six"}
SKIPPED_PARTS = {"__pycache__"}
SAM = ROOT / ".tools" / "sam" / "bin" / "sam"
BUILD_TIMEOUT_SECONDS = 900


def _files(folder: Path) -> list[Path]:
    return sorted(
        path
        for path in folder.rglob("*")
        if path.is_file() and not SKIPPED_PARTS.intersection(path.relative_to(folder).parts) and path.suffix != ".pyc"
    )


def zip_size(folder: Path) -> int:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in _files(folder):
            archive.write(path, path.relative_to(folder).as_posix())
    return len(buffer.getvalue())


def functions(template: Template) -> dict[str, int]:
    return {
        logical_id: zip_size((template.root / spec.code_uri).resolve())
        for logical_id, spec in template.functions().items()
    }


def _python313() -> str | None:
    """The real python3.13 executable for the Makefile, found as the root Makefile finds it: pyenv's
    3.13.0 first, then python3.13 on PATH (a pyenv shim on PATH only works with a version selected)."""
    candidates = []
    try:
        done = subprocess.run(
            ["pyenv", "which", "python"],
            env={**os.environ, "PYENV_VERSION": "3.13.0"},
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        candidates.append(done.stdout.strip() if done.returncode == 0 else "")
    except OSError:
        pass
    candidates.append(shutil.which("python3.13") or "")
    check = "import sys; print(sys.executable) if sys.version_info[:2] == (3, 13) else sys.exit(1)"
    for candidate in filter(None, candidates):
        try:
            done = subprocess.run([candidate, "-c", check], capture_output=True, text=True, timeout=30, check=False)
        except OSError:
            continue
        if done.returncode == 0 and done.stdout.strip():
            return done.stdout.strip()
    return None


def sam_build_layer(template_file: Path, logical_id: str, build_dir: Path) -> Path:
    """``sam build <layer>`` into build_dir; the folder Lambda would mount at /opt. Raises RuntimeError
    with the reason when the SAM CLI or python3.13 is missing or the build fails."""
    if not os.access(SAM, os.X_OK):
        raise RuntimeError(f"SAM CLI not found at {SAM.relative_to(ROOT)}: run `make tools` to measure the layer")
    python = _python313()
    if python is None:
        raise RuntimeError("python3.13 not found (on PATH or through pyenv): the layer's Makefile needs it")
    env = {
        **os.environ,
        "PATH": os.pathsep.join([str(Path(python).parent), os.environ.get("PATH", "")]),
        "SAM_CLI_TELEMETRY": "0",
    }
    command = [str(SAM), "build", logical_id, "--template-file", str(template_file), "--build-dir", str(build_dir)]
    done = subprocess.run(
        command,
        cwd=build_dir.parent,  # sam leaves an .aws-sam/ folder in its working directory: the temporary one
        env=env,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_SECONDS,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[1:])} failed:\n{(done.stdout + done.stderr)[-2000:]}")
    return build_dir / logical_id


def runnable_layer(build_dir: Path) -> Path:
    """The layer as layers/core/Makefile builds it for ``sam build``, with the wheels of this machine's
    platform instead of the template's arm64 (whose compiled extensions this machine may not load): the
    folder to put on a function's path in place of Lambda's /opt/python. The cold-start probes load it, so
    every function's init and first request run on the layer's own form: third-party packages as bytecode
    alone, our own with sources and bytecode. Raises RuntimeError when python3.13 is missing or the build
    fails (no package index)."""
    python = _python313()
    if python is None:
        raise RuntimeError("python3.13 not found (on PATH or through pyenv): the layer's Makefile needs it")
    wheels = f"--platform manylinux2014_{platform.machine()} --implementation cp --python-version 3.13"
    wheels += " --only-binary=:all:"
    command = [
        "make",
        "-s",
        "-C",
        str(ROOT / "layers" / "core"),
        "build-CoreLayer",
        f"ARTIFACTS_DIR={build_dir}",
        f"PYTHON={python}",
        f"WHEELS={wheels}",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=BUILD_TIMEOUT_SECONDS, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"make build-CoreLayer failed:\n{(done.stdout + done.stderr)[-2000:]}")
    return build_dir / "python"


def _distribution_sizes(target: Path) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for distribution in metadata.distributions(path=[str(target)]):
        name = distribution.metadata["Name"].lower().replace("_", "-")
        total = 0
        for file in distribution.files or []:
            located = Path(str(distribution.locate_file(file)))
            if located.is_file():
                total += located.stat().st_size
        sizes[name] = total
    return sizes


def layer(template: Template) -> dict[str, Any]:
    layers = template.resources("AWS::Serverless::LayerVersion")
    if len(layers) != 1:
        raise ValueError(f"expected one layer in the template, found {len(layers)}")
    logical_id = next(iter(layers))
    with tempfile.TemporaryDirectory(prefix="bench-layer-") as folder:
        built = sam_build_layer(template.root / "template.yaml", logical_id, Path(folder) / "build")
        files = [path for path in built.rglob("*") if path.is_file()]
        total = sum(path.stat().st_size for path in files)
        bytecode = sum(path.stat().st_size for path in files if path.suffix == ".pyc")
        packages = built / "python"
        distributions = _distribution_sizes(packages)
        own = sum(path.stat().st_size for path in (packages / "loyalty").rglob("*") if path.is_file())
    runtime = sorted(name for name in distributions if name in RUNTIME_PROVIDED)
    largest = sorted(distributions.items(), key=lambda item: -item[1])[:6]
    return {
        "unzipped_bytes": total,
        "unzipped_mb": round(total / 1024 / 1024, 2),
        "bytecode_mb": round(bytecode / 1024 / 1024, 2),
        "own_code_bytes": own,
        "distributions": sorted(distributions),
        "runtime_provided": runtime,  # what the runtime already has, yet the build put in: should be none
        "largest_mb": {name: round(size / 1024 / 1024, 2) for name, size in largest},
        "built_by": f"sam build {logical_id} (layers/core/Makefile: manylinux2014_aarch64 wheels, --no-deps)",
        "limit_mb": LAYER_LIMIT / 1024 / 1024,
    }


def run(template: Template) -> dict[str, Any]:
    try:
        built = layer(template)
    except (RuntimeError, subprocess.TimeoutExpired) as error:  # no SAM CLI or no registry: say so, measure the rest
        built = {"error": str(error)[-500:], "limit_mb": LAYER_LIMIT / 1024 / 1024}
    return {
        "functions": {
            logical_id: {"zip_bytes": size, "zip_kb": round(size / 1024, 1), "limit_kb": FUNCTION_LIMIT / 1024}
            for logical_id, size in functions(template).items()
        },
        "layer": built,
    }
