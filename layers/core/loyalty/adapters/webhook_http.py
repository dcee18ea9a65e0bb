"""Outbound webhook HTTP: where a subscriber's URL may point, and one POST to it.

SSRF: a deployed stack accepts only ``https`` URLs whose host resolves to public addresses, checked when
the webhook is stored and again at every delivery (DNS can change), and the POST connects to the very
address that was checked (the TLS handshake still verifies the certificate against the host name), so
a name that resolves to a public address for the check and to 169.254.169.254 for the connection
cannot slip through. Redirects are not followed. The local stack (``WEBHOOKS_ALLOW_LOOPBACK``) also
accepts ``http`` and loopback addresses, so a developer can point a webhook at a receiver on their machine.

"Public" is Python's ``is_global`` and more: IPv6 forms that carry or reach an IPv4 address (NAT64
64:ff9b::/96 and 64:ff9b:1::/48, IPv4-compatible ::a.b.c.d, IPv4-mapped ::ffff:a.b.c.d, Teredo) are
refused whatever they embed, since a translator on the path would turn them into that IPv4 address,
private or not; 6to4 (2002::/16) is refused when the IPv4 address it embeds is not public; multicast and
site-local (fec0::/10, which ``is_global`` lets through) too.

Each attempt has one deadline (``ATTEMPT_SECONDS``) for resolving the host, connect, TLS, sending and
the whole answer: a subscriber that trickles its answer a byte at a time never holds a worker past it,
because a watchdog shuts the socket down when it passes (a socket timeout alone is per read, and a
trickle resets it).
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 5.0
# The whole attempt, wall clock: connect + TLS + send + the answer (the function's timeout leaves room).
ATTEMPT_SECONDS = 10.0
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


# IPv6 ranges that stand for an IPv4 address (RFC 6052 NAT64, RFC 8215 local NAT64, RFC 4291
# IPv4-compatible and IPv4-mapped, RFC 4380 Teredo): refused whatever they embed.
_IPV4_CARRIERS = tuple(
    ipaddress.IPv6Network(net) for net in ("64:ff9b::/96", "64:ff9b:1::/48", "::/96", "::ffff:0:0/96", "2001::/32")
)
_SITE_LOCAL = ipaddress.IPv6Network("fec0::/10")


def _public(address: Address) -> bool:
    return address.is_global and not address.is_multicast and not address.is_unspecified


def _allowed(address: Address, allow_loopback: bool) -> bool:
    if allow_loopback and address.is_loopback:
        return True
    if isinstance(address, ipaddress.IPv6Address):
        if any(address in net for net in _IPV4_CARRIERS) or address in _SITE_LOCAL:
            return False
        if address.sixtofour is not None and not _public(address.sixtofour):
            return False
    return _public(address)


class ResolveTimeout(TimeoutError):
    """The host's name did not resolve within the attempt's deadline."""


def _resolve(host: str, port: int, within: float | None = None) -> list[Address]:
    """The host's addresses; with ``within``, ResolveTimeout after that many seconds (getaddrinfo cannot
    be interrupted, so it runs on a daemon thread that is left to finish on its own)."""
    found: list[Address] = []
    failure: list[BaseException] = []

    def lookup() -> None:
        try:
            infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
            found.extend(ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos)
        except (socket.gaierror, UnicodeError) as error:
            failure.append(error)

    if within is None:
        lookup()
    else:
        thread = threading.Thread(target=lookup, daemon=True)
        thread.start()
        thread.join(within)
        if thread.is_alive():
            raise ResolveTimeout(host)
    if failure:
        raise UnsafeUrl(f"the host {host!r} does not resolve") from failure[0]
    return found


def check(url: str, allow_loopback: bool, within: float | None = None) -> Target:
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
    addresses = _resolve(parts.hostname, port, within)
    if not addresses or not all(_allowed(address, allow_loopback) for address in addresses):
        where = "public or loopback" if allow_loopback else "public"
        raise UnsafeUrl(f"the host must resolve only to {where} addresses")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(parts.scheme, parts.hostname, port, path, str(addresses[0]))


class _PinnedHttps(http.client.HTTPSConnection):
    """HTTPS to a fixed address, with SNI and certificate checks for the URL's host name."""

    def __init__(self, target: Target, deadline: _Deadline) -> None:
        super().__init__(target.host, target.port, timeout=READ_TIMEOUT, context=ssl.create_default_context())
        self._target = target
        self._deadline = deadline

    def connect(self) -> None:
        sock = self._deadline.connect(self._target)
        # The handshake after the watch: a server trickling its handshake is cut off at the deadline too.
        tls = self._context.wrap_socket(  # type: ignore[attr-defined]
            sock, server_hostname=self._target.host, do_handshake_on_connect=False
        )
        self._deadline.watch(tls)
        tls.do_handshake()
        self.sock = tls


class _PinnedHttp(http.client.HTTPConnection):
    """Plain HTTP to a fixed (loopback) address: the local stack only."""

    def __init__(self, target: Target, deadline: _Deadline) -> None:
        super().__init__(target.host, target.port, timeout=READ_TIMEOUT)
        self._target = target
        self._deadline = deadline

    def connect(self) -> None:
        self.sock = self._deadline.connect(self._target)


class _Deadline:
    """One wall-clock limit for a whole attempt. Socket timeouts bound each call only (a server sending a
    byte every few seconds never trips them), so a timer shuts the socket down at the deadline: whatever
    call is blocked on it then returns at once, and the attempt ends as a timeout."""

    def __init__(self, seconds: float) -> None:
        self._ends = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self.passed = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def left(self) -> float:
        return max(0.001, self._ends - time.monotonic())

    def connect(self, target: Target) -> socket.socket:
        sock = socket.create_connection((target.address, target.port), timeout=min(CONNECT_TIMEOUT, self.left()))
        sock.settimeout(min(READ_TIMEOUT, self.left()))
        self.watch(sock)
        return sock

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            expired = self.passed
        if expired:  # the deadline passed while this socket was being made
            self._shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.passed = True
            sockets = list(self._sockets)
        for sock in sockets:
            self._shut(sock)

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        # socket.socket's own shutdown, also on an SSLSocket: SSLSocket.shutdown would drop its SSL
        # object under the thread that is reading through it.
        with contextlib.suppress(OSError):  # closed or never connected: nothing left to stop
            socket.socket.shutdown(sock, socket.SHUT_RDWR)

    def cancel(self) -> None:
        self._timer.cancel()


def post(url: str, headers: dict[str, str], body: str, allow_loopback: bool) -> Answer:
    """One POST, within ATTEMPT_SECONDS in all; never raises for what the subscriber does (that is an
    Answer to retry)."""
    deadline = _Deadline(ATTEMPT_SECONDS)
    try:
        target = check(url, allow_loopback, within=deadline.left())
    except (UnsafeUrl, ResolveTimeout) as error:
        deadline.cancel()
        return Answer(None, "timeout" if isinstance(error, ResolveTimeout) else str(error))
    connection: http.client.HTTPConnection = (
        _PinnedHttps(target, deadline) if target.scheme == "https" else _PinnedHttp(target, deadline)
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
        if deadline.passed:  # the answer was cut short: it did not come within the deadline
            return Answer(None, "timeout")
        return Answer(response.status)
    except TimeoutError:
        return Answer(None, "timeout")
    except ssl.SSLError:
        return Answer(None, "timeout" if deadline.passed else "tls error")
    except (OSError, http.client.HTTPException, ValueError) as error:
        return Answer(None, "timeout" if deadline.passed else type(error).__name__)
    finally:
        deadline.cancel()
        connection.close()
