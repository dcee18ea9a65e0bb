"""Run a template's functions in this process, the way the Lambda runtime would load them.

Each function's code is imported by file path under its own module name, so the many ``app.py`` files
coexist; the template's layers go on ``sys.path`` as they would sit under /opt/python.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from local.intrinsics import ACCOUNT_ID, REGION
from local.template import Template

Handler = Callable[[dict[str, Any], Any], Any]

_lock = threading.Lock()
_modules: dict[Path, ModuleType] = {}
# One lock per function: a Lambda execution environment serves one event at a time, and handlers rely
# on it (Powertools' resolver keeps the current event on the app object), while the gateway is threaded.
_function_locks: dict[str, threading.Lock] = {}


@dataclass
class LambdaContext:
    """The attributes of the runtime's context object that handlers and Powertools read."""

    function_name: str
    memory_limit_in_mb: int = 128
    timeout_seconds: int = 3
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    invoked_function_arn: str = ""
    log_group_name: str = ""
    log_stream_name: str = "local"
    identity: Any = None
    client_context: Any = None
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self.invoked_function_arn = self.invoked_function_arn or (
            f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.function_name}"
        )
        self.log_group_name = self.log_group_name or f"/aws/lambda/{self.function_name}"
        self._deadline = time.monotonic() + self.timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        # Informational only: the local runtime does not stop a handler that overruns its timeout.
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def add_layers(template: Template) -> None:
    """Put the template's layer folders on sys.path (once each), ahead of site-packages like /opt/python."""
    with _lock:
        for folder in template.layer_dirs():
            text = str(folder)
            if text not in sys.path:
                sys.path.insert(0, text)


def _import(path: Path, logical_id: str) -> ModuleType:
    # The function's folder becomes a package of its own, so its app.py may import siblings relatively
    # and two functions' app.py never share a module name.
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:8]  # noqa: S324 - a name, not security
    package_name = f"fn_{logical_id}_{digest}"
    package = ModuleType(package_name)
    package.__path__ = [str(path.parent)]
    sys.modules[package_name] = package
    name = f"{package_name}.{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def load_module(template: Template, logical_id: str) -> ModuleType:
    """The module of function ``logical_id``'s handler (its ``app.py``), imported once per process."""
    functions = template.functions()
    if logical_id not in functions:
        raise KeyError(f"no function {logical_id!r} in the template; it has: {', '.join(sorted(functions))}")
    spec = functions[logical_id]
    module_path = spec.handler.rpartition(".")[0]
    path = (template.root / spec.code_uri / module_path.replace(".", "/")).with_suffix(".py")
    add_layers(template)
    with _lock:
        module = _modules.get(path)
        if module is None:
            if not path.is_file():
                raise FileNotFoundError(f"{logical_id}: handler file {path} does not exist")
            module = _modules[path] = _import(path, logical_id)
    return module


def load_handler(template: Template, logical_id: str) -> Handler:
    """The handler callable of function ``logical_id``, its module imported once per process."""
    handler: Handler = getattr(
        load_module(template, logical_id), template.functions()[logical_id].handler.rpartition(".")[2]
    )
    return handler


def context_for(template: Template, logical_id: str) -> LambdaContext:
    spec = template.functions()[logical_id]
    return LambdaContext(function_name=logical_id, memory_limit_in_mb=spec.memory_size, timeout_seconds=spec.timeout)


def invoke(template: Template, logical_id: str, event: dict[str, Any]) -> Any:
    """Invoke function ``logical_id`` with ``event``, one event at a time per function."""
    handler = load_handler(template, logical_id)
    with _lock:
        function_lock = _function_locks.setdefault(logical_id, threading.Lock())
    with function_lock:
        return handler(event, context_for(template, logical_id))
