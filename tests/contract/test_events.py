"""The sample events in events/: each parses with its Powertools model and drives its real handler.

events/README.md lists the files in the order a developer runs them with `make invoke` against
`make run`; the handler test runs them in that order, so the documented order is proven too.
"""

from __future__ import annotations

import hashlib
import json
import re
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.parser.models import (
    APIGatewayProxyEventV2Model,
    DynamoDBStreamModel,
    S3Model,
    SqsModel,
)
from pydantic import BaseModel

from local import runtime, streams
from local.apigw import match_route, route_key
from local.cloudformation import cloudformation, custom_resource_functions
from local.events import at_its_time
from local.template import Template, load
from loyalty.domain import member_tokens as tokens
from loyalty.entrypoints import access
from loyalty.models.custom_resource import CustomResourceRequest
from loyalty.models.imports import ImportChunk
from loyalty.models.jobs import JobMessage, ScheduledEvent
from loyalty.models.webhooks import DeliveryMessage
from loyalty.services import api_keys

# The engine decides these outcomes (transactions, conditions, index queries): moto and DynamoDB Local.
pytestmark = pytest.mark.engine

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"
# The admin key `LOYALTY_ADMIN_KEY=local-admin-key make run` creates; the key routes' events send it.
LOCAL_ADMIN_KEY = "local-admin-key"
STEP = re.compile(r"make invoke FUNCTION=(\w+) EVENT=(events/[\w./-]+\.json)")

# What each HTTP event must answer when run in the documented order (2xx: every step succeeds).
STATUS = {
    # Unsubscribe tokens are signed with each deployment's own key: the committed one is a placeholder.
    "UnsubscribeFunction/unsubscribe.json": 404,
    "HealthFunction/health.json": 200,
    # The function checks the key itself (no authorizer): unknown or missing → 401, a token elsewhere → 403.
    "AdminFunction/get-program-unknown-key.json": 401,
    "AdminFunction/get-program-no-key.json": 401,
    "MembersFunction/get-member-with-a-token.json": 403,
    "AdminFunction/put-program.json": 200,
    "AdminFunction/get-program.json": 200,
    "AdminFunction/get-campaign.json": 200,
    "AdminFunction/create-key.json": 201,
    "MembersFunction/enroll.json": 201,
    "MembersFunction/get-member.json": 200,
    "MembersFunction/patch-member.json": 200,
    "OrdersFunction/post-order.json": 201,
    "OrdersFunction/post-refund.json": 201,
    "AdminFunction/adjust-member.json": 201,
    "RewardsFunction/put-reward.json": 201,
    "RewardsFunction/list-rewards.json": 200,
    "RedemptionsFunction/redeem.json": 201,
    # Voucher codes are random: the committed event holds a placeholder code (see the test below).
    "RedemptionsFunction/get-voucher.json": 404,
    "RedemptionsFunction/use-redemption.json": 200,
    "RedemptionsFunction/redeem-another.json": 201,
    "RedemptionsFunction/cancel-redemption.json": 200,
    "MembersFunction/activity.json": 200,
    "MembersFunction/post-event.json": 201,
    "MembersFunction/get-referrals.json": 200,
    "MembersFunction/get-challenges.json": 200,
    "AdminFunction/delete-key.json": 204,
    "OrdersFunction/get-order.json": 200,
    "GuestOrdersFunction/post-guest-order.json": 201,
    "RedemptionsFunction/member-redemptions.json": 200,
    "RewardsFunction/get-reward.json": 200,
    "RewardsFunction/list-every-reward.json": 200,
    "AdminFunction/find-member.json": 200,
    "IntegrationsAdminFunction/put-webhook.json": 201,
    "IntegrationsAdminFunction/put-integration.json": 201,
    "IntegrationWebhooksFunction/shopify-order-paid.json": 200,
    "IntegrationsAdminFunction/get-deliveries.json": 200,
    "IntegrationsAdminFunction/rotate-webhook-secret.json": 200,
    "IntegrationsAdminFunction/delete-webhook.json": 204,
    "AdminFunction/export-member.json": 200,
    "AdminFunction/erase-member.json": 204,
    "ReportsFunction/liability.json": 200,
    "ReportsFunction/rollforward-csv.json": 200,
    "ReportsFunction/kpis.json": 200,
    "ReportsFunction/experiments.json": 200,
    "ReportsFunction/retention.json": 200,
    "ImportsFunction/create-import.json": 201,
    "ImportsFunction/get-import.json": 200,
    "SimulationsFunction/create-simulation.json": 201,
    "SimulationsFunction/get-simulation.json": 200,
    "IntegrationsAdminFunction/list-platform-events.json": 200,
    "IntegrationsAdminFunction/retry-platform-event.json": 404,
    "IntegrationsAdminFunction/dismiss-platform-event.json": 404,
    "ShopperFunction/issue-token.json": 201,
    # Member tokens are signed with the stack's secret: the committed one is a placeholder (see the test below).
    "ShopperFunction/me.json": 401,
    "ShopperFunction/my-balance.json": 401,
    "ShopperFunction/my-rewards.json": 401,
    "ShopperFunction/my-redeem.json": 401,
    "ShopperFunction/my-redemptions.json": 401,
    "ShopperFunction/my-activity.json": 401,
    "ShopperFunction/my-ways-to-earn.json": 401,
    "ShopperFunction/my-challenges.json": 401,
    "ShopperFunction/replace-card.json": 201,
    # Card codes are random: the committed event holds a placeholder code, as the voucher's does.
    "ShopperFunction/card-member.json": 404,
    # App Proxy requests are signed with the shop's app secret at the time: the committed ones hold a placeholder.
    "ShopperFunction/proxy-view.json": 401,
    "ShopperFunction/proxy-redeem.json": 401,
}
# What the /v1/me events answer with the token step 26a issued in their authorization header.
WITH_TOKEN = {
    "ShopperFunction/me.json": 200,
    "ShopperFunction/my-balance.json": 200,
    "ShopperFunction/my-rewards.json": 200,
    "ShopperFunction/my-redeem.json": 201,
    "ShopperFunction/my-redemptions.json": 200,
    "ShopperFunction/my-activity.json": 200,
    "ShopperFunction/my-ways-to-earn.json": 200,
    "ShopperFunction/my-challenges.json": 200,
}
# The events that show a refusal on purpose send another credential than the admin key (or none).
REFUSED = {"AdminFunction/get-program-unknown-key.json", "AdminFunction/get-program-no-key.json"}

