"""CloudFormation intrinsic functions, resolved the way the deployed stack would resolve them locally.

Physical names come from what the local stack created; resources it did not create (roles, log groups,
topics) still resolve, to their logical id and a well-formed ARN, so a template that grows a new
reference does not break ``make run`` before the local stack learns to create that resource.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
STACK_NAME = "loyalty-local"

PSEUDO_PARAMETERS: dict[str, Any] = {
    "AWS::Region": REGION,
    "AWS::AccountId": ACCOUNT_ID,
    "AWS::StackName": STACK_NAME,
    "AWS::StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT_ID}:stack/{STACK_NAME}/local",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::NotificationARNs": [],
}


class _NoValue:
    """``AWS::NoValue``: removes the property (or list item) it stands for."""

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE = _NoValue()

# How an ARN is spelled for the resource types a function may reference ({name} is the physical name).
_ARN_FORMATS = {
    "AWS::DynamoDB::Table": "arn:aws:dynamodb:{region}:{account}:table/{name}",
    "AWS::SQS::Queue": "arn:aws:sqs:{region}:{account}:{name}",
    "AWS::SNS::Topic": "arn:aws:sns:{region}:{account}:{name}",
    "AWS::Serverless::Function": "arn:aws:lambda:{region}:{account}:function:{name}",
    "AWS::Lambda::Function": "arn:aws:lambda:{region}:{account}:function:{name}",
    "AWS::IAM::Role": "arn:aws:iam::{account}:role/{name}",
    "AWS::Logs::LogGroup": "arn:aws:logs:{region}:{account}:log-group:{name}:*",
    "AWS::Scheduler::ScheduleGroup": "arn:aws:scheduler:{region}:{account}:schedule-group/{name}",
    "AWS::Events::Rule": "arn:aws:events:{region}:{account}:rule/{name}",
    "AWS::SES::EmailIdentity": "arn:aws:ses:{region}:{account}:identity/{name}",
    "AWS::Events::EventBus": "arn:aws:events:{region}:{account}:event-bus/{name}",
}

_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


class UnresolvableError(ValueError):
    """A reference to something neither the template nor the local stack knows."""


def is_queue_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def arn_of(resource_type: str, name: str) -> str:
    """The ARN of a resource of ``resource_type`` whose physical name (or queue URL) is ``name``."""
    if resource_type == "AWS::SQS::Queue" or is_queue_url(name):
        return _ARN_FORMATS["AWS::SQS::Queue"].format(region=REGION, account=ACCOUNT_ID, name=queue_name(name))
    default = "arn:aws:" + resource_type.split("::")[1].lower() + ":{region}:{account}:{name}"
    return _ARN_FORMATS.get(resource_type, default).format(region=REGION, account=ACCOUNT_ID, name=name)


def queue_name(name_or_url: str) -> str:
    return name_or_url.rstrip("/").rsplit("/", 1)[-1]


class Resolver:
    """Resolves one value; ``types`` (logical id -> resource type) makes GetAtt exact for every type."""

    def __init__(
        self,
        physical: Mapping[str, str],
        conditions: Mapping[str, bool],
        params: Mapping[str, Any],
        types: Mapping[str, str] | None = None,
    ) -> None:
        self.physical = physical
        self.conditions = conditions
        self.params = params
        self.types = types or {}
        self._functions: dict[str, Callable[[Any], Any]] = {
            "Ref": self._ref,
            "Fn::GetAtt": self._get_att,
            "Fn::Sub": self._sub,
            "Fn::If": self._if,
            "Fn::Equals": self._equals,
            "Fn::Not": lambda args: not self._condition_value(args[0]),
            "Fn::And": lambda args: all(self._condition_value(arg) for arg in args),
            "Fn::Or": lambda args: any(self._condition_value(arg) for arg in args),
            "Condition": lambda name: self.conditions[name],
            "Fn::Join": self._join,
            "Fn::Select": lambda args: self.resolve(args[1])[int(self.resolve(args[0]))],
            "Fn::Split": lambda args: str(self.resolve(args[1])).split(args[0]),
        }

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            items = [self.resolve(item) for item in value]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            function = self._functions.get(key)
            if function is not None:
                return function(argument)
        resolved = {key: self.resolve(item) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not NO_VALUE}

    def _ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.params:
            return self.params[name]
        if name in PSEUDO_PARAMETERS:
            return PSEUDO_PARAMETERS[name]
        if name in self.physical:
            return self.physical[name]
        if name in self.types:
            # Not created locally: its local physical name is its logical id (the local naming rule);
            # Ref of a topic is its ARN, as in CloudFormation.
            return arn_of(self.types[name], name) if self.types[name] == "AWS::SNS::Topic" else name
        raise UnresolvableError(f"Ref {name!r}: not a parameter, pseudo parameter or known resource")

    def _get_att(self, argument: str | list[str]) -> str:
        logical_id, attribute = argument.split(".", 1) if isinstance(argument, str) else argument
        if logical_id not in self.physical and logical_id not in self.types:
            raise UnresolvableError(f"GetAtt {logical_id}.{attribute}: unknown resource")
        name = self.physical.get(logical_id, logical_id)
        resource_type = self.types.get(logical_id, "AWS::SQS::Queue" if is_queue_url(name) else "")
        if attribute == "QueueUrl":
            return name
        if attribute in ("QueueName", "TopicName", "Name"):
            return queue_name(name)
        if attribute in ("Arn", "TopicArn"):
            if name.startswith("arn:"):
                return name  # created locally under an ARN of its own (a KMS key)
            if not resource_type:
                # Without types, the only non-queue resource the local stack makes an ARN for is the table.
                resource_type = "AWS::DynamoDB::Table"
            return arn_of(resource_type, name)
        raise UnresolvableError(f"GetAtt {logical_id}.{attribute}: attribute not emulated locally")

    def _sub(self, argument: str | list[Any]) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else (argument[0], argument[1])
        values = {key: self.resolve(item) for key, item in variables.items()}

        def replace(match: re.Match[str]) -> str:
            expression = match.group(1)
            if expression.startswith("!"):
                return "${" + expression[1:] + "}"  # ${!Literal} is the escape for a literal ${Literal}
            if expression in values:
                return str(values[expression])
            if "." in expression and not expression.startswith("AWS::"):
                return self._get_att(expression)
            return str(self._ref(expression))

        return _SUB_VARIABLE.sub(replace, text)

    def _if(self, argument: list[Any]) -> Any:
        name, when_true, when_false = argument
        return self.resolve(when_true if self.conditions[name] else when_false)

    def _equals(self, argument: list[Any]) -> bool:
        left, right = (self.resolve(item) for item in argument)
        return bool(str(left) == str(right))

    def _condition_value(self, value: Any) -> bool:
        return bool(self.resolve(value))

    def _join(self, argument: list[Any]) -> str:
        delimiter, items = argument
        return str(delimiter).join(str(item) for item in self.resolve(items))


def resolve(
    value: Any,
    physical: Mapping[str, str],
    conditions: Mapping[str, bool],
    params: Mapping[str, Any],
    types: Mapping[str, str] | None = None,
) -> Any:
    """Resolve every intrinsic function in ``value``; ``physical`` maps logical ids to what was created."""
    return Resolver(physical, conditions, params, types).resolve(value)


class LazyConditions(Mapping[str, bool]):
    """The template's Conditions, each evaluated on first use (conditions may refer to each other)."""

    def __init__(self, definitions: Mapping[str, Any], params: Mapping[str, Any]) -> None:
        self._definitions = definitions
        self._params = params
        self._values: dict[str, bool] = {}
        self._evaluating: set[str] = set()

    def __getitem__(self, name: str) -> bool:
        if name not in self._values:
            if name in self._evaluating:
                raise UnresolvableError(f"condition {name!r} refers to itself")
            self._evaluating.add(name)
            try:
                resolver = Resolver({}, self, self._params)
                self._values[name] = bool(resolver.resolve(self._definitions[name]))
            finally:
                self._evaluating.discard(name)
        return self._values[name]

    def __iter__(self) -> Any:
        return iter(self._definitions)

    def __len__(self) -> int:
        return len(self._definitions)
