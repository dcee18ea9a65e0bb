"""template.yaml, read with a CloudFormation-aware YAML loader: functions, routes, queues, authorizer.

The template is the single source of truth: the local stack, the tests and the deployed stack all read
it, never a copy of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from cfn_flip import load_yaml  # type: ignore[import-untyped]

from local.intrinsics import PSEUDO_PARAMETERS, LazyConditions, resolve

__all__ = ["ROOT", "AuthorizerSpec", "FunctionSpec", "Route", "SqsSource", "Template", "load", "resolve"]

ROOT = Path(__file__).resolve().parent.parent
FUNCTION_TYPES = ("AWS::Serverless::Function",)
DEFAULT_SQS_BATCH_SIZE = 10  # what SAM uses when an SQS event sets no BatchSize


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    code_uri: str
    handler: str
    environment: dict[str, Any]  # Globals merged with the function's own; intrinsics unresolved
    events: dict[str, Any]
    timeout: int = 3
    memory_size: int = 128


class Route(NamedTuple):
    method: str  # upper case, or "ANY"
    path: str  # "/v1/members/{member_id}", "/files/{proxy+}" or "$default"
    function: str
    auth_none: bool  # True when no authorizer runs for this route


class SqsSource(NamedTuple):
    function: str
    queue: str
    batch_size: int
    report_batch_item_failures: bool


@dataclass(frozen=True)
class AuthorizerSpec:
    function: str
    simple_responses: bool
    payload_version: str
    identity_headers: tuple[str, ...]  # lower-cased header names; empty means "call it every time"
    identity_query_strings: tuple[str, ...]


def _plain(value: Any) -> Any:
    """cfn_flip's ODicts as plain dicts and lists, so ``.raw`` compares and prints like JSON."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _logical_id(reference: Any) -> str:
    """The logical id behind ``!Ref X``, ``!GetAtt X.Arn`` or ``!Sub ${X.Arn}``."""
    if isinstance(reference, dict):
        if "Ref" in reference:
            return str(reference["Ref"])
        if "Fn::GetAtt" in reference:
            target = reference["Fn::GetAtt"]
            return str(target.split(".")[0] if isinstance(target, str) else target[0])
        if "Fn::Sub" in reference and isinstance(reference["Fn::Sub"], str):
            return reference["Fn::Sub"].strip("${}").split(".")[0]
    raise ValueError(f"cannot tell which resource {reference!r} refers to")


