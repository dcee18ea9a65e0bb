"""Custom::ConsoleConnectSrc: the console's Content-Security-Policy names the deployment's own API.

The template cannot say it directly: the API's CORS names the console's distribution (its only web
origin), the distribution names its response headers policy, so a policy naming the API would close a
dependency cycle. The policy is therefore created with ``connect-src 'self'`` (the console may read its
own config.json and reach nothing else: fail closed), and this resource, created once the API and the
distribution both exist, rewrites that one directive to the sources it is given: the API's own origin
and the imports bucket's (the console PUTs import and simulation files to its presigned URLs).
Its properties carry the policy's LastModifiedTime, so whenever CloudFormation rewrites the policy (and
with it the placeholder), this resource is updated after it and writes the directive again.
"""

from __future__ import annotations

from pydantic import ConfigDict, Field

from loyalty.adapters import cloudfront
from loyalty.models.common import Model
from loyalty.models.custom_resource import CustomResourceRequest, ResourceOutcome

DIRECTIVE = "connect-src"


class ConnectSrcProperties(Model):
    """Custom::ConsoleConnectSrc's properties in template.yaml."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    policy_id: str = Field(alias="PolicyId", min_length=1)
    connect_src: str = Field(alias="ConnectSrc", min_length=1)


def with_connect_src(csp: str, sources: str) -> str:
    """``csp`` with its connect-src directive (added if missing) set to ``sources``; the rest unchanged."""
    wanted = f"{DIRECTIVE} {' '.join(sources.split())}"
    directives = [part.strip() for part in csp.split(";") if part.strip()]
    names = [part.split()[0].lower() for part in directives]
    if DIRECTIVE in names:
        directives[names.index(DIRECTIVE)] = wanted
    else:
        directives.append(wanted)
    return "; ".join(directives)


def handle(request: CustomResourceRequest) -> ResourceOutcome:
    if request.request_type == "Delete":  # the policy goes with the stack; nothing of ours to remove
        return ResourceOutcome(physical_id=request.physical_resource_id or request.logical_resource_id)
    properties = ConnectSrcProperties.model_validate(request.properties)
    for _ in range(5):  # the policy changed under us (ETag): read it again
        config, etag = cloudfront.response_headers_policy(properties.policy_id)
        security = config.get("SecurityHeadersConfig", {})
        current = security.get("ContentSecurityPolicy", {}).get("ContentSecurityPolicy", "")
        wanted = with_connect_src(current, properties.connect_src)
        if wanted != current:
            security["ContentSecurityPolicy"] = {
                **security.get("ContentSecurityPolicy", {"Override": True}),
                "ContentSecurityPolicy": wanted,
            }
            config["SecurityHeadersConfig"] = security
            try:
                cloudfront.update_response_headers_policy(properties.policy_id, config, etag)
            except cloudfront.PolicyChanged:
                continue
        return ResourceOutcome(
            physical_id=f"{properties.policy_id}/{DIRECTIVE}", data={"ContentSecurityPolicy": wanted}
        )
    raise RuntimeError(f"response headers policy {properties.policy_id} kept changing under the update")
