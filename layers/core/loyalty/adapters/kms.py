"""KMS: the secrets the platform must use later (webhook signing keys, platform HMAC secrets) are kept
encrypted under the stack's key, bound to the item they belong to by an encryption context."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

from loyalty.settings import settings

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient


@cache
def _client() -> KMSClient:
    return boto3.client("kms", config=Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=2))


def reset() -> None:
    _client.cache_clear()


def encrypt(plaintext: bytes, context: dict[str, str]) -> bytes:
    key_id = settings().secrets_key_id
    if not key_id:
        raise RuntimeError("SECRETS_KEY_ID is not set: secrets cannot be stored")
    answer = _client().encrypt(KeyId=key_id, Plaintext=plaintext, EncryptionContext=context)
    return bytes(answer["CiphertextBlob"])


def decrypt(ciphertext: bytes, context: dict[str, str]) -> bytes:
    """The plaintext, only if the context matches the one it was encrypted with."""
    answer = _client().decrypt(CiphertextBlob=ciphertext, EncryptionContext=context)
    return bytes(answer["Plaintext"])