class Template:
    def __init__(self, raw: dict[str, Any], root: Path, parameter_overrides: Mapping[str, str] | None = None) -> None:
        self.raw = raw
        self.root = root  # CodeUri / ContentUri and docs/ are relative to the template's folder
        self.parameters: dict[str, Any] = {
            name: str(spec["Default"]) for name, spec in raw.get("Parameters", {}).items() if "Default" in spec
        }
        self.parameters.update(parameter_overrides or {})
        self.conditions: Mapping[str, bool] = LazyConditions(raw.get("Conditions", {}), self.params())

    def params(self) -> dict[str, Any]:
        """Parameter values (defaults unless overridden) plus the pseudo parameters."""
        return {**PSEUDO_PARAMETERS, **self.parameters}

    def resources(self, *types: str) -> dict[str, dict[str, Any]]:
        """Resources of the given types (all when none) whose Condition, if any, holds."""
        found = {}
        for logical_id, resource in self.raw.get("Resources", {}).items():
            if types and resource.get("Type") not in types:
                continue
            if "Condition" in resource and not self.conditions[resource["Condition"]]:
                continue
            found[logical_id] = resource
        return found

    def types(self) -> dict[str, str]:
        return {logical_id: str(res.get("Type")) for logical_id, res in self.raw.get("Resources", {}).items()}

    def resolve(self, value: Any, physical: Mapping[str, str]) -> Any:
        """Resolve intrinsics with this template's parameters, conditions and resource types."""
        return resolve(value, physical, self.conditions, self.params(), self.types())

    def functions(self) -> dict[str, FunctionSpec]:
        defaults = self.raw.get("Globals", {}).get("Function", {})
        specs = {}
        for logical_id, resource in self.resources(*FUNCTION_TYPES).items():
            props = resource.get("Properties", {})
            environment = {
                **defaults.get("Environment", {}).get("Variables", {}),
                **props.get("Environment", {}).get("Variables", {}),
            }
            specs[logical_id] = FunctionSpec(
                logical_id=logical_id,
                code_uri=str(props.get("CodeUri", defaults.get("CodeUri", "."))),
                handler=str(props.get("Handler", defaults.get("Handler", ""))),
                environment=environment,
                events=dict(props.get("Events", {})),
                timeout=int(props.get("Timeout", defaults.get("Timeout", 3))),
                memory_size=int(props.get("MemorySize", defaults.get("MemorySize", 128))),
            )
        return specs

    def layer_dirs(self) -> list[Path]:
        """Folders of every layer in the template, as a function would see them under /opt/python."""
        dirs = []
        for resource in self.resources("AWS::Serverless::LayerVersion").values():
            content = self.root / str(resource.get("Properties", {}).get("ContentUri", ""))
            # A layer built by hand keeps its packages under python/; SAM's BuildMethod builds from the root.
            dirs.append(content / "python" if (content / "python").is_dir() else content)
        return dirs

    def _http_api(self) -> dict[str, Any]:
        apis = self.resources("AWS::Serverless::HttpApi")
        return next(iter(apis.values()), {}).get("Properties", {}) if apis else {}

    def authorizer_spec(self) -> AuthorizerSpec | None:
        auth = {**self.raw.get("Globals", {}).get("HttpApi", {}).get("Auth", {}), **self._http_api().get("Auth", {})}
        default = auth.get("DefaultAuthorizer")
        if not default:
            return None
        config = auth.get("Authorizers", {})[default]
        identity = config.get("Identity", {})
        return AuthorizerSpec(
            function=_logical_id(config["FunctionArn"]),
            simple_responses=bool(config.get("EnableSimpleResponses", False)),
            payload_version=str(config.get("AuthorizerPayloadFormatVersion", "2.0")),
            identity_headers=tuple(str(name).lower() for name in identity.get("Headers", [])),
            identity_query_strings=tuple(str(name) for name in identity.get("QueryStrings", [])),
        )

    def authorizer(self) -> str | None:
        """Logical id of the function behind the HttpApi's DefaultAuthorizer, or None."""
        spec = self.authorizer_spec()
        return spec.function if spec else None

    def http_routes(self) -> list[Route]:
        has_default_authorizer = self.authorizer() is not None
        routes = []
        for logical_id, spec in self.functions().items():
            for event in spec.events.values():
                if event.get("Type") != "HttpApi":
                    continue
                props = event.get("Properties", {})
                # A per-route named authorizer is treated as the default one: the template has just one.
                auth_none = props.get("Auth", {}).get("Authorizer") == "NONE" or not has_default_authorizer
                if "Path" not in props:
                    routes.append(Route("ANY", "$default", logical_id, auth_none))
                    continue
                routes.append(Route(str(props.get("Method", "ANY")).upper(), str(props["Path"]), logical_id, auth_none))
        return routes

    def sqs_sources(self) -> list[SqsSource]:
        sources = []
        for logical_id, spec in self.functions().items():
            for event in spec.events.values():
                props = event.get("Properties", {})
                if event.get("Type") != "SQS" or props.get("Enabled", True) is False:
                    continue
                sources.append(
                    SqsSource(
                        function=logical_id,
                        queue=_logical_id(props["Queue"]),
                        batch_size=int(props.get("BatchSize", DEFAULT_SQS_BATCH_SIZE)),
                        report_batch_item_failures="ReportBatchItemFailures" in props.get("FunctionResponseTypes", []),
                    )
                )
        # An explicit AWS::Lambda::EventSourceMapping (used to keep the consumer's role least-privilege).
        for mapping in self.resources("AWS::Lambda::EventSourceMapping").values():
            props = mapping.get("Properties", {})
            source = props.get("EventSourceArn")
            queue = _logical_id(source) if isinstance(source, dict) else None
            if queue is None or self.types().get(queue) != "AWS::SQS::Queue" or props.get("Enabled", True) is False:
                continue
            sources.append(
                SqsSource(
                    function=_logical_id(props["FunctionName"]),
                    queue=queue,
                    batch_size=int(props.get("BatchSize", DEFAULT_SQS_BATCH_SIZE)),
                    report_batch_item_failures="ReportBatchItemFailures" in props.get("FunctionResponseTypes", []),
                )
            )
        return sources


def load(path: str | Path = "template.yaml", parameter_overrides: Mapping[str, str] | None = None) -> Template:
    """Load a SAM template; a relative path that does not exist here is taken from the repository root."""
    candidate = Path(path)
    if not candidate.is_absolute() and not candidate.exists():
        candidate = ROOT / candidate
    raw = _plain(load_yaml(candidate.read_text(encoding="utf-8")))
    return Template(raw, candidate.resolve().parent, parameter_overrides)
