"""The first admin key of a deployment, made by the stack itself (the Custom::AdminKey resource).

Create issues an admin key: its hash goes to the table as every key's does (loyalty.services.api_keys),
the key itself only to the stack's Secrets Manager secret, for an operator to read once. The resource's
physical id is the key's public id. An update that changes ``Version`` (the AdminKeyVersion parameter)
or the secret issues a new key under a new physical id; CloudFormation then deletes the old physical
id, which revokes the old key. Delete revokes the key.

CloudFormation may send a request again (a lost response, Lambda's retry of a crash): the key id is
derived from the request, so a repeated request finds its own key in the secret and answers the same,
and one that stopped half-way completes what it began. Never two live keys per request.
"""

from __future__ import annotations

import hashlib
import re

from pydantic import ValidationError

from loyalty.adapters import randomness, secrets_manager
from loyalty.models.custom_resource import AdminKeyProperties, CustomResourceRequest, ResourceOutcome
from loyalty.services import api_keys

KEY_ID = re.compile(r"key_[0-9a-f]{16}")
SCOPE = "admin"


def key_id_for(request: CustomResourceRequest) -> str:
    """The key id this request issues, the same however often the request comes."""
    seed = f"{request.stack_id}|{request.logical_resource_id}|{request.request_id}".encode()
    return "key_" + hashlib.sha256(seed).hexdigest()[:16]


def handle(request: CustomResourceRequest) -> ResourceOutcome:
    if request.request_type == "Delete":
        physical = request.physical_resource_id or ""
        if KEY_ID.fullmatch(physical):  # a failed create leaves no key behind, only a placeholder id
            api_keys.revoke(physical)
        return ResourceOutcome(physical_id=physical or key_id_for(request), data={})
    properties = AdminKeyProperties.model_validate(request.properties)
    physical = request.physical_resource_id or ""
    if request.request_type == "Update" and KEY_ID.fullmatch(physical) and not _rotates(request, properties):
        return ResourceOutcome(physical_id=physical, data={"KeyId": physical})
    key_id = key_id_for(request)
    _issue(key_id, properties)
    return ResourceOutcome(physical_id=key_id, data={"KeyId": key_id})


def _rotates(request: CustomResourceRequest, properties: AdminKeyProperties) -> bool:
    try:
        before = AdminKeyProperties.model_validate(request.old_properties or {})
    except ValidationError:
        return True
    return (before.version, before.secret_arn) != (properties.version, properties.secret_arn)


def _issue(key_id: str, properties: AdminKeyProperties) -> None:
    """The key goes to the secret first, its hash to the table after: a request that stopped in between
    finds its key in the secret and stores the hash; one that failed at the secret stored nothing."""
    stored = secrets_manager.current(properties.secret_arn)
    if stored is not None and stored.get("key_id") == key_id and stored.get("key"):
        key = stored["key"]  # this very request got as far as the secret already (its answer was lost)
    else:
        key = randomness.api_key()
        secrets_manager.put(properties.secret_arn, {"key": key, "key_id": key_id, "version": properties.version})
    api_keys.store(key, key_id, SCOPE, properties.label)
