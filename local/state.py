"""The running stack's state file (.local/stack.json): how ``local.invoke`` finds the stack's backends."""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path
from typing import Any

from local import runtime
from local.template import ROOT, Template, load

# Overridable so a test's stack never overwrites the file of a stack a developer is running.
STATE_FILE_ENV = "LOCAL_STACK_FILE"


def state_file() -> Path:
    return Path(os.environ.get(STATE_FILE_ENV) or ROOT / ".local" / "stack.json")


def write(state: dict[str, Any]) -> Path:
    path = state_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")
    partial.replace(path)  # atomic: a reader never sees half a file
    return path


def remove(pid: int) -> None:
    """Delete the state file if it is still ours (another stack may have started since)."""
    path = state_file()
    try:
        if json.loads(path.read_text(encoding="utf-8")).get("pid") == pid:
            path.unlink()
    except (FileNotFoundError, ValueError):
        pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read() -> dict[str, Any]:
    """The running stack's state; raises RuntimeError with a message for humans when none runs."""
    path = state_file()
    try:
        state: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RuntimeError(f"The local stack is not running ({path} is missing): start it with `make run`.") from None
    if not _alive(int(state.get("pid", 0))):
        raise RuntimeError(f"The local stack that wrote {path} is gone: start it again with `make run`.")
    return state


def attach() -> Template:
    """Join the running stack from this process: its environment (endpoints, table, queues) in os.environ,
    and its template. Raises RuntimeError as ``read`` does."""
    stack = read()
    os.environ.update(stack["env"])
    template = load(stack["template"])
    digests = stack.get("chosen_key_digests") or []
    if digests:  # the admin key LOYALTY_ADMIN_KEY chose, which the functions accept in the stack's process
        runtime.add_layers(template)
        importlib.import_module("loyalty.services.api_keys").accept_chosen(digests)
    return template


def attach_with_layer() -> Template | None:
    """``attach``, with the layer importable (an operator's command on the stack: ``make audit``), or None
    after saying on stderr why there is no stack to join."""
    try:
        template = attach()
    except RuntimeError as error:
        print(error, file=sys.stderr)
        return None
    runtime.add_layers(template)
    return template
