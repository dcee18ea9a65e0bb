"""How the local gateway serves the built console: the template's security headers, and nothing outside
build/console. (No browser: these run in milliseconds.)"""

from __future__ import annotations

from pathlib import Path

from local.console import ConsoleSite
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
