"""``python -m local.stack`` (``make run``): the whole platform on this machine, no AWS account, no Docker.

Environment: PORT (default 3000), BACKEND (moto | dynamodb-local), LOYALTY_ADMIN_KEY (else one is
generated and printed), optional MOTO_PORT / DYNAMODB_PORT (default: free ports), LOCAL_TEMPLATE,
WIDGET_ORIGINS (the shops' origins CORS answers, comma-separated).
"""

from __future__ import annotations

import importlib
import os
import secrets
import signal
import sys
import threading
from contextlib import ExitStack
from dataclasses import dataclass
from types import FrameType
from typing import Any

from local import bus_tap, console, cors, gateway, poller, redact, resources, runtime, s3_events, state, streams
from local.backend import HOST, DynamoDBLocal, MotoServer, local_aws_env
from local.template import Template, load

BACKENDS = ("moto", "dynamodb-local")
ADMIN_KEY_ENV = "LOYALTY_ADMIN_KEY"
SHUTDOWN_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _port(name: str) -> int | None:
    value = os.environ.get(name)
    return int(value) if value else None


@dataclass(frozen=True)
class AdminKey:
    value: str
    generated: bool  # only a generated key is printed: a chosen one is already known to its owner


def bootstrap_admin_key(template: Template) -> AdminKey | None:
    """Store the admin key (idempotently); None when the layer cannot do it yet."""
    runtime.add_layers(template)
    try:
        api_keys: Any = importlib.import_module("loyalty.services.api_keys")
    except ModuleNotFoundError as error:
        if error.name not in ("loyalty", "loyalty.services", "loyalty.services.api_keys"):
            raise
        print("warning: loyalty.services.api_keys is missing; no admin key was created", file=sys.stderr)
        return None
    chosen = os.environ.get(ADMIN_KEY_ENV)
    key = AdminKey(chosen, False) if chosen else AdminKey("lk_" + secrets.token_urlsafe(32), True)
    api_keys.bootstrap_key(key.value, "admin", "local admin")
    return key


def bootstrap_demo_key(template: Template) -> str | None:
    """A storefront key for the widget's demo shop (local.widget: its token route), new at every start and
    never shown: the demo page gets member tokens from the route, never the key."""
    runtime.add_layers(template)
    try:
        api_keys: Any = importlib.import_module("loyalty.services.api_keys")
    except ModuleNotFoundError:
        return None
    value = "lk_" + secrets.token_urlsafe(32)
    api_keys.bootstrap_key(value, "storefront", "local widget demo shop")
    return value


def _chosen_key_digests(template: Template) -> list[str]:
    runtime.add_layers(template)
    try:
        api_keys: Any = importlib.import_module("loyalty.services.api_keys")
    except ModuleNotFoundError:
        return []
    chosen = getattr(api_keys, "chosen_digests", None)  # a project's layer may not have chosen keys at all
    digests: list[str] = chosen() if chosen is not None else []
    return digests


def _banner(
    template: Template, api: str, endpoints: dict[str, str], physical: dict[str, str], key: AdminKey | None
) -> str:
    """What a developer needs to start; never the SES identity or anything else that may be an email."""
    dynamodb = endpoints.get("AWS_ENDPOINT_URL_DYNAMODB")
    served = "SQS, SES" if dynamodb else "SQS, SES, DynamoDB"
    lines = [
        f"Loyalty local stack (backend: {'dynamodb-local' if dynamodb else 'moto'})",
        f"  API           {api}",
        f"  Swagger UI    {api}/docs",
        f"  Console       {api}/console/  (the admin console; sign in with the admin key)",
        f"  Widget        {api}/widget/loyalty.js  (demo shop: {api}/widget/demo.html, members demo-*)",
        f"  AWS endpoint  {endpoints['AWS_ENDPOINT_URL']}  (AWS_ENDPOINT_URL: {served})",
    ]
    if dynamodb:
        lines.append(f"  DynamoDB      {dynamodb}  (AWS_ENDPOINT_URL_DYNAMODB)")
    lines += [f"  Table         {physical[logical_id]}" for logical_id in template.resources(resources.TABLE)]
    lines += [f"  Queue         {physical[logical_id]}" for logical_id in template.resources(resources.QUEUE)]
    lines += [
        f"  Event bus     {physical[logical_id]}  (each event is printed: event <type> <id>)"
        for logical_id in template.resources(resources.EVENT_BUS)
    ]
    if template.resources(resources.EVENT_BUS):
        lines.append("  Webhooks      loopback http URLs allowed (python -m local.receiver is a receiver)")
    origins = os.environ.get(cors.ENVIRONMENT, "").strip()
    if origins:
        lines.append(f"  CORS          {origins}  ({cors.ENVIRONMENT}: the shops' pages the widget runs on)")
    if key is None:
        lines.append("  Admin key     none (the layer cannot store keys yet)")
    elif key.generated:
        lines.append(f"  Admin key     {key.value}  (generated; set {ADMIN_KEY_ENV} to choose it)")
    else:
        lines.append(f"  Admin key     the value of {ADMIN_KEY_ENV}")
    lines += [
        "  Credentials   AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1",
        "Ctrl+C stops the stack.",
    ]
    return "\n".join(lines)


