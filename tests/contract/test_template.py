"""template.yaml's contract: the static checkers pass, and the properties a reviewer relies on hold.

The checkers come from ``make tools`` (which ``make test`` runs first): SAM CLI and checkov live in their own
virtualenvs under .tools/, cfn-lint in .venv. A missing checker fails its test, with the command that
installs it; it never skips.

checkov runs twice. On template.yaml it sees the resources as written, but a SAM template is mostly
shorthand: the function roles, Lambda permissions and the API stage only exist after the SAM transform.
So it also runs on the transformed template (the same translation ``sam validate`` performs, done offline),
which is what CloudFormation would deploy. (checkov has no "sam" framework; "serverless" means the
Serverless Framework's serverless.yml, and ``sam build`` leaves the template untransformed.)
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cfn_flip import load_yaml

from harness.commands import run
from loyalty.entrypoints import access

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"

CFN_LINT = ROOT / ".venv" / "bin" / "cfn-lint"
SAM = ROOT / ".tools" / "sam" / "bin" / "sam"
SAM_PYTHON = ROOT / ".tools" / "sam" / "bin" / "python"
CHECKOV = ROOT / ".tools" / "checkov" / "bin" / "checkov"
TOOL_TIMEOUT_SECONDS = 600

REGION = "us-east-1"
# Routes reachable without an API key (loyalty.entrypoints.access.required_scope says the same). The
# unsubscribe link in emails is authorised by its token.
PUBLIC_ROUTES = {
    ("GET", "/v1/health"),
    ("POST", "/v1/unsubscribe/{token}"),
    # Shopify and WooCommerce post here; the platform's HMAC over the raw body authenticates them.
    ("POST", "/v1/integrations/{connection_id}/webhooks"),
    # The Shopify App Proxy: Shopify's signature over the query string authenticates the customer.
    ("GET", "/v1/integrations/{connection_id}/proxy/{path}"),
    ("POST", "/v1/integrations/{connection_id}/proxy/redemptions"),
}
# Managed policies a function role may carry; SAM attaches both to every role it generates.
ALLOWED_MANAGED_POLICIES = {
    # logs:CreateLogGroup / CreateLogStream / PutLogEvents: how every SAM function writes its logs.
    "AWSLambdaBasicExecutionRole",
    # Tracing: Active. X-Ray has no resource-level permissions, so this is Resource "*" by necessity.
    "AWSXrayWriteOnlyAccess",
}
CHECK_ID = re.compile(r"^CKV2?_AWS_\d+$")

# Translates the template exactly as `sam validate` (without --lint) does, but with no IAM call: local
# CodeUri/ContentUri become placeholder S3 URIs, and a managed policy SAM cannot resolve offline is an error.
_TRANSFORM_SCRIPT = """
import sys
from samcli.lib.translate.sam_template_validator import SamTemplateValidator
from samcli.yamlhelper import yaml_parse

class OfflineManagedPolicies:
    def load(self):
        raise SystemExit("a managed policy SAM cannot resolve offline is named: use its ARN")

with open(sys.argv[1], encoding="utf-8") as source:
    template = yaml_parse(source.read())
validator = SamTemplateValidator(template, OfflineManagedPolicies(), region=sys.argv[2])
sys.stdout.write(validator.get_translated_template_if_valid())
"""


# --- running the tools -------------------------------------------------------------------------------


def _tool_env() -> dict[str, str]:
    """The caller's environment minus anything that could reach a real AWS account or the network."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_SESSION_TOKEN="testing",
        AWS_DEFAULT_REGION=REGION,
        AWS_REGION=REGION,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        SAM_CLI_TELEMETRY="0",
        CKV_SKIP_PACKAGE_UPDATE_CHECK="true",
        BC_SKIP_MAPPING="TRUE",
    )
    return env