TEMPLATE = load(ROOT / "template.yaml")
CONSUMERS = {source.function for source in TEMPLATE.sqs_sources()}
STREAM_CONSUMERS = {source.function for source in streams.stream_sources(TEMPLATE)}
# Functions CloudFormation invokes for a custom resource (their ServiceToken).
CUSTOM_RESOURCES = custom_resource_functions(TEMPLATE.resources())
# Functions an S3 bucket's notification invokes (SAM's S3 events).
S3_TRIGGERED = {
    name
    for name, spec in TEMPLATE.resources("AWS::Serverless::Function").items()
    if any(event.get("Type") == "S3" for event in spec.get("Properties", {}).get("Events", {}).values())
}
# Functions the daily schedules invoke with {"scheduled_time": ...}.
SCHEDULED = {
    schedule["Properties"]["Target"]["Arn"]["Fn::GetAtt"][0]
    for schedule in TEMPLATE.resources("AWS::Scheduler::Schedule").values()
}
FILES = sorted(path.relative_to(EVENTS).as_posix() for path in EVENTS.glob("*/*.json"))


def documented_order() -> list[str]:
    """The event files in the order events/README.md runs them."""
    steps = []
    for function, event in STEP.findall((EVENTS / "README.md").read_text(encoding="utf-8")):
        relative = event.removeprefix("events/")
        assert _function(relative) == function, f"{event} is not an event of {function}"
        steps.append(relative)
    return steps


def _function(relative: str) -> str:
    return relative.partition("/")[0]


def _kind(relative: str) -> str:
    function = _function(relative)
    kinds = (
        ("sqs", CONSUMERS),
        ("stream", STREAM_CONSUMERS),
        ("scheduled", SCHEDULED),
        ("custom_resource", CUSTOM_RESOURCES),
        ("s3", S3_TRIGGERED),
    )
    return next((kind for kind, functions in kinds if function in functions), "http")


MODELS: dict[str, type[BaseModel]] = {
    "http": APIGatewayProxyEventV2Model,
    "sqs": SqsModel,
    "scheduled": ScheduledEvent,
    "stream": DynamoDBStreamModel,
    "custom_resource": CustomResourceRequest,
    "s3": S3Model,
}


def _event(relative: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / relative).read_text(encoding="utf-8"))
    return event


# --- static: coverage, shape, parsing ----------------------------------------------------------------


def test_every_function_has_an_event_and_every_folder_is_a_function() -> None:
    folders = {path.name for path in EVENTS.iterdir() if path.is_dir()}
    functions = set(TEMPLATE.functions())
    assert functions - folders == set(), "functions without a sample event"
    assert folders - functions == set(), "event folders named after no function of template.yaml"
    for folder in folders:
        assert list((EVENTS / folder).glob("*.json")), f"events/{folder} holds no event"


