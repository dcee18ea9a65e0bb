"""How the local gateway serves the built console: the template's security headers, and nothing outside
build/console. (No browser: these run in milliseconds.)"""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from local.console import ConsoleSite, upload_cors
from local.template import Template


def _site(template: Template, tmp_path: Path) -> ConsoleSite:
    (tmp_path / "js").mkdir()
    (tmp_path / "index.html").write_text("<!DOCTYPE html><title>console</title>")
    (tmp_path / "js" / "app.js").write_text("export {};")
    (tmp_path.parent / "secret.txt").write_text("not served")
    return ConsoleSite(template, tmp_path)


def test_the_console_is_served_with_the_templates_security_headers(template: Template, tmp_path: Path) -> None:
    site = _site(template, tmp_path)
    answer = site.answer("GET", "/console/")
    assert answer is not None and answer.status == 200
    headers = dict(answer.headers)
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp
    assert headers["Strict-Transport-Security"].startswith("max-age=63072000; includeSubDomains")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    module = site.answer("GET", "/console/js/app.js")
    assert module is not None and module.status == 200
    assert dict(module.headers)["Content-Type"].startswith("text/javascript")


def test_only_files_of_the_build_are_served(template: Template, tmp_path: Path) -> None:
    site = _site(template, tmp_path)
    redirect = site.answer("GET", "/console")
    assert redirect is not None and (redirect.status, dict(redirect.headers)["Location"]) == (301, "/console/")
    for path in ("/console/../secret.txt", "/console/js/../../secret.txt", "/console/.hidden", "/console/nope.js"):
        answer = site.answer("GET", path)
        assert answer is not None and answer.status == 404, path
    assert site.answer("POST", "/console/") is None  # not the console's: the API's 404
    assert site.answer("GET", "/v1/health") is None


def test_an_unbuilt_console_says_how_to_build_it(template: Template, tmp_path: Path) -> None:
    answer = ConsoleSite(template, tmp_path / "missing").answer("GET", "/console/")
    assert answer is not None and answer.status == 404 and b"make console" in answer.body


def _connect_src(site: ConsoleSite) -> list[str]:
    csp = dict(site.headers)["Content-Security-Policy"]
    [directive] = [part.split() for part in csp.split(";") if part.split()[:1] == ["connect-src"]]
    return directive[1:]


def test_the_local_s3_endpoint_is_the_one_origin_added_to_connect_src(template: Template, tmp_path: Path) -> None:
    site = _site(template, tmp_path)
    before = dict(site.headers)["Content-Security-Policy"]
    assert _connect_src(site) == ["'self'"]
    site.allow_uploads("http://127.0.0.1:45678")
    site.allow_uploads("http://127.0.0.1:45678")  # once is enough
    assert _connect_src(site) == ["'self'", "http://127.0.0.1:45678"]
    after = dict(site.headers)["Content-Security-Policy"]
    assert after.replace(" http://127.0.0.1:45678", "") == before  # every other directive as the template's
    answer = site.answer("GET", "/console/")
    assert answer is not None and dict(answer.headers)["Content-Security-Policy"] == after


def test_the_buckets_answer_the_local_console_as_the_template_answers_the_deployed_one(
    template: Template, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="local-imports")
        s3.create_bucket(Bucket="local-console")
        allowed = upload_cors(
            template, {"ImportsBucket": "local-imports", "ConsoleBucket": "local-console"}, "http://127.0.0.1:3000"
        )
        assert allowed == {"local-imports": ["PUT"]}
        [rule] = s3.get_bucket_cors(Bucket="local-imports")["CORSRules"]
        assert rule["AllowedOrigins"] == ["http://127.0.0.1:3000"]
        assert rule["AllowedMethods"] == ["PUT"]
        assert "AllowedHeaders" not in rule and "ExposeHeaders" not in rule
        with pytest.raises(ClientError, match="NoSuchCORSConfiguration"):
            s3.get_bucket_cors(Bucket="local-console")
