"""What every in-process test used to pay again and again for nothing it checks: measured, most of an
in-process test's CPU went to making the AWS clients and resources of its fresh moto account, not to the
test. Four costs are cut here, none of which changes an answer a test sees:

- botocore's service models. ``mock_aws`` resets boto3's default session, and ``create_resources`` makes a
  session of its own, so every test made new sessions whose loaders parsed the same JSON files again
  (endpoints, dynamodb, sqs, kms, events, s3, sesv2...): about 0.3 s of CPU a test. One loader per data path
  serves every session of the process; the files are botocore's own, read only, and a loader already hands
  the same parsed objects to every client of its session.
- moto's DynamoDB, before each TransactWriteItems, deep-copies the whole table once per item of the
  transaction, to put it back if the transaction is cancelled: half the CPU of the handler and use-case
  tests. local/moto_transactions.py copies the items the transaction names instead (the local stack runs
  it too, for the stream readers it keeps alive).
- the clients ``create_resources`` makes the template's resources with: on moto, one set serves every
  test of the process (``moto_clients``), as moto's mock answers whichever client sends.
- moto's KMS makes an RSA-2048 key pair for every key it creates, whatever its spec, and uses it only to sign
  and verify with asymmetric keys. The template's keys are symmetric (encrypt and decrypt use their own
  key material, made fresh for each key as before), so one pair, made once, serves all of them: about 0.1 s
  a key, two keys a test. Asymmetric keys still get a pair of their own.
"""

from __future__ import annotations

import functools
from typing import Any

import boto3
import botocore.loaders
import botocore.session
import moto.kms.models

from local import moto_transactions

_SYMMETRIC = "SYMMETRIC_DEFAULT"


class _SearchPaths(list[str]):
    """boto3 appends its own data folder to the loader of each session it makes: once is enough."""

    def append(self, path: str) -> None:
        if path not in self:
            super().append(path)


@functools.cache
def _shared_loader(search_path_string: str | None = None) -> botocore.loaders.Loader:
    loader = botocore.loaders.create_loader(search_path_string)
    loader._search_paths = _SearchPaths(loader.search_paths)
    return loader


class _Clients:
    """What ``resources.create_resources`` asks of its session: ``client(name)``, here made once."""

    def __init__(self) -> None:
        self._session = boto3.Session()
        self._made: dict[str, Any] = {}

    def client(self, service_name: str) -> Any:
        if service_name not in self._made:
            self._made[service_name] = self._session.client(service_name)  # type: ignore[call-overload]
        return self._made[service_name]


@functools.cache
def moto_clients() -> Any:
    """The clients for moto's resources (never DynamoDB Local's: their endpoint changes with the engine)."""
    return _Clients()


def install() -> None:
    """Idempotent; call before the first session is made (tests/conftest.py does, at import)."""
    botocore.session.create_loader = _shared_loader  # type: ignore[attr-defined]
    if getattr(moto.kms.models.generate_private_key, "__wrapped__", None) is None:
        made = moto.kms.models.generate_private_key
        unused = functools.cache(lambda: made("RSA_2048"))

        @functools.wraps(made)
        def generate_private_key(key_spec: str) -> Any:
            return unused() if key_spec == _SYMMETRIC else made(key_spec)

        moto.kms.models.generate_private_key = generate_private_key
    moto_transactions.install()