def _run(tool: Path, *args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    if not os.access(tool, os.X_OK):
        pytest.fail(
            f"{tool.relative_to(ROOT)} is not installed: run `make tools` (`make test` installs it first)",
            pytrace=False,
        )
    return run([str(tool), *args], cwd=cwd, env=_tool_env(), timeout=TOOL_TIMEOUT_SECONDS)


def _report(proc: subprocess.CompletedProcess[str]) -> str:
    command = " ".join(str(arg) for arg in proc.args)
    return f"$ {command}\nexit code {proc.returncode}\n--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"


def _checkov_problems(proc: subprocess.CompletedProcess[str]) -> list[str]:
    """What checkov found, readably. Also catches a scan that parsed nothing, which checkov exits 0 on."""
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        return ["checkov did not print a JSON report"]
    if isinstance(report, list):
        report = next((item for item in report if item.get("check_type") == "cloudformation"), {})
    summary = report.get("summary", {})
    results = report.get("results", {})
    problems = [
        f"FAILED {check['check_id']} {check['check_name']}: {check['resource']} "
        f"({check['file_path']} lines {'-'.join(map(str, check['file_line_range']))})"
        for check in results.get("failed_checks", [])
    ]
    problems += [f"could not parse {path}" for path in results.get("parsing_errors", [])]
    problems += [
        f"SKIPPED {check['check_id']} on {check['resource']} without a reason"
        for check in results.get("skipped_checks", [])
        if not str((check.get("check_result") or {}).get("suppress_comment") or "").strip()
    ]
    if not summary.get("resource_count"):
        problems.append(f"checkov scanned no resources (summary: {summary})")
    if proc.returncode != 0:
        problems.append(f"checkov exited {proc.returncode}")
    return problems


def _checkov(path: Path) -> None:
    proc = _run(
        CHECKOV,
        *("--file", path.name, "--framework", "cloudformation", "--skip-download", "--output", "json", "--compact"),
        cwd=path.parent,
    )
    problems = _checkov_problems(proc)
    assert not problems, "\n".join(problems) + f"\n\nstderr:\n{proc.stderr}"


@pytest.fixture(scope="module")
def transformed_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    proc = _run(SAM_PYTHON, "-c", _TRANSFORM_SCRIPT, str(TEMPLATE), REGION)
    assert proc.returncode == 0, "the SAM transform failed:\n" + _report(proc)
    path = tmp_path_factory.mktemp("sam-transform") / "template.transformed.yaml"
    path.write_text(proc.stdout, encoding="utf-8")
    return path


def _load(path: Path) -> dict[str, Any]:
    """cfn_flip understands the short intrinsic tags (!Ref, !GetAtt, !Sub...) and returns their long form."""
    template: dict[str, Any] = load_yaml(path.read_text(encoding="utf-8"))
    return template


@pytest.fixture(scope="module")
def source() -> dict[str, Any]:
    return _load(TEMPLATE)


@pytest.fixture(scope="module")
def transformed(transformed_path: Path) -> dict[str, Any]:
    return _load(transformed_path)


# --- helpers over a parsed template ------------------------------------------------------------------


def _resources(template: dict[str, Any], *types: str) -> dict[str, dict[str, Any]]:
    return {name: res for name, res in template.get("Resources", {}).items() if res.get("Type") in types}


def _props(resource: dict[str, Any]) -> dict[str, Any]:
    props: dict[str, Any] = resource.get("Properties", {})
    return props


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _has_bare_star(value: Any) -> bool:
    """True if "*" appears as a value on its own, including inside Fn::If and lists."""
    if value == "*":
        return True
    if isinstance(value, list):
        return any(_has_bare_star(item) for item in value)
    if isinstance(value, dict):
        return any(_has_bare_star(item) for item in value.values())
    return False


def _statement_problems(where: str, statement: dict[str, Any]) -> list[str]:
    if statement.get("Effect") != "Allow":
        return []
    problems = [
        f"{where}: uses {key}; list what is allowed instead" for key in ("NotAction", "NotResource") if key in statement
    ]
    actions = _as_list(statement.get("Action"))
    resource = statement.get("Resource")
    if resource is None:
        problems.append(f"{where}: names no Resource")
    xray_only = bool(actions) and all(isinstance(a, str) and a.lower().startswith("xray:") for a in actions)
    if _has_bare_star(resource) and not xray_only:
        problems.append(f'{where}: Resource "*" for {actions}; name the resources (only X-Ray actions may use "*")')
    problems += [
        f"{where}: action {action!r} grants a whole service; list the actions"
        for action in actions
        if isinstance(action, str) and (action == "*" or action.endswith(":*"))
    ]
    return problems


def _document_problems(where: str, document: Any) -> list[str]:
    if not isinstance(document, dict) or "Statement" not in document:
        return [f"{where}: not a policy document with a Statement"]
    return [
        problem
        for index, statement in enumerate(_as_list(document["Statement"]))
        for problem in _statement_problems(f"{where} statement {index}", statement)
    ]


def _managed_policy_name(policy: Any) -> str | None:
    """AWSXrayWriteOnlyAccess from its name, its ARN, or an Fn::Sub of its ARN; None if not a string."""
    if isinstance(policy, dict) and "Fn::Sub" in policy and isinstance(policy["Fn::Sub"], str):
        policy = policy["Fn::Sub"]
    return policy.rsplit("/", 1)[-1] if isinstance(policy, str) else None


def _managed_policy_problems(where: str, policy: Any) -> list[str]:
    name = _managed_policy_name(policy)
    if name in ALLOWED_MANAGED_POLICIES:
        return []
    return [f"{where}: managed policy {policy!r} is not scoped to this stack's resources; write a statement"]


def _sam_policy_problems(where: str, policy: Any) -> list[str]:
    """One entry of a SAM function's Policies: a managed policy, a policy document, or a policy template."""
    if isinstance(policy, str) or (isinstance(policy, dict) and "Fn::Sub" in policy):
        return _managed_policy_problems(where, policy)
    if isinstance(policy, dict) and "Statement" in policy:
        return _document_problems(where, policy)
    if isinstance(policy, dict) and len(policy) == 1:
        template_name, parameters = next(iter(policy.items()))
        if _has_bare_star(parameters):
            return [f'{where}: policy template {template_name} given "*"; name the resource']
        return []
    return [f"{where}: unrecognised policy {policy!r}"]


def _iam_problems(template: dict[str, Any]) -> Iterator[str]:
    for name, res in _resources(template, "AWS::Serverless::Function", "AWS::Serverless::StateMachine").items():
        for index, policy in enumerate(_as_list(_props(res).get("Policies"))):
            yield from _sam_policy_problems(f"{name} Policies[{index}]", policy)
    for name, res in _resources(template, "AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group").items():
        for index, policy in enumerate(_as_list(_props(res).get("Policies"))):
            yield from _document_problems(f"{name} Policies[{index}]", policy.get("PolicyDocument"))
        for policy in _as_list(_props(res).get("ManagedPolicyArns")):
            yield from _managed_policy_problems(f"{name} ManagedPolicyArns", policy)
    policy_types = ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy")
    for name, res in _resources(template, *policy_types).items():
        yield from _document_problems(name, _props(res).get("PolicyDocument"))


# --- the checkers ------------------------------------------------------------------------------------


def test_cfn_lint_passes() -> None:
    proc = _run(CFN_LINT, str(TEMPLATE.relative_to(ROOT)))
    assert proc.returncode == 0, _report(proc)


def test_sam_validate_lint_passes() -> None:
    proc = _run(SAM, "validate", "--lint", "--region", REGION, "--template-file", str(TEMPLATE))
    assert proc.returncode == 0, _report(proc)


def test_checkov_passes_on_the_template() -> None:
    _checkov(TEMPLATE)


def test_checkov_passes_on_the_transformed_template(transformed_path: Path) -> None:
    _checkov(transformed_path)


# --- what a reviewer relies on -----------------------------------------------------------------------


def test_every_function_runs_python313_on_arm64_via_globals(
    source: dict[str, Any], transformed: dict[str, Any]
) -> None:
    globals_ = source["Globals"]["Function"]
    assert globals_.get("Runtime") == "python3.13"
    assert globals_.get("Architectures") == ["arm64"]
    functions = _resources(source, "AWS::Serverless::Function")
    assert functions, "the template defines no functions"
    overriding = {name for name, res in functions.items() if {"Runtime", "Architectures"} & set(_props(res))}
    assert not overriding, f"{sorted(overriding)} override Runtime/Architectures: set them once, in Globals"
    assert not _resources(source, "AWS::Lambda::Function"), "declare functions as AWS::Serverless::Function"

    deployed = _resources(transformed, "AWS::Lambda::Function")
    assert set(deployed) == set(functions)
    wrong = {
        name: (_props(res).get("Runtime"), _props(res).get("Architectures"))
        for name, res in deployed.items()
        if (_props(res).get("Runtime"), _props(res).get("Architectures")) != ("python3.13", ["arm64"])
    }
    assert not wrong, f"deployed functions not on python3.13/arm64: {wrong}"

    for name, layer in _resources(source, "AWS::Serverless::LayerVersion").items():
        assert "python3.13" in _props(layer).get("CompatibleRuntimes", []), name
        assert "arm64" in _props(layer).get("CompatibleArchitectures", []), name
        assert layer.get("Metadata", {}).get("BuildArchitecture") == "arm64", name


def test_table_has_pitr_sse_ttl_and_prod_deletion_protection(source: dict[str, Any]) -> None:
    assert source["Conditions"]["IsProd"] == {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}
    table = source["Resources"]["LoyaltyTable"]
    props = _props(table)
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["SSESpecification"]["SSEEnabled"] is True
    assert props["SSESpecification"].get("SSEType") == "KMS"
    assert props["TimeToLiveSpecification"] == {"AttributeName": "ttl", "Enabled": True}
    assert props["DeletionProtectionEnabled"] == {"Fn::If": ["IsProd", True, False]}
    assert table.get("DeletionPolicy") == "Retain"
    assert table.get("UpdateReplacePolicy") == "Retain"


def test_accrual_queue_redrives_to_its_dlq_after_three_receives(source: dict[str, Any]) -> None:
    redrive = _props(source["Resources"]["AccrualQueue"])["RedrivePolicy"]
    assert redrive["maxReceiveCount"] == 3
    assert redrive["deadLetterTargetArn"] == {"Fn::GetAtt": ["AccrualDeadLetterQueue", "Arn"]}
    # Failed accruals wait the longest SQS allows (14 days) for someone to redrive them.
    assert _props(source["Resources"]["AccrualDeadLetterQueue"])["MessageRetentionPeriod"] == 1209600


def test_every_dead_letter_queue_raises_an_alarm(source: dict[str, Any]) -> None:
    """What lands in a dead-letter queue failed for good: someone must hear of it, for every queue (and
    for the destination of the stream's failed batches) whatever added it."""
    resources = source["Resources"]
    dead_letter = {name for name, res in resources.items() if res["Type"] == "AWS::SQS::Queue" and "DeadLetter" in name}
    watched = {
        dimension["Value"]["Fn::GetAtt"][0]
        for res in resources.values()
        if res["Type"] == "AWS::CloudWatch::Alarm"
        for dimension in _props(res).get("Dimensions", [])
        if dimension["Name"] == "QueueName"
    }
    assert dead_letter, "no dead-letter queues found"
    assert dead_letter <= watched, f"dead-letter queues no alarm watches: {dead_letter - watched}"


def test_every_iam_policy_statement_names_its_resources(source: dict[str, Any], transformed: dict[str, Any]) -> None:
    # Key policies (AWS::KMS::Key) are not checked here: in a key policy, Resource "*" means the key itself.
    problems = list(_iam_problems(source))
    assert not problems, "\n".join(problems)
    # The roles SAM generates, as deployed: the statements above plus the managed policies it attaches.
    problems = list(_iam_problems(transformed))
    assert not problems, "\n".join(problems)
    assert _resources(transformed, "AWS::IAM::Role"), "the transform produced no roles to check"


def test_http_api_has_no_authorizer_so_a_request_runs_one_function(source: dict[str, Any]) -> None:
    """Each route's function checks the key itself (loyalty.entrypoints.access): no Lambda authorizer runs
    before it, and no route names one. Which routes need no key is the layer's rule, checked here against
    the contract's list; tests/service/security/test_keys_and_scopes.py sends every route a bad key."""
    api = _props(source["Resources"]["HttpApi"])
    assert "Auth" not in api, "no authorizer: the route's function checks the key (one function per request)"
    assert "DefinitionBody" not in api and "DefinitionUri" not in api, "declare routes as function events"
    assert "AuthorizerFunction" not in source["Resources"]

    routes: set[tuple[str, str]] = set()
    problems = []
    for name, function in _resources(source, "AWS::Serverless::Function").items():
        for event_name, event in _props(function).get("Events", {}).items():
            if event.get("Type") != "HttpApi":
                continue
            props = event.get("Properties", {})
            where = f"{name}.Events.{event_name}"
            if props.get("ApiId") != {"Ref": "HttpApi"}:
                problems.append(f"{where}: not attached to HttpApi (ApiId: !Ref HttpApi)")
            if "Auth" in props:
                problems.append(f"{where}: names an authorizer; the function checks its caller itself")
            route = (str(props.get("Method", "")).upper(), str(props.get("Path")))
            routes.add(route)
            if (access.required_scope(route[1]) is None) != (route in PUBLIC_ROUTES):
                problems.append(f"{where}: {route} is public for the functions but not in the contract, or back")
    assert not problems, "\n".join(problems)
    assert routes >= PUBLIC_ROUTES
    assert len(routes) > len(PUBLIC_ROUTES), "no routes that need a key found"


def test_deployed_api_has_no_authorizer(transformed: dict[str, Any]) -> None:
    apis = _resources(transformed, "AWS::ApiGatewayV2::Api")
    assert set(apis) == {"HttpApi"}, f"routes must all live on HttpApi, found APIs {sorted(apis)}"
    assert not _resources(transformed, "AWS::ApiGatewayV2::Authorizer")
    paths = _props(apis["HttpApi"])["Body"]["paths"]
    secured = {
        (method.upper(), path): operation["security"]
        for path, operations in paths.items()
        for method, operation in operations.items()
        if operation.get("security")
    }
    assert not secured, f"routes behind an authorizer: {secured}"
    assert "securitySchemes" not in _props(apis["HttpApi"])["Body"].get("components", {})
    assert len(paths) > len(PUBLIC_ROUTES)


def test_every_checkov_skip_gives_a_reason(source: dict[str, Any]) -> None:
    problems = []
    skips = 0
    for name, res in source["Resources"].items():
        for skip in _as_list(res.get("Metadata", {}).get("checkov", {}).get("skip")):
            skips += 1
            check = skip.get("id") if isinstance(skip, dict) else skip
            if not CHECK_ID.match(str(check)):
                problems.append(f"{name}: skip {skip!r} does not name a check id like CKV_AWS_123")
            if not isinstance(skip, dict) or not str(skip.get("comment") or "").strip():
                problems.append(f"{name}: skip of {check} has no comment saying why")
    assert not problems, "\n".join(problems)
    assert skips, "no checkov skips found: has the Metadata format changed?"
    # Skips live in resource Metadata only, where they carry a reason; not as inline YAML comments.
    assert "checkov:skip" not in TEMPLATE.read_text(encoding="utf-8").replace(" ", "")


def test_every_function_logs_to_a_log_group_that_expires(source: dict[str, Any]) -> None:
    log_groups = _resources(source, "AWS::Logs::LogGroup")
    never_expire = sorted(name for name, res in log_groups.items() if "RetentionInDays" not in _props(res))
    assert not never_expire, f"log groups without RetentionInDays: {never_expire}"
    problems = []
    for name, function in _resources(source, "AWS::Serverless::Function").items():
        target = _props(function).get("LoggingConfig", {}).get("LogGroup")
        if not (isinstance(target, dict) and target.get("Ref") in log_groups):
            problems.append(f"{name}: LoggingConfig.LogGroup must !Ref a log group of this template (got {target!r})")
    assert not problems, "\n".join(problems)


def test_alarm_topic_key_lets_cloudwatch_publish(source: dict[str, Any]) -> None:
    # CloudWatch cannot use the AWS managed alias/aws/sns key, so alarms on such a topic are never delivered.
    key_ref = _props(source["Resources"]["AlarmTopic"]).get("KmsMasterKeyId")
    assert isinstance(key_ref, dict) and "Ref" in key_ref, f"AlarmTopic must use a key of this stack, not {key_ref!r}"
    key = source["Resources"][key_ref["Ref"]]
    assert key["Type"] == "AWS::KMS::Key"
    assert _props(key).get("EnableKeyRotation") is True
    grants = [
        statement
        for statement in _props(key)["KeyPolicy"]["Statement"]
        if statement.get("Effect") == "Allow"
        and "cloudwatch.amazonaws.com" in _as_list(statement.get("Principal", {}).get("Service"))
    ]
    assert grants, "the key policy does not let cloudwatch.amazonaws.com use the key"
    actions = {action for statement in grants for action in _as_list(statement.get("Action"))}
    assert {"kms:Decrypt", "kms:GenerateDataKey*"} <= actions
    for alarm_name, alarm in _resources(source, "AWS::CloudWatch::Alarm").items():
        assert "AlarmName" not in _props(alarm), f"{alarm_name}: the key policy expects <stack name>-* alarm names"


# --- issue 11: alarms on what callers and members see, stage throttling, the jobs queue's senders ----


def _single_metric_alarms(template: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """(namespace, metric name) -> the alarm's properties, for alarms on one metric."""
    found = {}
    for res in _resources(template, "AWS::CloudWatch::Alarm").values():
        props = _props(res)
        if "MetricName" in props:
            found[(props["Namespace"], props["MetricName"])] = props
    return found


def _alarms_on_anything(props: dict[str, Any]) -> None:
    assert props["ComparisonOperator"] == "GreaterThanThreshold" and props["Threshold"] == 0, props
    assert props["Statistic"] == "Sum" and props["TreatMissingData"] == "notBreaching", props
    assert props["AlarmActions"] == [{"Ref": "AlarmTopic"}], props


def test_api_5xx_job_item_failures_and_failed_emails_raise_alarms(source: dict[str, Any]) -> None:
    from loyalty.entrypoints import job_metrics

    alarms = _single_metric_alarms(source)
    # HTTP APIs publish "5xx" (not REST APIs' 5XXError) in AWS/ApiGateway, by ApiId.
    api = alarms[("AWS/ApiGateway", "5xx")]
    assert api["Dimensions"] == [{"Name": "ApiId", "Value": {"Ref": "HttpApi"}}]
    _alarms_on_anything(api)
    # The jobs' metrics, as Powertools publishes them: the Globals' namespace and service dimension.
    variables = source["Globals"]["Function"]["Environment"]["Variables"]
    namespace, service = variables["POWERTOOLS_METRICS_NAMESPACE"], variables["POWERTOOLS_SERVICE_NAME"]
    for counted in ("failures", "emails_failed"):
        alarm = alarms[(namespace, job_metrics.NAMES[counted])]
        assert alarm["Dimensions"] == [{"Name": "service", "Value": service}]
        _alarms_on_anything(alarm)


def test_a_500_internal_error_counts_with_the_functions_errors(source: dict[str, Any]) -> None:
    """A 500 internal_error is answered (problem+json), so Lambda's Errors never counts it: the API
    functions publish InternalErrors instead, and the functions' error alarm adds it to their Errors."""
    from loyalty.entrypoints import http

    variables = source["Globals"]["Function"]["Environment"]["Variables"]
    metrics = _props(source["Resources"]["FunctionErrorsAlarm"])["Metrics"]
    stats = [query["MetricStat"]["Metric"] for query in metrics if "MetricStat" in query]
    assert {
        "Namespace": variables["POWERTOOLS_METRICS_NAMESPACE"],
        "MetricName": http.INTERNAL_ERRORS_METRIC,
        "Dimensions": [{"Name": "service", "Value": variables["POWERTOOLS_SERVICE_NAME"]}],
    } in stats
    assert [query["Expression"] for query in metrics if query.get("ReturnData")] == ["SUM(METRICS())"]
    api_functions = {
        name
        for name, res in _resources(source, "AWS::Serverless::Function").items()
        if any(event.get("Type") == "HttpApi" for event in _props(res).get("Events", {}).values())
    }
    counted = {
        dimension["Value"]["Ref"]
        for alarm in (
            "FunctionErrorsAlarm",
            "JobFunctionErrorsAlarm",
            "IntegrationFunctionErrorsAlarm",
            "UploadFunctionErrorsAlarm",
        )
        for query in _props(source["Resources"][alarm])["Metrics"]
        if query.get("MetricStat", {}).get("Metric", {}).get("MetricName") == "Errors"
        for dimension in query["MetricStat"]["Metric"]["Dimensions"]
    }
    assert api_functions <= counted, f"API functions whose Errors no alarm watches: {api_functions - counted}"


def test_the_http_api_stage_is_throttled_by_parameters(source: dict[str, Any], transformed: dict[str, Any]) -> None:
    settings = _props(source["Resources"]["HttpApi"])["DefaultRouteSettings"]
    assert settings == {
        "ThrottlingBurstLimit": {"Ref": "ApiThrottlingBurstLimit"},
        "ThrottlingRateLimit": {"Ref": "ApiThrottlingRateLimit"},
    }
    for name in ("ApiThrottlingBurstLimit", "ApiThrottlingRateLimit"):
        parameter = source["Parameters"][name]
        assert parameter["Type"] == "Number" and parameter["MinValue"] >= 1 and parameter["Default"] >= 1
    assert (
        source["Parameters"]["ApiThrottlingBurstLimit"]["Default"]
        >= source["Parameters"]["ApiThrottlingRateLimit"]["Default"]
    )
    (stage,) = _resources(transformed, "AWS::ApiGatewayV2::Stage").values()
    assert _props(stage)["StageName"] == "$default"
    assert _props(stage)["DefaultRouteSettings"] == settings


def _text(value: Any) -> str:
    """A comparable form of a parsed value (cfn_flip returns ordered dicts)."""
    return json.dumps(value, sort_keys=True)


def _allows(statement: dict[str, Any], action: str, resource: Any) -> bool:
    return (
        statement.get("Effect") == "Allow"
        and action in _as_list(statement.get("Action"))
        and resource in _as_list(statement.get("Resource"))
    )


def test_only_the_job_functions_may_send_to_the_jobs_queue(source: dict[str, Any], transformed: dict[str, Any]) -> None:
    """A jobs queue message names a job, a shard and a day; whoever could send one could run that job's
    writes. The queue's policy names the senders (the roles of the functions allowed to send) and denies
    SendMessage to every other principal, whatever its own IAM policies say."""
    queue_arn = {"Fn::GetAtt": ["JobsQueue", "Arn"]}
    senders = {
        name
        for name, res in _resources(source, "AWS::Serverless::Function").items()
        for policy in _as_list(_props(res).get("Policies"))
        if isinstance(policy, dict)
        for statement in _as_list(policy.get("Statement"))
        if _allows(statement, "sqs:SendMessage", queue_arn)
    }
    assert senders == {
        "MaturePointsFunction",
        "ExpirePointsFunction",
        "TierReviewFunction",
        "ReminderEmailsFunction",
        "JobsWorkerFunction",
    }
    roles = [{"Fn::GetAtt": [f"{name}Role", "Arn"]} for name in sorted(senders)]

    policies = [
        _props(res)
        for res in _resources(source, "AWS::SQS::QueuePolicy").values()
        if {"Ref": "JobsQueue"} in _as_list(_props(res).get("Queues"))
    ]
    assert len(policies) == 1, "JobsQueue needs exactly one AWS::SQS::QueuePolicy"
    statements = _as_list(policies[0]["PolicyDocument"]["Statement"])
    allowed = [statement for statement in statements if _allows(statement, "sqs:SendMessage", queue_arn)]
    assert len(allowed) == 1
    assert sorted(map(_text, _as_list(allowed[0]["Principal"]["AWS"]))) == sorted(map(_text, roles))
    denied = [
        statement
        for statement in statements
        if statement.get("Effect") == "Deny"
        and "sqs:SendMessage" in _as_list(statement.get("Action"))
        and "Condition" in statement
        and "aws:PrincipalArn" in statement["Condition"].get("ArnNotEquals", {})
    ]
    assert len(denied) == 1, "deny SendMessage to every principal that is not a sender"
    assert denied[0]["Principal"] == "*" and queue_arn in _as_list(denied[0]["Resource"])
    others = denied[0]["Condition"]["ArnNotEquals"]["aws:PrincipalArn"]
    assert sorted(map(_text, others)) == sorted(map(_text, roles))

    # The roles named are the ones SAM generates for those functions, as deployed.
    deployed = _resources(transformed, "AWS::Lambda::Function")
    for name in senders:
        assert _props(deployed[name])["Role"] == {"Fn::GetAtt": [f"{name}Role", "Arn"]}
        assert transformed["Resources"][f"{name}Role"]["Type"] == "AWS::IAM::Role"


def test_the_admin_function_knows_the_deployment_facts_a_program_must_agree_with(source: dict[str, Any]) -> None:
    variables = _props(source["Resources"]["AdminFunction"])["Environment"]["Variables"]
    assert variables["SENDER_EMAIL"] == {"Ref": "SenderEmail"}
    assert variables["PROGRAM_TIMEZONE"] == {"Ref": "ProgramTimezone"}
    assert variables["ALLOW_TIMEZONE_MISMATCH"] == {"Ref": "AllowTimezoneMismatch"}
    allow = source["Parameters"]["AllowTimezoneMismatch"]
    assert (allow["Default"], allow["AllowedValues"]) == ("false", ["false", "true"])
    # The identity IAM lets the email functions send from is that same parameter.
    for name in ("ReminderEmailsFunction", "JobsWorkerFunction"):
        resources = [
            statement["Resource"]
            for policy in _props(source["Resources"][name])["Policies"]
            for statement in policy["Statement"]
            if "ses:SendEmail" in _as_list(statement["Action"])
        ]
        assert resources == [
            {"Fn::Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${SenderEmail}"}
        ]


def _connect_src(csp: str) -> list[str]:
    [directive] = [part.split() for part in csp.split(";") if part.split()[:1] == ["connect-src"]]
    return directive[1:]


@pytest.mark.parametrize("public_api_url", ["", "https://loyalty.example.com"])
def test_the_console_may_connect_to_its_own_api_and_uploads_bucket_only(
    public_api_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The console's CSP, as deployed: the headers policy with ConsoleConnectSrc's connect-src, which
    names this stack's API (and PublicApiUrl when set) and the imports bucket's origin, exactly the one its
    presigned upload URLs use, besides the console itself, and no host pattern."""
    from local.template import load
    from loyalty.adapters import uploads
    from loyalty.services.console_csp_resource import with_connect_src
    from loyalty.settings import settings

    template = load(TEMPLATE, {"PublicApiUrl": public_api_url})
    bucket = "loyalty-imports-123456789012-us-east-1"
    physical = {"HttpApi": "a1b2c3d4e5", "ImportsBucket": bucket}
    resources = template.resources()
    policy = template.resolve(resources["ConsoleHeadersPolicy"]["Properties"], physical)
    placeholder = policy["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]["ContentSecurityPolicy"]
    assert _connect_src(placeholder["ContentSecurityPolicy"]) == ["'self'"]  # before ConsoleConnectSrc runs

    rewrite = resources["ConsoleConnectSrc"]["Properties"]
    assert resources["ConsoleConnectSrc"]["Type"] == "Custom::ConsoleConnectSrc"
    assert rewrite["ServiceToken"] == {"Fn::GetAtt": ["ConsoleCspFunction", "Arn"]}
    assert rewrite["PolicyId"] == {"Ref": "ConsoleHeadersPolicy"}
    # Written again after every change CloudFormation makes to the policy.
    assert rewrite["PolicyModified"] == {"Fn::GetAtt": ["ConsoleHeadersPolicy", "LastModifiedTime"]}
    deployed = with_connect_src(placeholder["ContentSecurityPolicy"], template.resolve(rewrite["ConnectSrc"], physical))
    api_origin = template.resolve(template.raw["Outputs"]["ApiUrl"]["Value"], physical)
    assert api_origin == "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"
    bucket_origin = f"https://{bucket}.s3.us-east-1.amazonaws.com"
    assert _connect_src(deployed) == ["'self'", api_origin, bucket_origin] + (
        [public_api_url] if public_api_url else []
    )
    assert "*" not in deployed
    # The URL the API hands out for an upload is on that origin (presigning is offline: no AWS is reached;
    # us-east-1 is where botocore would otherwise presign the global endpoint).
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("IMPORTS_BUCKET", bucket)
    settings.cache_clear()
    uploads.reset()
    try:
        url = uploads.upload_url("imports/i-1.jsonl")
    finally:
        settings.cache_clear()
        uploads.reset()
    assert url.startswith(bucket_origin + "/imports/i-1.jsonl?")
    distribution = resources["ConsoleDistribution"]["Properties"]["DistributionConfig"]
    assert distribution["DefaultCacheBehavior"]["ResponseHeadersPolicyId"] == {"Ref": "ConsoleHeadersPolicy"}


def test_the_uploads_bucket_lets_the_console_put_files_and_nothing_else(source: dict[str, Any]) -> None:
    """The console PUTs import and simulation files to presigned URLs from the browser: the imports
    bucket's CORS allows that one method from the console's own origin, no request header (the page sends
    none of its own: the URL signs none) and exposes nothing."""
    cors = _props(source["Resources"]["ImportsBucket"])["CorsConfiguration"]
    [rule] = cors["CorsRules"]
    assert rule["AllowedMethods"] == ["PUT"]
    assert rule["AllowedOrigins"] == [{"Fn::Sub": "https://${ConsoleDistribution.DomainName}"}]
    assert "AllowedHeaders" not in rule and "ExposedHeaders" not in rule
    assert set(rule) <= {"Id", "AllowedMethods", "AllowedOrigins", "MaxAge"}
    # No other bucket answers a browser.
    others = [name for name, resource in _resources(source, "AWS::S3::Bucket").items() if name != "ImportsBucket"]
    assert others and not [name for name in others if "CorsConfiguration" in _props(source["Resources"][name])]


def test_the_csp_function_may_rewrite_the_consoles_policy_only(source: dict[str, Any]) -> None:
    [statement] = [s for p in _props(source["Resources"]["ConsoleCspFunction"])["Policies"] for s in p["Statement"]]
    assert sorted(statement["Action"]) == [
        "cloudfront:GetResponseHeadersPolicy",
        "cloudfront:UpdateResponseHeadersPolicy",
    ]
    assert statement["Resource"] == {
        "Fn::Sub": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:response-headers-policy/${ConsoleHeadersPolicy}"
    }