def test_every_route_has_an_event() -> None:
    covered = {(_function(relative), _event(relative)["routeKey"]) for relative in FILES if _kind(relative) == "http"}
    missing = {(route.function, route_key(route)) for route in TEMPLATE.http_routes()} - covered
    assert missing == set(), "routes without a sample event (events/<function>/<name>.json)"


def test_the_readme_runs_every_event_once() -> None:
    order = documented_order()
    assert sorted(order) == FILES, "events/README.md must list every event file exactly once"
    assert order[0] == "HealthFunction/health.json"
    assert order.index("AdminFunction/put-program.json") < order.index("MembersFunction/enroll.json")
    kinds = ("sqs", "scheduled", "stream", "custom_resource", "s3")
    expected = set(STATUS) | {f for f in FILES if _kind(f) in kinds}
    assert expected == set(FILES), "every HTTP event needs its STATUS"


@pytest.mark.parametrize("relative", FILES)
def test_event_parses_with_its_powertools_model(relative: str) -> None:
    MODELS[_kind(relative)].model_validate(_event(relative))


@pytest.mark.parametrize("relative", [f for f in FILES if _kind(f) == "http"])
def test_api_gateway_event_matches_its_route(relative: str) -> None:
    """routeKey, path, method and pathParameters agree with each other and with a route of the template."""
    event = _event(relative)
    context = event["requestContext"]
    assert event["version"] == "2.0"
    assert context["stage"] == "$default"
    assert context["routeKey"] == event["routeKey"]
    assert context["http"]["path"] == event["rawPath"]
    found = match_route(TEMPLATE.http_routes(), context["http"]["method"], event["rawPath"])
    assert found is not None, f"no route of the template serves {context['http']['method']} {event['rawPath']}"
    route, parameters = found
    assert route_key(route) == event["routeKey"]
    assert event.get("pathParameters", {}) == parameters
    assert all(name == name.lower() for name in event["headers"]), "API Gateway lower-cases header names"
    assert route.function == _function(relative)
    if "body" in event:
        assert event["headers"]["content-type"] == "application/json"
        assert event["isBase64Encoded"] is False
        json.loads(event["body"])
    # No authorizer runs before the function (template.yaml), so API Gateway attaches no answer of one.
    assert "authorizer" not in context
    need = access.required_scope(event["rawPath"])
    authorization = event["headers"].get("authorization")
    if need is None or relative in REFUSED:
        return
    if need == "member" or relative == "MembersFunction/get-member-with-a-token.json":
        assert tokens.looks_like_token(authorization.removeprefix("Bearer ")), "a member token's shape"
        return
    assert authorization == f"Bearer {LOCAL_ADMIN_KEY}", "the key routes' events send the admin key"


def test_sqs_event_holds_a_completed_order_and_a_refund() -> None:
    for relative in (f for f in FILES if _kind(f) == "sqs"):
        records = _event(relative)["Records"]
        if _function(relative) == "JobsWorkerFunction":  # the jobs queue: one bucket shard per message
            assert [JobMessage.model_validate_json(record["body"]).job for record in records], relative
        elif _function(relative) == "ImportWorkerFunction":  # an import's chunk of lines per message
            assert [ImportChunk.model_validate_json(record["body"]).lines for record in records], relative
        elif _function(relative) == "WebhookDeliveryFunction":  # FIFO: one delivery per message, grouped
            assert [DeliveryMessage.model_validate_json(record["body"]) for record in records], relative
            assert all(record["attributes"]["MessageGroupId"] for record in records)
        else:
            types = [json.loads(record["body"])["type"] for record in records]
            assert types == ["order.completed", "order.refunded"], relative
        assert len({record["messageId"] for record in records}) == len(records)
        for record in records:
            assert record["md5OfBody"] == hashlib.md5(record["body"].encode()).hexdigest()


# --- dynamic: the real handlers, on moto and on DynamoDB Local ----------------------------------------


