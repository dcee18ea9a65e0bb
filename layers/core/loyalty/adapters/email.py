"""SES (v2) edge: renders an email from the template files beside this module and sends it as raw MIME.

Raw, because only a raw message carries our own List-Unsubscribe / List-Unsubscribe-Post headers
(RFC 8058 one-click unsubscribe, which large mailbox providers require of bulk senders), and because
SES templates would keep the wording out of the repository. Templates are ``string.Template`` files:
``<kind>.subject.txt``, ``<kind>.txt`` and ``<kind>.html``, optionally per language
(``expiring.fr.txt`` is used for a member whose locale is ``fr`` or ``fr-CA``). Every value is escaped
for HTML except the ``*_html`` fragments, which callers build from escaped parts.
"""

from __future__ import annotations

import html
import string
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from loyalty.adapters import aws
from loyalty.settings import settings

if TYPE_CHECKING:
    from mypy_boto3_sesv2 import SESV2Client

TEMPLATES = Path(__file__).resolve().parent / "email_templates"
ONE_CLICK = "List-Unsubscribe=One-Click"


class SendFailed(Exception):
    """SES did not accept a message. ``code`` only: SES messages may quote addresses, logs must not."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Outgoing:
    kind: str
    sender: str
    to_address: str
    to_name: str | None
    unsubscribe_url: str
    content: Rendered


@cache
def _template(name: str) -> string.Template:
    return string.Template((TEMPLATES / name).read_text(encoding="utf-8"))


def _file(kind: str, part: str, locale: str | None) -> str:
    language = (locale or "").split("-")[0].lower()
    if language and (TEMPLATES / f"{kind}.{language}.{part}").is_file():
        return f"{kind}.{language}.{part}"
    return f"{kind}.{part}"


def one_line(value: str) -> str:
    """Whitespace collapsed: nothing a member typed can start a new header or line where it lands."""
    return " ".join(value.split())


def render(kind: str, values: Mapping[str, str], html_fragments: Mapping[str, str], locale: str | None) -> Rendered:
    """Fill the templates; a missing placeholder raises (better no email than a broken one)."""
    plain = {name: one_line(value) if name != "expiring_list" else value for name, value in values.items()}
    escaped = {name: html.escape(value, quote=True) for name, value in plain.items()}
    html_values = {**escaped, **html_fragments}
    return Rendered(
        subject=one_line(_template(_file(kind, "subject.txt", locale)).substitute(plain)),
        text=_filled(kind, "txt", locale, plain),
        html=_filled(kind, "html", locale, html_values),
    )


def _filled(kind: str, part: str, locale: str | None, values: Mapping[str, str]) -> str:
    """The kind's template with its values, ending in the footer every email shares (footer.<part>: why the
    member receives it, and how to unsubscribe)."""
    footer = _template(_file("footer", part, locale)).substitute(values)
    return _template(_file(kind, part, locale)).substitute(values, footer=footer)


def message(outgoing: Outgoing) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = outgoing.sender
    mail["To"] = formataddr((one_line(outgoing.to_name or ""), outgoing.to_address))
    mail["Subject"] = outgoing.content.subject
    mail["List-Unsubscribe"] = f"<{outgoing.unsubscribe_url}>"
    mail["List-Unsubscribe-Post"] = ONE_CLICK
    mail.set_content(outgoing.content.text)
    mail.add_alternative(outgoing.content.html, subtype="html")
    return mail


_client: aws.Client[SESV2Client] = aws.Client(
    lambda: boto3.client("sesv2", config=aws.config(3, connect_timeout=2, read_timeout=5))
)
reset = _client.reset


def send(outgoing: Outgoing) -> str:
    """Send one message; its SES message id. Raises SendFailed when SES refuses or cannot be reached."""
    try:
        answer = _client().send_email(
            FromEmailAddress=outgoing.sender,
            Destination={"ToAddresses": [outgoing.to_address]},
            Content={"Raw": {"Data": message(outgoing).as_bytes()}},
            EmailTags=[{"Name": "kind", "Value": outgoing.kind}],
        )
    except ClientError as error:
        raise SendFailed(str(error.response.get("Error", {}).get("Code", "ClientError"))) from None
    except BotoCoreError as error:
        raise SendFailed(type(error).__name__) from None
    return answer["MessageId"]


def unsubscribe_base_url() -> str:
    """Where the one-click unsubscribe route is served; the token is appended."""
    return settings().unsubscribe_url
