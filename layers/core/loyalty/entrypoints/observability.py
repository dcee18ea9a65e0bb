"""The functions' Logger, Tracer and Metrics, built in one place, and the wrapper that makes a function
of (event, context) a Lambda handler that logs, traces and publishes its metrics.

The service name and the metrics namespace are the deployment's settings as template.yaml's Globals
give them to every function (POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE), which Powertools
reads when these are built: a function's init reads no other setting (loyalty.settings is read on
first use, tests/contract/test_layer.py). So this module is imported by the handler factories, which a
function's ``app.py`` calls once Lambda has set its environment, never by a module a test or a tool
imports on its own (loyalty.entrypoints.http does not import it).

Powertools shares each one's state between instances (the metric set, the tracer's configuration, the
``loyalty`` logger), so one of each is what every function built before, only built once. The Tracer
and the Metrics are built on first use (a module ``__getattr__``): building a Tracer imports the X-Ray
SDK and patches botocore, which the functions that never traced (the custom resources) must not pay
for, nor have their AWS calls traced.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

type Handler[T] = Callable[[dict[str, Any], LambdaContext], T]

logger = Logger()

if TYPE_CHECKING:
    tracer: Tracer
    metrics: Metrics


@cache
def _tracer() -> Tracer:
    return Tracer()


@cache
def _metrics() -> Metrics:
    return Metrics()


def __getattr__(name: str) -> Any:
    """``tracer`` and ``metrics``, built on first use (see the module docstring)."""
    if name == "tracer":
        return _tracer()
    if name == "metrics":
        return _metrics()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def observed[T](
    handler: Handler[T], *, correlation_id_path: str | None = None, traced: bool = True, measured: bool = True
) -> Handler[T]:
    """``handler`` with the invocation's context on every log line (and the correlation id found at
    ``correlation_id_path`` in the event), traced (``traced``), and its metrics published when it
    returns (``measured``).

    The trace does not keep what the handler returned (Powertools' default would put it in the
    subsegment's metadata): an answer holds members' emails and names, and X-Ray keeps a trace for 30
    days, where erasure cannot reach it (tests/service/security/test_traces.py)."""
    wrapped = handler
    if measured:
        wrapped = _metrics().log_metrics(wrapped)
    if traced:
        wrapped = _tracer().capture_lambda_handler(wrapped, capture_response=False)
    injected: Handler[T] = logger.inject_lambda_context(wrapped, correlation_id_path=correlation_id_path)
    return injected
