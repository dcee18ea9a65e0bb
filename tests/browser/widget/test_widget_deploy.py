"""How template.yaml deploys the widget: beside the console, from the same private bucket and
distribution, under widget/ with a cache and headers of its own. (cfn-lint, `sam validate --lint` and
checkov run on the whole template in tests/contract/test_template.py.)"""

from __future__ import annotations

from typing import Any

from local.template import Template

CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"  # AWS's managed cache policy


def _behaviours(template: Template) -> dict[str, dict[str, Any]]:
    config = template.resources()["ConsoleDistribution"]["Properties"]["DistributionConfig"]
    return {behaviour["PathPattern"]: behaviour for behaviour in config.get("CacheBehaviors", [])}


def test_the_widget_is_served_from_the_consoles_bucket_under_widget_with_its_own_headers(template: Template) -> None:
    behaviour = _behaviours(template)["widget/*"]
    assert behaviour["TargetOriginId"] == "ConsoleBucket"  # read only by CloudFront, through its access control
    assert behaviour["ViewerProtocolPolicy"] == "https-only"
    assert behaviour["AllowedMethods"] == ["GET", "HEAD"]
    assert behaviour["Compress"] is True
    # Cached (shops load it on every page view), for as long as the upload's Cache-Control says.
    assert behaviour["CachePolicyId"] == CACHING_OPTIMIZED
    assert behaviour["ResponseHeadersPolicyId"] == {"Ref": "WidgetHeadersPolicy"}
    url = template.raw["Outputs"]["WidgetUrl"]["Value"]
    assert url == {"Fn::Sub": "https://${ConsoleDistribution.DomainName}/widget/loyalty.js"}


def test_any_shop_may_embed_the_script_and_nothing_may_sniff_it(template: Template) -> None:
    config = template.resolve(template.resources()["WidgetHeadersPolicy"]["Properties"], {})
    policy = config["ResponseHeadersPolicyConfig"]
    cors = policy["CorsConfig"]
    # Any origin may fetch it (a shop pinning it with Subresource Integrity needs CORS), never with cookies.
    assert cors["AccessControlAllowOrigins"]["Items"] == ["*"] and cors["AccessControlAllowCredentials"] is False
    assert cors["AccessControlAllowMethods"]["Items"] == ["GET", "HEAD"]
    assert policy["SecurityHeadersConfig"]["ContentTypeOptions"] == {"Override": True}
    custom = {item["Header"]: item["Value"] for item in policy["CustomHeadersConfig"]["Items"]}
    assert custom == {"Cross-Origin-Resource-Policy": "cross-origin"}
