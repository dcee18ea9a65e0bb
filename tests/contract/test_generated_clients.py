"""docs/openapi.json generates clients with the usual generators, at their default settings, with no
warning: openapi-python-client (pinned in requirements-dev.txt) and openapi-typescript (pinned in
package.json). The Python client then drives the local stack (``make run``) through a shopper's path:
the program, a member, an order, a reward, a redemption, and the balance read back.

A warning is a piece a generator left out (an enum value folded into another, a response type
dropped): a client that compiles but cannot read an answer the server gives.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from harness.commands import run
from harness.programs import program_document
from harness.stack import running
from local.template import ROOT
from loyalty.models.timezones import IANA_TIMEZONES

DOCUMENT = ROOT / "docs" / "openapi.json"
BIN = Path(sys.executable).parent
PACKAGE = "loyalty_api_client"  # openapi-python-client names it after info.title ("Loyalty API")
ADMIN_KEY = "lk_generated-client-admin-key"


def _generated(result: subprocess.CompletedProcess[str]) -> str:
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    return output


@pytest.fixture(scope="module")
def python_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ModuleType, str]]:
    """The generated package (imported from a temporary directory) and what the generator printed."""
    where = tmp_path_factory.mktemp("python-client")
    result = run(
        [str(BIN / "openapi-python-client"), "generate", "--path", str(DOCUMENT), "--output-path", "client"],
        cwd=where,
        # The generator formats its output with ruff, found on PATH: the virtualenv's pinned one.
        env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"},
        timeout=300,
    )
    output = _generated(result)
    sys.path.insert(0, str(where / "client"))
    try:
        yield importlib.import_module(PACKAGE), output
    finally:
        sys.path.remove(str(where / "client"))
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def test_python_client_generates_with_no_warning(python_client: tuple[ModuleType, str]) -> None:
    _, output = python_client
    assert "Warning" not in output and "Skipping" not in output, output


def test_python_client_names_every_timezone_the_server_takes(python_client: tuple[ModuleType, str]) -> None:
    """Before: GMT+0, GMT-0 and GMT0 (and Etc/GMT+5 and Etc/GMT-5...) folded into one name, and the
    generator stopped. Every zone the server accepts is a member of its own."""
    timezone = importlib.import_module(f"{PACKAGE}.models.program_timezone").ProgramTimezone
    assert sorted(member.value for member in timezone) == sorted(IANA_TIMEZONES)
    assert timezone.ETC_GMT_PLUS_5.value == "Etc/GMT+5"
    assert timezone.ETC_GMT_MINUS_5.value == "Etc/GMT-5"
    assert {timezone.GMT_PLUS_0.value, timezone.GMT_MINUS_0.value, timezone.GMT0.value} == {"GMT+0", "GMT-0", "GMT0"}


def test_program_is_one_schema_in_and_out() -> None:
    """Before: Program, TierRule, AccountingSettings and Campaign had -Input and -Output schemas of one
    title, and a generator keeping one per title dropped the answers of GET and PUT /v1/admin/program."""
    document = json.loads(DOCUMENT.read_text())
    schemas = document["components"]["schemas"]
    assert not [name for name in schemas if name.endswith(("-Input", "-Output"))]
    titles = [schema.get("title", name) for name, schema in schemas.items()]
    assert len(titles) == len(set(titles))
    program = {"$ref": "#/components/schemas/Program"}
    operations = document["paths"]["/v1/admin/program"]
    assert operations["get"]["responses"]["200"]["content"]["application/json"]["schema"] == program
    assert operations["put"]["responses"]["200"]["content"]["application/json"]["schema"] == program


def test_typescript_client_generates_with_no_warning_and_compiles(tmp_path: Path) -> None:
    generator = ROOT / "node_modules" / ".bin" / "openapi-typescript"
    if not generator.exists():
        pytest.fail("node_modules/.bin/openapi-typescript is missing: run `npm ci` (`make test` does)", pytrace=False)
    result = run([str(generator), str(DOCUMENT), "--output", str(tmp_path / "api.d.ts")])
    output = _generated(result)
    # What it prints when all went well: its name and the file written; anything more is a warning.
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 2 and lines[0].startswith("✨ openapi-typescript") and lines[1].startswith("🚀"), output
    typed = (tmp_path / "api.d.ts").read_text()
    assert '"/v1/admin/program"' in typed and '"Etc/GMT-0"' in typed
    compiled = run([str(ROOT / "node_modules" / ".bin" / "tsc"), "--noEmit", "--strict", str(tmp_path / "api.d.ts")])
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr


@pytest.fixture(scope="module")
def stack_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The local stack as ``make run`` starts it (moto backend), with a known admin key."""
    with running(tmp_path_factory.mktemp("client-stack") / "stack.json", ADMIN_KEY) as stack:
        yield stack.api


