"""The deployment's settings: every environment variable the layer reads, validated in one model.

template.yaml sets them per function (the local stack and the tests from the same template). Code reads
them through loyalty.settings.settings(), which imports this module on first use (pydantic-settings is
slow to import, and most of a handler's init would not need it).
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Environment variable names are the field names in upper case (TABLE_NAME, ...)."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore")

    table_name: str = Field(min_length=3, description="The single DynamoDB table.")
    dynamodb_read_timeout_seconds: float = Field(
        default=5,
        gt=0,
        description="How long a DynamoDB request may wait for its answer before boto3 resends it (with the same "
        "ClientRequestToken). Lambda to DynamoDB answers in milliseconds; DynamoDB Local on a busy laptop may not.",
    )
    program_cache_seconds: float = Field(
        default=30, ge=0, description="How long a warm function trusts its copy of the program (and of a reward)."
    )
    auth_cache_seconds: float = Field(
        default=4,
        ge=0,
        le=4,
        description="How long a warm process trusts a key lookup; a revoked key works this long (plus one "
        "request's latency) in a process that read it just before the DELETE. At most 4: the contract refuses "
        "a revoked key everywhere within 5 seconds.",
    )
    jobs_queue_url: str | None = Field(default=None, description="Where a daily job queues the shards it hands on.")
    program_timezone: str | None = Field(
        default=None, description="The timezone the daily schedules fire in (template parameter ProgramTimezone)."
    )
    allow_timezone_mismatch: bool = Field(
        default=False,
        description="Let a program's timezone differ from program_timezone (template parameter AllowTimezoneMismatch).",
    )
    sender_email: str | None = Field(
        default=None,
        description="The verified SES identity the emails may be sent from (template parameter SenderEmail); "
        "a program's emails.sender must be it.",
    )
    job_batch_items: int = Field(default=1000, ge=0, description="Items one job invocation settles before fanning out.")
    unsubscribe_url: str = Field(
        default="http://127.0.0.1:3000/v1/unsubscribe/", description="Base of the one-click unsubscribe links."
    )
    # Events out and integrations in.
    event_bus_name: str = Field(default="LoyaltyEvents", description="The EventBridge bus events are published to.")
    delivery_queue_url: str | None = Field(default=None, description="The FIFO queue of webhook deliveries.")
    accrual_queue_url: str | None = Field(default=None, description="Where inbound platform webhooks are queued.")
    inbound_bucket: str | None = Field(
        default=None,
        description="The S3 bucket (the imports bucket, prefix inbound/) that holds inbound webhook bodies "
        "until the accrual consumer has processed them.",
    )
    secrets_key_id: str | None = Field(
        default=None, description="The KMS key that encrypts webhook and integration secrets at rest."
    )
    # The shoppers' front door (member tokens, /v1/me, the App Proxy).
    member_token_secret_id: str | None = Field(
        default=None,
        description="The Secrets Manager secret whose current version signs member tokens (its previous "
        "version still verifies them: a rotation without downtime, docs/security.md).",
    )
    member_token_key_cache_seconds: float = Field(
        default=300,
        ge=0,
        le=3600,
        description="How long a warm process keeps the token keys it read (a token naming a key it does not "
        "know makes it read them again, at most once per MEMBER_TOKEN_KEY_REFRESH_SECONDS).",
    )
    member_token_key_refresh_seconds: float = Field(
        default=10, ge=0, le=300, description="The least time between two reads of the token keys in one process."
    )
    redemption_attempts_per_minute: int = Field(
        default=10,
        ge=1,
        le=1000,
        description="Redemption attempts one member may make per minute through /v1/me and the App Proxy "
        "(429 rate_limited beyond).",
    )
    # Bulk imports.
    imports_bucket: str | None = Field(default=None, description="The S3 bucket import files are uploaded to.")
    imports_queue_url: str | None = Field(default=None, description="Where an import's trigger queues its chunks.")
    import_chunk_lines: int = Field(
        default=100, ge=1, le=1000, description="Lines of an import file per queue message."
    )
    webhooks_allow_loopback: bool = Field(
        default=False,
        description="Local stack only: webhook URLs may be http and on loopback (a developer's test receiver).",
    )
