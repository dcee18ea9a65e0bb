"""Create the template's table, queues and SES identity on a local backend, from the template itself.

Physical names are the logical ids (unless ``names`` says otherwise), so what a developer sees locally
reads like the template. Creating into a backend that already has the resources is not an error.
"""

from __future__ import annotations

import json
import secrets
import string
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import ClientError

from local.template import Template

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient

TABLE = "AWS::DynamoDB::Table"
QUEUE = "AWS::SQS::Queue"
EMAIL_IDENTITY = "AWS::SES::EmailIdentity"
KMS_KEY = "AWS::KMS::Key"
EVENT_BUS = "AWS::Events::EventBus"
BUCKET = "AWS::S3::Bucket"
VAULT = "AWS::SecretsManager::Secret"  # a Secrets Manager secret

# AWS::SQS::Queue properties that are plain queue attributes of the same name.
_QUEUE_ATTRIBUTES = (
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
    "SqsManagedSseEnabled",
    "FifoQueue",
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "FifoThroughputLimit",
)


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


@contextmanager
def _already_there(*codes: str) -> Iterator[None]:
    """A create that meets what it would create, named by one of the error ``codes``, has nothing to do:
    the local backend keeps its resources across runs."""
    try:
        yield
    except ClientError as error:
        if _error_code(error) not in codes:
            raise


def _create_named(
    template: Template,
    physical: Mapping[str, str],
    kind: str,
    name_property: str,
    create: Callable[[str], None],
    exists: str,
) -> dict[str, str]:
    """Each resource of ``kind``, created by its name (the property ``name_property``, resolved); one that
    is there already (error code ``exists``) is fine. Logical id -> name."""
    made = {}
    for logical_id, resource in template.resources(kind).items():
        name = str(template.resolve(resource["Properties"][name_property], physical))
        with _already_there(exists):
            create(name)
        made[logical_id] = name
    return made


def _attribute(value: Any) -> str:
    """SQS attributes are strings; CloudFormation booleans become "true"/"false"."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def create_table(
    client: DynamoDBClient,
    template: Template,
    logical_id: str | None = None,
    name: str | None = None,
) -> str:
    """Create the template's table (the only one, unless ``logical_id`` says which); returns its name."""
    tables = template.resources(TABLE)
    if logical_id is None:
        if len(tables) != 1:
            raise ValueError(f"the template has {len(tables)} tables; say which with logical_id")
        logical_id = next(iter(tables))
    props = template.resolve(tables[logical_id].get("Properties", {}), {})
    table_name = name or logical_id
    request: dict[str, Any] = {
        "TableName": table_name,
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": props.get("BillingMode", "PROVISIONED"),
    }
    provisioned = request["BillingMode"] == "PROVISIONED"
    if provisioned:
        request["ProvisionedThroughput"] = props["ProvisionedThroughput"]
    if props.get("GlobalSecondaryIndexes"):
        request["GlobalSecondaryIndexes"] = [
            {key: value for key, value in index.items() if provisioned or key != "ProvisionedThroughput"}
            for index in props["GlobalSecondaryIndexes"]
        ]
    if props.get("LocalSecondaryIndexes"):
        request["LocalSecondaryIndexes"] = props["LocalSecondaryIndexes"]
    if props.get("StreamSpecification"):
        request["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
    # Deletion protection, SSE and point-in-time recovery are left out on purpose: they protect real
    # data and would only get in the way of throwaway local tables.
    with _already_there("ResourceInUseException"):
        client.create_table(**request)
    client.get_waiter("table_exists").wait(TableName=table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    ttl = props.get("TimeToLiveSpecification")
    if ttl and ttl.get("Enabled"):
        try:
            client.update_time_to_live(
                TableName=table_name,
                TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True},
            )
        except ClientError as error:
            # Already enabled (a reused backend), or a backend without TTL: expiry is not worth failing on.
            already = "already enabled" in str(error)
            if not already and _error_code(error) != "UnknownOperationException":
                raise
    return table_name


def _queue_order(template: Template) -> list[str]:
    """Dead-letter queues first: a RedrivePolicy needs its target's ARN."""
    queues = template.resources(QUEUE)
    targets = set()
    for resource in queues.values():
        redrive = resource.get("Properties", {}).get("RedrivePolicy") or {}
        target = redrive.get("deadLetterTargetArn")
        if isinstance(target, dict) and "Fn::GetAtt" in target:
            att = target["Fn::GetAtt"]
            targets.add(att.split(".")[0] if isinstance(att, str) else att[0])
    return sorted(queues, key=lambda logical_id: logical_id not in targets)


def _create_queue(client: SQSClient, template: Template, logical_id: str, name: str, physical: dict[str, str]) -> str:
    props = template.resolve(template.resources(QUEUE)[logical_id].get("Properties", {}), physical)
    attributes = {key: _attribute(props[key]) for key in _QUEUE_ATTRIBUTES if key in props}
    if "RedrivePolicy" in props:
        attributes["RedrivePolicy"] = json.dumps(props["RedrivePolicy"])
    if props.get("FifoQueue") and not name.endswith(".fifo"):
        name += ".fifo"  # SQS insists on the suffix for FIFO queues
    return client.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]  # type: ignore[arg-type]


