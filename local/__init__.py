"""The Docker-free local stack: template.yaml read as the single source of truth, moto (and optionally
DynamoDB Local) as the backend, an HTTP gateway that speaks API Gateway's payload 2.0, and SQS pollers."""
