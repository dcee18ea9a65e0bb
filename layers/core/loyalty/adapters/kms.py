"""KMS: the secrets the platform must use later (webhook signing keys, platform HMAC secrets) are kept
encrypted under the stack's key, bound to the item they belong to by an encryption context."""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3

from loyalty.adapters import aws
from loyalty.settings import settings

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient


_client: aws.Client[KMSClient] = aws.Client(lambda: boto3.client("kms", config=aws.config(connect_timeout=2)))
reset = _client.reset


def encrypt(plaintext: bytes, context: dict[str, str]) -> bytes:
    key_id = aws.required(settings().secrets_key_id, "SECRETS_KEY_ID", "secrets cannot be stored")
    answer = _client().encrypt(KeyId=key_id, Plaintext=plaintext, EncryptionContext=context)
    return bytes(answer["CiphertextBlob"])


def decrypt(ciphertext: bytes, context: dict[str, str]) -> bytes:
    """The plaintext, only if the context matches the one it was encrypted with."""
    answer = _client().decrypt(CiphertextBlob=ciphertext, EncryptionContext=context)
    return bytes(answer["Plaintext"])
