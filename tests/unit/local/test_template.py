"""template.yaml parsing and CloudFormation intrinsics, as the local stack resolves them."""

from __future__ import annotations

from pathlib import Path

import pytest

from local.intrinsics import UnresolvableError
from local.resources import function_environment
from local.template import ROOT, Route, SqsSource, Template, load, resolve
from tests.fakes import write_project

QUEUE_URL = "http://127.0.0.1:5000/123456789012/Queue"
PHYSICAL = {"Table": "Table", "Queue": QUEUE_URL, "DeadLetters": "http://127.0.0.1:5000/123456789012/DeadLetters"}


@pytest.fixture(scope="module")
def real() -> Template:
    return load(ROOT / "template.yaml")


@pytest.fixture
def fake(tmp_path: Path) -> Template:
    return write_project(tmp_path)


def test_functions_merge_global_and_own_environment_unresolved(real: Template) -> None:
    functions = real.functions()
    assert {"HealthFunction", "MembersFunction", "AdminFunction", "ShopperFunction"} <= set(functions)
    health = functions["HealthFunction"]
    assert health.code_uri == "functions/health"
    assert health.handler == "app.handler"
    assert health.environment["TABLE_NAME"] == {"Ref": "LoyaltyTable"}  # from Globals
    assert health.memory_size == 256  # its own
    shopper = functions["ShopperFunction"]
    assert shopper.environment["MEMBER_TOKEN_SECRET_ID"] == {"Ref": "MemberTokenSecret"}  # its own
    assert shopper.environment["AUTH_CACHE_SECONDS"] == "4"  # from Globals: every function checks keys
    assert shopper.memory_size == 512
    assert functions["HealthFunction"].events["Health"]["Type"] == "HttpApi"


def test_http_routes_of_the_real_template_have_no_authorizer(real: Template) -> None:
    routes = real.http_routes()
    assert ("GET", "/v1/health", "HealthFunction", True) in routes
    assert ("GET", "/v1/members/{member_id}", "MembersFunction", True) in routes
    assert ("GET", "/v1/admin/program", "AdminFunction", True) in routes
    assert all(isinstance(route, Route) for route in routes)
    # The functions check their callers themselves: the gateway runs no authorizer before any route.
    assert real.authorizer() is None and real.authorizer_spec() is None
    assert all(route.auth_none for route in routes)


def test_sqs_sources(fake: Template, real: Template) -> None:
    assert fake.sqs_sources() == [SqsSource("ConsumerFunction", "Queue", 5, True)]
    assert isinstance(real.sqs_sources(), list)


def test_parameters_conditions_and_overrides(tmp_path: Path) -> None:
    template = write_project(tmp_path)
    assert template.parameters["Stage"] == "default"
    assert template.conditions["IsProd"] is False
    prod = load(tmp_path / "template.yaml", {"Stage": "prod"})
    assert prod.conditions["IsProd"] is True
    assert prod.resolve({"Fn::If": ["IsProd", "INFO", "DEBUG"]}, {}) == "INFO"


def test_resolve_refs_and_pseudo_parameters() -> None:
    params = {"Stage": "default"}
    assert resolve({"Ref": "Stage"}, {}, {}, params) == "default"
    assert resolve({"Ref": "AWS::Region"}, {}, {}, params) == "us-east-1"
    assert resolve({"Ref": "AWS::AccountId"}, {}, {}, params) == "123456789012"
    assert resolve({"Ref": "AWS::StackName"}, {}, {}, params) == "loyalty-local"
    assert resolve({"Ref": "Queue"}, PHYSICAL, {}, params) == QUEUE_URL
    with pytest.raises(UnresolvableError):
        resolve({"Ref": "Nowhere"}, PHYSICAL, {}, params)


def test_resolve_get_att() -> None:
    assert resolve({"Fn::GetAtt": ["Queue", "Arn"]}, PHYSICAL, {}, {}) == "arn:aws:sqs:us-east-1:123456789012:Queue"
    assert resolve({"Fn::GetAtt": ["Queue", "QueueName"]}, PHYSICAL, {}, {}) == "Queue"
    assert resolve({"Fn::GetAtt": ["Queue", "QueueUrl"]}, PHYSICAL, {}, {}) == QUEUE_URL
    table_arn = "arn:aws:dynamodb:us-east-1:123456789012:table/Table"
    assert resolve({"Fn::GetAtt": "Table.Arn"}, PHYSICAL, {}, {}) == table_arn
    function_arn = "arn:aws:lambda:us-east-1:123456789012:function:Fn"
    assert resolve({"Fn::GetAtt": ["Fn", "Arn"]}, {}, {}, {}, {"Fn": "AWS::Serverless::Function"}) == function_arn


def test_resolve_sub_both_forms_and_escape() -> None:
    value = {"Fn::Sub": "${AWS::StackName}-${Stage}-${Table.Arn}/index/GSI1 ${!Literal}"}
    expected = "loyalty-local-prod-arn:aws:dynamodb:us-east-1:123456789012:table/Table/index/GSI1 ${Literal}"
    assert resolve(value, PHYSICAL, {}, {"Stage": "prod"}) == expected
    with_map = {"Fn::Sub": ["${Name}@${AWS::Region}", {"Name": {"Ref": "Table"}}]}
    assert resolve(with_map, PHYSICAL, {}, {}) == "Table@us-east-1"


def test_resolve_conditions_join_and_no_value() -> None:
    conditions = {"IsProd": False}
    assert resolve({"Fn::If": ["IsProd", 1, 2]}, {}, conditions, {}) == 2
    assert resolve({"Fn::Not": [{"Fn::Equals": [{"Ref": "Stage"}, "prod"]}]}, {}, {}, {"Stage": "default"}) is True
    assert resolve({"Fn::Join": ["-", ["a", {"Ref": "Stage"}]]}, {}, {}, {"Stage": "x"}) == "a-x"
    dropped = {"Keep": 1, "Drop": {"Fn::If": ["IsProd", 1, {"Ref": "AWS::NoValue"}]}}
    assert resolve(dropped, {}, conditions, {}) == {"Keep": 1}


def test_function_environment_is_resolved_and_merged(fake: Template) -> None:
    env = function_environment(fake, PHYSICAL)
    assert env["TABLE_NAME"] == "Table"
    assert env["LOG_LEVEL"] == "DEBUG"
    assert env["QUEUE_URL"] == QUEUE_URL
    assert env["QUEUE_ARN"] == "arn:aws:sqs:us-east-1:123456789012:Queue"


def test_function_environment_refuses_conflicting_values(tmp_path: Path) -> None:
    template = write_project(tmp_path)
    template.raw["Resources"]["HealthFunction"]["Properties"]["Environment"] = {"Variables": {"TABLE_NAME": "Other"}}
    with pytest.raises(ValueError, match="TABLE_NAME"):
        function_environment(template, PHYSICAL)


def test_real_template_environment_resolves(real: Template) -> None:
    physical = {"LoyaltyTable": "LoyaltyTable", "AccrualQueue": QUEUE_URL}
    env = function_environment(real, physical)
    assert env["TABLE_NAME"] == "LoyaltyTable"
    assert env["POWERTOOLS_LOG_LEVEL"] == "DEBUG"
    assert all(isinstance(value, str) for value in env.values())
