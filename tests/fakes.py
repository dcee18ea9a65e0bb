"""Tiny templates and functions in a temporary folder: the local stack's machinery tested in isolation
from the real functions (which another suite covers)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from local.template import Template, load

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: {Type: String, Default: default}
  SenderEmail: {Type: String, Default: sender@example.com}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
Globals:
  Function:
    Runtime: python3.13
    Timeout: 10
    Environment:
      Variables:
        TABLE_NAME: !Ref Table
        LOG_LEVEL: !If [IsProd, INFO, DEBUG]
Resources:
  Layer:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: layer}
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - {AttributeName: PK, AttributeType: S}
        - {AttributeName: SK, AttributeType: S}
      KeySchema:
        - {AttributeName: PK, KeyType: HASH}
        - {AttributeName: SK, KeyType: RANGE}
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth:
        DefaultAuthorizer: Keys
        Authorizers:
          Keys:
            FunctionArn: !GetAtt AuthFunction.Arn
            AuthorizerPayloadFormatVersion: "2.0"
            EnableSimpleResponses: true
  AuthFunction:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: functions/auth, Handler: app.handler}
  HealthFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/health
      Handler: app.handler
      MemorySize: 256
      Events:
        Health:
          Type: HttpApi
          Properties: {ApiId: !Ref Api, Method: GET, Path: /v1/health, Auth: {Authorizer: NONE}}
  EchoFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/echo
      Handler: app.handler
      Environment:
        Variables: {QUEUE_URL: !Ref Queue, QUEUE_ARN: !GetAtt Queue.Arn}
      Events:
        Get:
          Type: HttpApi
          Properties: {ApiId: !Ref Api, Method: GET, Path: "/v1/echo/{name}"}
  ConsumerFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/consumer
      Handler: app.handler
      Events:
        Queue:
          Type: SQS
          Properties:
            Queue: !GetAtt Queue.Arn
            BatchSize: 5
            FunctionResponseTypes: [ReportBatchItemFailures]
  DeadLetters:
    Type: AWS::SQS::Queue
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 60
      RedrivePolicy: {deadLetterTargetArn: !GetAtt DeadLetters.Arn, maxReceiveCount: 2}
  Sender:
    Type: AWS::SES::EmailIdentity
    Properties: {EmailIdentity: !Ref SenderEmail}
"""

FUNCTIONS = {
    "auth": """
        def handler(event, context):
            allowed = event["headers"].get("authorization") == "Bearer good"
            return {"isAuthorized": allowed, "context": {"scope": "admin"}}
    """,
    "health": """
        import json

        def handler(event, context):
            return {"statusCode": 200, "headers": {"content-type": "application/json"},
                    "body": json.dumps({"status": "ok", "function": context.function_name})}
    """,
    "echo": """
        import os

        def handler(event, context):
            return {"event": event, "table": os.environ.get("TABLE_NAME")}
    """,
    # Fails every record whose body is "bad", on its own (ReportBatchItemFailures).
    "consumer": """
        seen = []

        def handler(event, context):
            seen.extend(record["body"] for record in event["Records"])
            failed = [r["messageId"] for r in event["Records"] if r["body"] == "bad"]
            return {"batchItemFailures": [{"itemIdentifier": m} for m in failed]}
    """,
}

# A layer whose api_keys module records each bootstrapped key (a line each) where the test can read it back.
LAYER_API_KEYS = """
    import os

    def bootstrap_key(value: str, scope: str, label: str) -> None:
        with open(os.environ["FAKE_KEY_FILE"], "a", encoding="utf-8") as keys:
            keys.write(f"{value} {scope} {label}\\n")
"""


def write_project(root: Path, template: str = TEMPLATE, functions: dict[str, str] | None = None) -> Template:
    root.mkdir(parents=True, exist_ok=True)
    (root / "template.yaml").write_text(template)
    for name, source in (functions if functions is not None else FUNCTIONS).items():
        folder = root / "functions" / name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "app.py").write_text(textwrap.dedent(source))
    services = root / "layer" / "loyalty" / "services"
    services.mkdir(parents=True, exist_ok=True)
    for package in (root / "layer" / "loyalty", services):
        (package / "__init__.py").write_text("")
    (services / "api_keys.py").write_text(textwrap.dedent(LAYER_API_KEYS))
    return load(root / "template.yaml")