def run(stop: threading.Event) -> int:
    port = _port("PORT") or 3000
    backend = os.environ.get("BACKEND") or "moto"
    if backend not in BACKENDS:
        print(f"BACKEND must be one of {', '.join(BACKENDS)}, not {backend!r}", file=sys.stderr)
        return 2
    template = load(os.environ.get("LOCAL_TEMPLATE") or "template.yaml")
    with ExitStack() as cleanup:
        try:
            server = gateway.GatewayServer(gateway.Gateway(template), port)
        except OSError as error:
            print(f"cannot listen on {HOST}:{port}: {error.strerror}; set PORT to another port", file=sys.stderr)
            return 1
        cleanup.callback(server.server_close)
        moto = cleanup.enter_context(MotoServer(_port("MOTO_PORT")))
        dynamodb_endpoint = None
        if backend == "dynamodb-local":
            dynamodb_endpoint = cleanup.enter_context(DynamoDBLocal(_port("DYNAMODB_PORT"))).endpoint
        # A profile could point boto3 at a real account or endpoint; the dummy credentials must win.
        for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
            os.environ.pop(name, None)
        aws_env = local_aws_env(moto.endpoint, dynamodb_endpoint)
        os.environ.update(aws_env)
        physical = resources.create_resources(template)
        function_env = resources.function_environment(template, physical)
        # No X-Ray daemon listens locally; Powertools' tracer would otherwise try to reach one. Webhooks
        # may point at a developer's receiver on loopback (http), which a deployed stack refuses.
        env = {**aws_env, **function_env, "POWERTOOLS_TRACE_DISABLED": "true", "WEBHOOKS_ALLOW_LOOPBACK": "true"}
        os.environ.update(env)
        key = bootstrap_admin_key(template)
        server.gateway.widget.demo_key = bootstrap_demo_key(template)
        api = f"http://{HOST}:{server.server_port}"
        # The console (served on the API's origin) PUTs files to the presigned URLs, on moto's endpoint:
        # its CSP names that endpoint and the buckets answer the console's origin as the template says.
        server.gateway.console.allow_uploads(moto.endpoint)
        console.upload_cors(template, physical, api)
        endpoints = {name: value for name, value in aws_env.items() if name.startswith("AWS_ENDPOINT_URL")}
        state.write(
            {
                "pid": os.getpid(),
                "api_url": api,
                "backend": backend,
                "template": str(template.root / "template.yaml"),
                "endpoints": endpoints,
                "physical": physical,
                "env": env,
                # The chosen admin key's SHA-256 (never the key): `make invoke` accepts it too (local.state).
                "chosen_key_digests": _chosen_key_digests(template),
            }
        )
        cleanup.callback(state.remove, os.getpid())
        # Bound first (a busy port fails before anything starts), served only now that the backend is ready.
        server.start_thread()
        cleanup.callback(server.shutdown)
        pollers = poller.start_pollers(template, physical, stop)
        # Uploads to the stack's buckets (a presigned URL, by any client) start what S3's notifications
        # start when deployed.
        pollers += s3_events.wire(template, physical, stop)
        for each in pollers:
            cleanup.callback(each.join, timeout=5)
        # The table stream -> EventPublisherFunction, as Lambda's stream event source would run it, and
        # every event the bus receives printed as it arrives.
        background: list[threading.Thread] = list(streams.pollers(template, physical, stop))
        for bus in template.resources(resources.EVENT_BUS):
            background.append(bus_tap.BusTap(bus_tap.create(physical[bus]), stop))
        for each in background:
            each.start()
            cleanup.callback(each.join, timeout=5)
        print(_banner(template, api, endpoints, physical, key), flush=True)
        while not stop.wait(0.5):
            pass
        print("Stopping the local stack...", flush=True)
    return 0


def main() -> int:
    redact.install()
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    for signum in SHUTDOWN_SIGNALS:
        signal.signal(signum, request_stop)
    return run(stop)


if __name__ == "__main__":
    sys.exit(main())
