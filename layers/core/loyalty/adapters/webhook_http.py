"""Outbound webhook HTTP: where a subscriber's URL may point, and one POST to it.

SSRF: a deployed stack accepts only ``https`` URLs whose host resolves to public addresses, checked when
the webhook is stored and again at every delivery (DNS can change), and the POST connects to the very
address that was checked (the TLS handshake still verifies the certificate against the host name), so
a name that resolves to a public address for the check and to 169.254.169.254 for the connection
cannot slip through. Redirects are not followed. The local stack (``WEBHOOKS_ALLOW_LOOPBACK``) also
accepts ``http`` and loopback addresses, so a developer can point a webhook at a receiver on their machine.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 5.0
MAX_RESPONSE_BYTES = 64 * 1024
USER_AGENT = "loyalty-webhooks/1.0"

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeUrl(ValueError):
    """The URL may not receive webhooks (scheme, host, or the addresses it resolves to)."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str  # the checked address the POST connects to

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


@dataclass(frozen=True)
class Answer:
    status: int | None  # None: no HTTP answer (timeout, refused, TLS failure, unsafe address)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def _allowed(address: Address, allow_loopback: bool) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if allow_loopback and address.is_loopback:
        return True
    return address.is_global and not address.is_multicast


def _resolve(host: str, port: int) -> list[Address]:
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as error:
        raise UnsafeUrl(f"the host {host!r} does not resolve") from error
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


def check(url: str, allow_loopback: bool) -> Target:
    """The target of ``url`` if it may receive webhooks, else UnsafeUrl (the reason, not the URL)."""
    parts = urlsplit(url)
    schemes = ("https", "http") if allow_loopback else ("https",)
    if parts.scheme not in schemes:
        raise UnsafeUrl("the URL must use https")
    if not parts.hostname:
        raise UnsafeUrl("the URL has no host")
    if parts.username or parts.password:
        raise UnsafeUrl("the URL must not carry credentials")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise UnsafeUrl("the URL's port is not valid") from error
    addresses = _resolve(parts.hostname, port)
    if not addresses or not all(_allowed(address, allow_loopback) for address in addresses):
        where = "public or loopback" if allow_loopback else "public"
        raise UnsafeUrl(f"the host must resolve only to {where} addresses")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(parts.scheme, parts.hostname, port, path, str(addresses[0]))


class _PinnedHttps(http.client.HTTPSConnection):
    """HTTPS to a fixed address, with SNI and certificate checks for the URL's host name."""

    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout, context=ssl.create_default_context())
        self._target = target

    def connect(self) -> None:
        sock = socket.create_connection((self._target.address, self._target.port), timeout=CONNECT_TIMEOUT)
        sock.settimeout(self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self._target.host)  # type: ignore[attr-defined]


class _PinnedHttp(http.client.HTTPConnection):
    """Plain HTTP to a fixed (loopback) address: the local stack only."""

    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._target = target

    def connect(self) -> None:
        self.sock = socket.create_connection((self._target.address, self._target.port), timeout=CONNECT_TIMEOUT)
        self.sock.settimeout(self.timeout)


def post(url: str, headers: dict[str, str], body: str, allow_loopback: bool) -> Answer:
    """One POST; never raises for what the subscriber does (that is an Answer to retry)."""
    try:
        target = check(url, allow_loopback)
    except UnsafeUrl as error:
        return Answer(None, str(error))
    connection: http.client.HTTPConnection = (
        _PinnedHttps(target, READ_TIMEOUT) if target.scheme == "https" else _PinnedHttp(target, READ_TIMEOUT)
    )
    sent = {
        **headers,
        "Host": target.host_header,
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
    }
    try:
        connection.request("POST", target.path, body=body.encode("utf-8"), headers=sent)
        response = connection.getresponse()
        response.read(MAX_RESPONSE_BYTES)
        return Answer(response.status)
    except TimeoutError:
        return Answer(None, "timeout")
    except ssl.SSLError:
        return Answer(None, "tls error")
    except (OSError, http.client.HTTPException) as error:
        return Answer(None, type(error).__name__)
    finally:
        connection.close()