def _call(package: str, name: str) -> Any:
    return importlib.import_module(f"{PACKAGE}.api.{package}.{name}")


def test_python_client_enrolls_orders_and_redeems_on_the_local_stack(
    python_client: tuple[ModuleType, str], stack_url: str
) -> None:
    client_module, _ = python_client
    models = importlib.import_module(f"{PACKAGE}.models")
    client = client_module.AuthenticatedClient(base_url=stack_url, token=ADMIN_KEY, raise_on_unexpected_status=True)

    # The stack's daily jobs run in America/New_York (ProgramTimezone): the program must say the same.
    document = program_document(timezone="America/New_York")
    put = _call("admin", "put_program_v1_admin_program_put").sync(
        client=client, body=models.Program.from_dict(document)
    )
    assert isinstance(put, models.Program), put
    program = _call("admin", "get_program_v1_admin_program_get").sync(client=client)
    assert isinstance(program, models.Program), program  # before: the answer's type was dropped
    assert program.timezone == models.ProgramTimezone.AMERICA_NEW_YORK
    assert program.tiers[0].name == document["tiers"][0]["name"]

    enrolled = _call("members", "enroll_v1_members_post").sync(
        client=client,
        body=models.EnrollRequest.from_dict({"member_id": "m-client-1", "email": "client.one@example.com"}),
    )
    assert isinstance(enrolled, models.Member), enrolled

    placed = (datetime.now(UTC) - timedelta(minutes=5)).isoformat().replace("+00:00", "Z")
    order = {
        "order_id": "client-order-1",
        "member_id": "m-client-1",
        "currency": document["currency"],
        "placed_at": placed,
        "lines": [{"sku": "BOOK-1", "category": "books", "quantity": 2, "unit_price_minor": 25_00}],
    }
    accrued = _call("orders", "post_order_v1_orders_post").sync(
        client=client, body=models.OrderRequest.from_dict(order)
    )
    assert isinstance(accrued, models.OrderAccrued), accrued
    assert accrued.points > 0

    reward = {"name": "Free coffee", "kind": "free_product", "cost_points": 10, "sku": "COFFEE", "stock": 5}
    put_reward = _call("admin", "put_reward_v1_admin_rewards_reward_id_put")
    assert isinstance(put_reward.sync("coffee", client=client, body=models.RewardPut.from_dict(reward)), models.Reward)

    before = _call("members", "get_member_v1_members_member_id_get").sync("m-client-1", client=client)
    assert isinstance(before, models.Member), before
    redeemed = _call("redemptions", "redeem_v1_members_member_id_redemptions_post").sync(
        "m-client-1",
        client=client,
        body=models.RedemptionRequest.from_dict({"redemption_id": "client-redemption-1", "reward_id": "coffee"}),
    )
    assert isinstance(redeemed, models.Redemption), redeemed
    after = _call("members", "get_member_v1_members_member_id_get").sync("m-client-1", client=client)
    assert isinstance(after, models.Member), after
    assert after.points.available == before.points.available - 10

    refused = _call("members", "get_member_v1_members_member_id_get").sync_detailed("m-nobody", client=client)
    assert refused.status_code == 404 and isinstance(refused.parsed, models.Problem)
    assert refused.parsed.code == "member_not_found"
