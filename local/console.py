"""The admin console as CloudFront serves it: the built files (build/console, ``make console``) under
/console/, with the security headers of the template's CloudFront response headers policy, so the browser
tests run the console under the same Content-Security-Policy it is deployed with.

Deployed, Custom::ConsoleConnectSrc adds the API's and the uploads bucket's origins to connect-src. Here
the API is the console's own origin ('self'), and the bucket is the local S3 endpoint (moto's server),
which ``allow_uploads`` adds; ``upload_cors`` puts the template's bucket CORS rules with the local
console's origin standing for the distribution's."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import boto3

from local.apigw import HttpResponse, json_response
from local.template import Template

CONNECT_SRC = "connect-src"
BUCKET = "AWS::S3::Bucket"
# CloudFormation's names of a CORS rule's fields that S3's API spells otherwise.
S3_CORS_NAMES = {"Id": "ID", "MaxAge": "MaxAgeSeconds", "ExposedHeaders": "ExposeHeaders"}

PREFIX = "/console"
RESPONSE_HEADERS_POLICY = "AWS::CloudFront::ResponseHeadersPolicy"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
    ".map": "application/json",
}


def security_headers(template: Template, policy: str = "ConsoleHeadersPolicy") -> list[tuple[str, str]]:
    """The headers one of the template's response headers policies adds, as HTTP headers."""
    resource = template.resources(RESPONSE_HEADERS_POLICY).get(policy)
    headers: list[tuple[str, str]] = []
    if resource is not None:
        config: dict[str, Any] = template.resolve(resource.get("Properties", {}), {}).get(
            "ResponseHeadersPolicyConfig", {}
        )
        security = config.get("SecurityHeadersConfig", {})
        if "ContentSecurityPolicy" in security:
            headers.append(("Content-Security-Policy", security["ContentSecurityPolicy"]["ContentSecurityPolicy"]))
        if "StrictTransportSecurity" in security:
            hsts = security["StrictTransportSecurity"]
            value = f"max-age={hsts['AccessControlMaxAgeSec']}"
            value += "; includeSubDomains" if hsts.get("IncludeSubdomains") else ""
            value += "; preload" if hsts.get("Preload") else ""
            headers.append(("Strict-Transport-Security", value))
        if "ContentTypeOptions" in security:
            headers.append(("X-Content-Type-Options", "nosniff"))
        if "FrameOptions" in security:
            headers.append(("X-Frame-Options", security["FrameOptions"]["FrameOption"]))
        if "ReferrerPolicy" in security:
            headers.append(("Referrer-Policy", security["ReferrerPolicy"]["ReferrerPolicy"]))
        # A policy's CORS for every origin (the widget's): the one answer that needs no request's Origin.
        if config.get("CorsConfig", {}).get("AccessControlAllowOrigins", {}).get("Items") == ["*"]:
            headers.append(("Access-Control-Allow-Origin", "*"))
        for custom in config.get("CustomHeadersConfig", {}).get("Items", []):
            headers.append((custom["Header"], custom["Value"]))
    return headers


class ConsoleSite:
    """Static files under /console/ from ``root``; ``answer`` is None for every other path."""

    def __init__(self, template: Template, root: Path | None = None) -> None:
        self.root = root or template.root / "build" / "console"
        self.headers = security_headers(template)

    def allow_uploads(self, origin: str) -> None:
        """Let the console connect to ``origin`` too (the local S3 endpoint its upload URLs point at)."""
        self.headers = [
            (name, _with_source(value, origin) if name == "Content-Security-Policy" else value)
            for name, value in self.headers
        ]

    def answer(self, method: str, path: str) -> HttpResponse | None:
        if method not in ("GET", "HEAD") or not (path == PREFIX or path.startswith(PREFIX + "/")):
            return None
        if path == PREFIX:
            # The page's assets are relative (./app.js), so the page must live at /console/.
            return HttpResponse(301, [("Location", PREFIX + "/")])
        name = path.removeprefix(PREFIX + "/") or "index.html"
        parts = name.split("/")
        if any(part in ("", ".", "..") or part.startswith(".") for part in parts):
            return json_response(404, {"message": "Not Found"})
        if not (self.root / "index.html").is_file():
            return json_response(404, {"message": f"{self.root} is not built yet (make console)"})
        file = self.root.joinpath(*parts)
        if not file.is_file():
            return json_response(404, {"message": "Not Found"})
        content_type = CONTENT_TYPES.get(file.suffix, "application/octet-stream")
        # The files change with every build and carry no version in their names: always revalidate.
        headers = [("Content-Type", content_type), ("Cache-Control", "no-cache"), *self.headers]
        return HttpResponse(200, headers, file.read_bytes())


def _with_source(csp: str, origin: str) -> str:
    """``csp`` with ``origin`` added to its connect-src directive (there is one: the template's 'self')."""
    directives = [part.strip() for part in csp.split(";") if part.strip()]
    return "; ".join(
        f"{part} {origin}" if part.split()[0].lower() == CONNECT_SRC and origin not in part.split() else part
        for part in directives
    )


def upload_cors(template: Template, physical: Mapping[str, str], console_origin: str) -> dict[str, list[str]]:
    """Put each bucket's CORS rules from the template on the local bucket, their origins (deployed: the
    console's distribution) replaced by the local console's; returns bucket -> the methods allowed."""
    s3 = boto3.client("s3")
    allowed: dict[str, list[str]] = {}
    for logical_id, resource in template.resources(BUCKET).items():
        rules = resource.get("Properties", {}).get("CorsConfiguration", {}).get("CorsRules", [])
        if not rules or logical_id not in physical:
            continue
        local_rules = [
            {S3_CORS_NAMES.get(name, name): value for name, value in rule.items()}
            | {"AllowedOrigins": [console_origin]}
            for rule in rules
        ]
        s3.put_bucket_cors(Bucket=physical[logical_id], CORSConfiguration={"CORSRules": local_rules})
        allowed[physical[logical_id]] = sorted({method for rule in rules for method in rule["AllowedMethods"]})
    return allowed