def _create_keys_and_buses(
    template: Template, session: boto3.Session, names: Mapping[str, str], physical: dict[str, str]
) -> None:
    """KMS keys (physical: their ARN) and EventBridge buses (physical: their name)."""
    keys = template.resources(KMS_KEY)
    if keys:
        kms = session.client("kms")
        for logical_id, resource in keys.items():
            # An alias per logical id makes this idempotent, like the other resources: a second run
            # against the same backend finds the key instead of making another one.
            alias = f"alias/loyalty-local/{logical_id}"
            try:
                physical[logical_id] = kms.describe_key(KeyId=alias)["KeyMetadata"]["Arn"]
                continue
            except ClientError as error:
                if _error_code(error) != "NotFoundException":
                    raise
            description = str(template.resolve(resource.get("Properties", {}).get("Description", logical_id), physical))
            key = kms.create_key(Description=description)["KeyMetadata"]
            kms.create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
            physical[logical_id] = key["Arn"]

    def bus(name: str) -> None:
        session.client("events").create_event_bus(Name=name)

    made = _create_named(template, physical, EVENT_BUS, "Name", bus, "ResourceAlreadyExistsException")
    physical.update({logical_id: names.get(logical_id, name) for logical_id, name in made.items()})


def _create_buckets(
    template: Template, session: boto3.Session, names: Mapping[str, str], physical: dict[str, str]
) -> None:
    """S3 buckets (physical: their name, the template's BucketName unless ``names`` gives one)."""
    buckets = template.resources(BUCKET)
    if not buckets:
        return
    s3 = session.client("s3")
    for logical_id, resource in buckets.items():
        bucket = names.get(logical_id) or str(template.resolve(resource["Properties"]["BucketName"], physical))
        with _already_there("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
            s3.create_bucket(Bucket=bucket)
        physical[logical_id] = bucket


def _generated(spec: Mapping[str, Any]) -> str:
    """A value for GenerateSecretString, as CloudFormation makes one (the options this template uses: its
    length, no punctuation, an optional JSON template and the key the value goes under)."""
    alphabet = string.ascii_letters + string.digits
    if not spec.get("ExcludePunctuation"):
        alphabet += "!#$%&()*+,-.:;<=>?@[]^_{|}~"
    value = "".join(secrets.choice(alphabet) for _ in range(int(spec.get("PasswordLength", 32))))
    if "SecretStringTemplate" in spec:
        return json.dumps({**json.loads(spec["SecretStringTemplate"]), spec["GenerateStringKey"]: value})
    return value


def _create_secrets(
    template: Template, session: boto3.Session, names: Mapping[str, str], physical: dict[str, str]
) -> None:
    """The Secrets Manager secrets CloudFormation fills (GenerateSecretString), with a random value as it
    gives them one (physical: their ARN, what !Ref gives), named by their logical ids. A secret without
    one is a custom resource's to fill (the stack's admin key), which the local stack does not run
    (local/cloudformation.py stands in for it in tests). A backend that has the secret keeps its value."""
    found = {
        logical_id: resource
        for logical_id, resource in template.resources(VAULT).items()
        if "GenerateSecretString" in resource.get("Properties", {})
    }
    if not found:
        return
    client = session.client("secretsmanager")
    for logical_id, resource in found.items():
        name = names.get(logical_id, logical_id)
        value = _generated(resource["Properties"]["GenerateSecretString"])
        request: dict[str, Any] = {"Name": name, "SecretString": value}
        try:
            physical[logical_id] = client.create_secret(**request)["ARN"]
        except ClientError as error:
            if _error_code(error) != "ResourceExistsException":
                raise
            physical[logical_id] = client.describe_secret(SecretId=name)["ARN"]


def create_resources(
    template: Template,
    session: boto3.Session | None = None,
    names: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Create tables, queues, KMS keys, event buses, buckets, secrets and email identities; returns logical
    id -> table name / queue URL / key ARN / bus name / bucket name / secret ARN / identity.

    ``names`` overrides physical names (tests give each DynamoDB Local table a unique one); clients
    follow AWS_ENDPOINT_URL(_<SERVICE>) from the environment, so this works on moto's server, inside
    ``mock_aws`` and on DynamoDB Local alike.
    """
    session = session or boto3.Session()
    names = names or {}
    physical: dict[str, str] = {}
    tables = template.resources(TABLE)
    if tables:
        dynamodb = session.client("dynamodb")
        for logical_id in tables:
            physical[logical_id] = create_table(dynamodb, template, logical_id, names.get(logical_id, logical_id))
    queue_ids = _queue_order(template)
    if queue_ids:
        sqs = session.client("sqs")
        for logical_id in queue_ids:
            physical[logical_id] = _create_queue(sqs, template, logical_id, names.get(logical_id, logical_id), physical)
    _create_keys_and_buses(template, session, names, physical)
    _create_buckets(template, session, names, physical)
    _create_secrets(template, session, names, physical)

    def identity(name: str) -> None:
        session.client("sesv2").create_email_identity(EmailIdentity=name)

    physical.update(
        _create_named(template, physical, EMAIL_IDENTITY, "EmailIdentity", identity, "AlreadyExistsException")
    )
    return physical


def _env_value(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def function_environment(template: Template, physical: Mapping[str, str]) -> dict[str, str]:
    """Every function's environment, resolved and merged: the local stack runs them all in one process."""
    merged: dict[str, str] = {}
    owner: dict[str, str] = {}
    for logical_id, spec in template.functions().items():
        for name, raw in template.resolve(spec.environment, physical).items():
            value = _env_value(raw)
            if name in merged and merged[name] != value:
                raise ValueError(
                    f"{name} is {merged[name]!r} for {owner[name]} but {value!r} for {logical_id}; "
                    "the local stack runs every function in one process, so one value must serve all"
                )
            merged[name] = value
            owner.setdefault(name, logical_id)
    return merged
