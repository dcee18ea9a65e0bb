"""One source of truth for deployment facts (issue 11, item 6).

The program's ``emails.sender`` must be the deployment's verified SES identity (template parameter
SenderEmail, SENDER_EMAIL in the function's environment): IAM lets the email functions send from that
identity only, so a program naming another sender used to be stored and then send nothing, silently.
Its ``timezone`` must be the one the daily schedules fire in (ProgramTimezone, PROGRAM_TIMEZONE) unless
the deployment allows otherwise (AllowTimezoneMismatch, ALLOW_TIMEZONE_MISMATCH): else the jobs run at
the wrong local hour.
"""

from __future__ import annotations

from typing import Any

import pytest

from harness.api import Api
from harness.programs import program_document
from local import template as template_loader
from loyalty import settings
from tests.conftest import ROOT


def with_emails(**changes: Any) -> dict[str, Any]:
    document = program_document()
    document["emails"] = {**document["emails"], **changes}
    return document


def test_a_sender_other_than_the_verified_identity_is_refused_naming_it(admin_api: Api) -> None:
    answer = admin_api.put("/v1/admin/program", with_emails(sender="rewards@shop.example"))
    assert answer.status == 422, answer.body
    assert answer.content_type == "application/problem+json"
    assert answer.body["code"] == "validation_error"
    (error,) = answer.body["errors"]
    assert error["loc"] == ["emails", "sender"]
    assert "loyalty@example.com" in error["msg"] and "SenderEmail" in error["msg"]
    assert "loyalty@example.com" in answer.body["detail"]
    assert admin_api.get("/v1/admin/program").body["code"] == "program_not_configured", "nothing was stored"


def test_the_verified_sender_in_any_case_is_accepted(admin_api: Api) -> None:
    answer = admin_api.put("/v1/admin/program", with_emails(sender="Loyalty@Example.COM"))
    assert answer.status == 200, answer.body
    assert answer.body["emails"]["sender"] == "loyalty@example.com"


def test_a_timezone_other_than_the_schedules_is_refused_saying_why(admin_api: Api) -> None:
    answer = admin_api.put("/v1/admin/program", program_document(timezone="Europe/Paris"))
    assert answer.status == 422, answer.body
    (error,) = answer.body["errors"]
    assert error["loc"] == ["timezone"]
    for words in ("America/New_York", "ProgramTimezone", "wrong local hour", "AllowTimezoneMismatch"):
        assert words in error["msg"], error["msg"]


def test_every_mismatch_is_named(admin_api: Api) -> None:
    document = {**with_emails(sender="rewards@shop.example"), "timezone": "Europe/Paris"}
    answer = admin_api.put("/v1/admin/program", document)
    assert answer.status == 422
    assert [error["loc"] for error in answer.body["errors"]] == [["emails", "sender"], ["timezone"]]


def test_a_deployment_may_allow_another_timezone(admin_api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLOW_TIMEZONE_MISMATCH", "true")
    settings.reset()
    answer = admin_api.put("/v1/admin/program", program_document(timezone="Europe/Paris"))
    assert answer.status == 200, answer.body
    assert answer.body["timezone"] == "Europe/Paris"
    # The sender is never negotiable: IAM allows that one identity whatever the deployment allows.
    assert admin_api.put("/v1/admin/program", with_emails(sender="rewards@shop.example")).status == 422


def test_another_deployment_has_other_facts(admin_api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """The facts come from the environment the template gives the function, nothing hard-coded."""
    monkeypatch.setenv("SENDER_EMAIL", "rewards@shop.example")
    monkeypatch.setenv("PROGRAM_TIMEZONE", "Europe/Paris")
    settings.reset()
    document = {**with_emails(sender="rewards@shop.example"), "timezone": "Europe/Paris"}
    assert admin_api.put("/v1/admin/program", document).status == 200
    assert admin_api.put("/v1/admin/program", program_document()).status == 422


def test_the_template_defaults_the_readme_and_the_test_programs_agree() -> None:
    """``make run`` and every suite run with the template's defaults: the walk-through's program (docs/api.md)
    and harness/programs.py must be programs those defaults accept."""
    parameters = template_loader.load(str(ROOT / "template.yaml")).raw["Parameters"]
    program = program_document()
    assert program["emails"]["sender"] == parameters["SenderEmail"]["Default"]
    assert program["timezone"] == parameters["ProgramTimezone"]["Default"]
    page = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    walkthrough = page[page.index("<!-- walkthrough:start -->") : page.index("<!-- walkthrough:end -->")]
    assert f'"sender": "{parameters["SenderEmail"]["Default"]}"' in walkthrough
    assert f'"timezone": "{parameters["ProgramTimezone"]["Default"]}"' in walkthrough
