"""The suites. Lambda sets a function's environment before it imports any of its code, and so do the
tests, before any module of the layer is imported: a Powertools child logger takes the service's name
when it is built, so a module first imported at collection (a job the catalog registers, say) would
otherwise log as ``service_undefined`` and out of the service's log lines. The ``template`` fixture
sets the same environment again, over it (from the same TEMPLATE, read once)."""

import os
from pathlib import Path

from local import resources
from local import template as template_loader

TEMPLATE = template_loader.load(str(Path(__file__).resolve().parent.parent / "template.yaml"))
# What a caller set wins (a test's subprocess gets the running stack's table and endpoints).
for name, value in resources.function_environment(
    TEMPLATE, {logical_id: logical_id for logical_id in TEMPLATE.types()}
).items():
    os.environ.setdefault(name, value)