def _check(relative: str, result: Any, status: int | None = None) -> None:
    kind = _kind(relative)
    if kind == "custom_resource":  # what CloudFormation received (tests/cfn.py's receiver) is returned too
        assert result["Status"] == "SUCCESS", result
    elif kind in ("sqs", "stream"):
        assert result == {"batchItemFailures": []}, result
    elif kind == "s3" and relative.startswith("SimulationWorkerFunction/"):
        assert [arrival["outcome"] for arrival in result["simulations"]] == ["done"], result
    elif kind == "s3":
        assert [arrival["outcome"] for arrival in result["imports"]] == ["queued"], result
    elif kind == "scheduled":  # what the run did, by name (per job for the email function)
        runs = result.values() if all(isinstance(value, dict) for value in result.values()) else [result]
        assert all(not counts.get("failures") for counts in runs), result
    else:
        assert result["statusCode"] == (status or STATUS[relative]), result
        body = result.get("body") or ""
        content_type = {k.lower(): v for k, v in result["headers"].items()}.get("content-type", "")
        if result["statusCode"] == 204:
            assert body == ""
        elif content_type.startswith("text/csv"):  # a report asked for as CSV: a header row, then data
            assert len(body.splitlines()) > 1 and "," in body.splitlines()[0], body
        else:
            assert "json" in {k.lower(): v for k, v in result["headers"].items()}["content-type"]
            assert isinstance(json.loads(body), dict)


def _upload_sample(event: dict[str, Any]) -> None:
    import boto3

    for record in event["Records"]:
        simulated = record["s3"]["object"]["key"].startswith("simulations/")
        sample = (
            ("SimulationWorkerFunction", "orders.jsonl") if simulated else ("ImportTriggerFunction", "members.jsonl")
        )
        body = (EVENTS / sample[0] / sample[1]).read_bytes()
        boto3.client("s3").put_object(
            Bucket=record["s3"]["bucket"]["name"], Key=record["s3"]["object"]["key"], Body=body
        )


def _with_code(event: dict[str, Any], code: str) -> dict[str, Any]:
    """The voucher event for a real code, edited the way events/README.md tells a developer to."""
    path = event["rawPath"].rsplit("/", 1)[0] + "/" + code
    context = {**event["requestContext"], "http": {**event["requestContext"]["http"], "path": path}}
    return {**event, "rawPath": path, "pathParameters": {"code": code}, "requestContext": context}


def _with_token(event: dict[str, Any], token: str) -> dict[str, Any]:
    """A /v1/me event with a real member token, edited the way events/README.md tells a developer to."""
    return {**event, "headers": {**event["headers"], "authorization": f"Bearer {token}"}}


def test_events_drive_their_handlers_in_the_documented_order(aws: str, template: Template) -> None:
    """Each event, in the order of events/README.md, through its real handler (on moto and DynamoDB Local)."""
    api_keys.bootstrap_key(LOCAL_ADMIN_KEY, "admin", "local admin")  # what `make run` does with the key
    code = token = None
    stack = ExitStack()
    cfn = stack.enter_context(cloudformation())  # CloudFormation's receiver and the stack's secret
    for step in documented_order():
        function = _function(step)
        event = _event(step)
        if _kind(step) == "custom_resource":
            event = cfn.as_sent(event)
        if _kind(step) == "s3":  # the upload the event reports, as events/README.md tells a developer to make
            _upload_sample(event)
        result = at_its_time(lambda: runtime.invoke(template, function, event), event)  # noqa: B023 - called at once
        try:
            _check(step, result)
        except AssertionError as error:
            raise AssertionError(f"events/{step}: {error}") from None
        if step == "RedemptionsFunction/redeem.json":
            code = json.loads(result["body"])["code"]
        if step == "ShopperFunction/issue-token.json":
            token = json.loads(result["body"])["token"]
        if step in WITH_TOKEN:
            assert token is not None, f"{step} must come after issue-token.json"
            real = _with_token(event, token)
            answer = at_its_time(lambda: runtime.invoke(template, function, real), real)  # noqa: B023 - called at once
            try:
                _check(step, answer, WITH_TOKEN[step])
            except AssertionError as error:
                raise AssertionError(f"events/{step} with step 26a's token: {error}") from None
        if step == "RedemptionsFunction/get-voucher.json":
            assert code is not None, "get-voucher.json must come after redeem.json"
            voucher_event = _with_code(_event(step), code)
            found = at_its_time(lambda: runtime.invoke(template, function, voucher_event), voucher_event)  # noqa: B023
            assert found["statusCode"] == 200, found
            assert json.loads(found["body"])["redemption_id"] == "rd-1001"
    stack.close()
    assert [answer.body["Status"] for answer in cfn.answers] == ["SUCCESS"] * len(
        [step for step in documented_order() if _kind(step) == "custom_resource"]
    )


def test_stream_events_are_member_writes_that_pass_the_mappings_filter() -> None:
    [source] = streams.stream_sources(TEMPLATE)
    for relative in (f for f in FILES if _kind(f) == "stream"):
        for record in _event(relative)["Records"]:
            assert record["eventSource"] == "aws:dynamodb"
            assert record["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
            assert streams.passes(source.filters, record), f"{relative}: the FilterCriteria would drop it"
