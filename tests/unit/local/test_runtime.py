"""Functions loaded by file path and run in-process; the gateway served over a real socket."""

from __future__ import annotations

import io
import json
import sys
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from local import gateway, runtime
from local.backend import free_port
from local.redact import RedactingStream, redact
from local.runtime import LambdaContext
from local.template import Template
from tests.fakes import write_project


@pytest.fixture
def template(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Template]:
    monkeypatch.setattr(sys, "path", list(sys.path))  # the fake layer leaves with the test
    monkeypatch.setenv("TABLE_NAME", "Table")
    yield write_project(tmp_path)


def test_each_app_py_is_its_own_module_and_is_imported_once(template: Template) -> None:
    health = runtime.load_handler(template, "HealthFunction")
    echo = runtime.load_handler(template, "EchoFunction")
    assert health.__module__ != echo.__module__
    assert health.__module__.startswith("fn_HealthFunction")
    assert runtime.load_handler(template, "HealthFunction") is health
    assert str(template.root / "layer") in sys.path


def test_invoke_passes_a_lambda_like_context(template: Template) -> None:
    answer = runtime.invoke(template, "HealthFunction", {})
    assert json.loads(answer["body"]) == {"status": "ok", "function": "HealthFunction"}
    echoed = runtime.invoke(template, "EchoFunction", {"hello": 1})
    assert echoed == {"event": {"hello": 1}, "table": "Table"}


def test_context_fields() -> None:
    first, second = LambdaContext("Fn", 256, 10), LambdaContext("Fn")
    assert first.aws_request_id != second.aws_request_id
    assert first.invoked_function_arn == "arn:aws:lambda:us-east-1:123456789012:function:Fn"
    assert first.memory_limit_in_mb == 256
    assert 9000 < first.get_remaining_time_in_millis() <= 10000


def test_unknown_functions_and_missing_files_say_so(template: Template) -> None:
    with pytest.raises(KeyError, match="no function 'Nope'"):
        runtime.load_handler(template, "Nope")
    template.raw["Resources"]["HealthFunction"]["Properties"]["CodeUri"] = "functions/missing"
    with pytest.raises(FileNotFoundError, match="functions/missing"):
        runtime.load_handler(template, "HealthFunction")


def test_gateway_over_http_runs_the_authorizer_and_the_route(template: Template) -> None:
    server, thread = gateway.serve(template, free_port())
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        with urllib.request.urlopen(f"{base}/v1/health", timeout=5) as response:
            assert json.loads(response.read())["status"] == "ok"
        request = urllib.request.Request(f"{base}/v1/echo/ada?x=1", headers={"Authorization": "Bearer good"})
        with urllib.request.urlopen(request, timeout=5) as response:
            event = json.loads(response.read())["event"]
        assert event["requestContext"]["authorizer"] == {"lambda": {"scope": "admin"}}
        assert event["queryStringParameters"] == {"x": "1"}
        assert event["headers"]["host"] == f"127.0.0.1:{server.server_port}"
        with pytest.raises(urllib.error.HTTPError) as denied:
            urllib.request.urlopen(f"{base}/v1/echo/ada", timeout=5)
        assert denied.value.code == 403
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    assert not thread.is_alive()


def test_one_event_at_a_time_per_function(template: Template) -> None:
    """Like one Lambda execution environment: concurrent calls to one function never overlap."""
    (template.root / "functions" / "echo" / "app.py").write_text(
        "import threading, time\n"
        "active = []\n"
        "def handler(event, context):\n"
        "    active.append(1)\n"
        "    overlap = len(active) > 1\n"
        "    time.sleep(0.02)\n"
        "    active.pop()\n"
        "    return overlap\n"
    )
    results: list[bool] = []
    threads = [
        threading.Thread(target=lambda: results.append(runtime.invoke(template, "EchoFunction", {}))) for _ in range(5)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [False] * 5


def test_the_stack_console_masks_emails() -> None:
    written = io.StringIO()
    stream = RedactingStream(written)
    line = '{"message": "enrolled", "email": "Ada.Lovelace+x@mail.example.co.uk"} key lk_abc-DEF_1 v1.2.3\n'
    assert stream.write(line) == len(line)
    assert written.getvalue() == '{"message": "enrolled", "email": "<email>"} key lk_abc-DEF_1 v1.2.3\n'
    assert redact("no address here: a@b, user@localhost") == "no address here: a@b, user@localhost"
