"""Modules imported on first use: what the API handlers call their services through.

An API function's init imports Powertools' event handler (about 0.13 x the bare handler's init on its
own) and the models its routes declare; its services, with the store and the domain rules beneath them,
are only needed once a route runs. ``module()`` gives the handler the service module now and executes
it on its first attribute access (importlib.util.LazyLoader, the standard library's recipe), so the
first request pays for it, and a route never called in a process never loads its service at all.
bench/cold_start.py measures both the init and the first request.

Handlers keep their types by importing the real modules for the type checker:

    if TYPE_CHECKING:
        from loyalty.services import members
    else:
        members = lazy.module("loyalty.services.members")
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def module(name: str) -> ModuleType:
    """The module ``name``, executed on its first attribute access (at once if already imported)."""
    found = sys.modules.get(name)
    if found is not None:
        return found
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    lazy = importlib.util.module_from_spec(spec)
    sys.modules[name] = lazy
    loader.exec_module(lazy)
    return lazy
