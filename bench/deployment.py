"""Deployment sizes: each function's own zip, and the layer unzipped, computed from the files.

A function's zip is its CodeUri folder as SAM would zip it (bytecode caches left out). The layer is
what ``sam build`` puts in it for BuildMethod python3.13 / arm64: layers/core's own code plus every
distribution pip resolves from layers/core/requirements.txt, installed for manylinux2014_aarch64
(falling back to this machine's platform when the aarch64 wheels cannot be had), without bytecode,
as the builder installs it. Packages the python3.13 runtime already provides are counted too, because
pip installs them into the layer all the same; their share is reported apart.
"""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Any

from local.template import Template

FUNCTION_LIMIT = 100 * 1024
LAYER_LIMIT = 15 * 1024 * 1024
# Distributions the Lambda python3.13 runtime ships (boto3 and what it needs).
RUNTIME_PROVIDED = {"boto3", "botocore", "s3transfer", "jmespath", "urllib3", "python-dateutil", "six"}
SKIPPED_PARTS = {"__pycache__"}


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


def _pip(target: Path, requirements: Path, platform: list[str]) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-compile",
        "--target",
        str(target),
        "-r",
        str(requirements),
        *platform,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)


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
    content = (template.root / str(next(iter(layers.values()))["Properties"]["ContentUri"])).resolve()
    requirements = content / "requirements.txt"
    own = sum(path.stat().st_size for path in _files(content) if path != requirements)
    aarch64 = ["--platform", "manylinux2014_aarch64", "--only-binary=:all:", "--python-version", "3.13"]
    aarch64 += ["--implementation", "cp"]
    with tempfile.TemporaryDirectory(prefix="bench-layer-") as folder:
        target = Path(folder)
        platform = "manylinux2014_aarch64 (the template's arm64)"
        done = _pip(target, requirements, aarch64) if requirements.exists() else None
        if done is not None and done.returncode != 0:
            for child in target.iterdir():
                subprocess.run(["rm", "-rf", str(child)], check=True)
            platform = f"{sys.platform} {sys.implementation.cache_tag} (this machine: aarch64 wheels unavailable)"
            done = _pip(target, requirements, [])
            if done.returncode != 0:
                raise RuntimeError(f"pip could not install the layer's requirements:\n{done.stderr[-2000:]}")
        installed = sum(path.stat().st_size for path in target.rglob("*") if path.is_file())
        distributions = _distribution_sizes(target)
    runtime = sum(size for name, size in distributions.items() if name in RUNTIME_PROVIDED)
    total = own + installed
    largest = sorted(distributions.items(), key=lambda item: -item[1])[:6]
    return {
        "unzipped_bytes": total,
        "unzipped_mb": round(total / 1024 / 1024, 2),
        "own_code_bytes": own,
        "runtime_provided_bytes": runtime,
        "runtime_provided_mb": round(runtime / 1024 / 1024, 2),
        "without_runtime_provided_mb": round((total - runtime) / 1024 / 1024, 2),
        "runtime_provided": sorted(name for name in distributions if name in RUNTIME_PROVIDED),
        "largest_mb": {name: round(size / 1024 / 1024, 2) for name, size in largest},
        "platform": platform,
        "limit_mb": LAYER_LIMIT / 1024 / 1024,
    }


def run(template: Template) -> dict[str, Any]:
    try:
        built = layer(template)
    except (RuntimeError, subprocess.TimeoutExpired) as error:  # no registry: say so, measure the rest
        built = {"error": str(error)[-500:], "limit_mb": LAYER_LIMIT / 1024 / 1024}
    return {
        "functions": {
            logical_id: {"zip_bytes": size, "zip_kb": round(size / 1024, 1), "limit_kb": FUNCTION_LIMIT / 1024}
            for logical_id, size in functions(template).items()
        },
        "layer": built,
    }
