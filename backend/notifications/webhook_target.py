"""Where a partner webhook may go: https, to public addresses only, unless the installation allows private ones.

An operator sets the URL (`zan notifications webhook-set`). A typo or a compromised admin account must not turn
every status change of a partner's citizens into a POST to cloud metadata (169.254.169.254), Redis on 127.0.0.1, or
an internal 10.x service. So, unless `Settings.webhooks_may_reach_private` (ZAN_WEBHOOK_ALLOW_PRIVATE; on by
default only in embedded mode, where tests and demos call loopback receivers), the URL is checked twice:

- when it is set (`check_url`): https, and every address its host resolves to is public;
- at every connection (`webhook_client`): the host is resolved once, every address is checked, and the socket is
  opened to a checked address. The OS never resolves the name again, so a DNS answer that changes between the check
  and the connect (rebinding) cannot slip a private address in. TLS still verifies the certificate for the URL's
  host name (SNI) and the Host header is the URL's: only the address lookup is ours.

A refused target is not an outage: the delivery is dead-lettered at once with the reason (`zan notifications
stuck`), instead of being retried for a day.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable
from ipaddress import IPv4Address, IPv6Address, ip_address, ip_network
from typing import Any

import anyio
import httpcore
import httpx

from backend.partners.models import Partner

Resolve = Callable[[str, int], Awaitable[list[str]]]

ALLOW_SETTING = "ZAN_WEBHOOK_ALLOW_PRIVATE"
_CGNAT = ip_network("100.64.0.0/10")
_UNIQUE_LOCAL = ip_network("fc00::/7")
# NAT64 prefixes: on a NAT64 network 64:ff9b::a9fe:a9fe *is* 169.254.169.254
_NAT64 = (ip_network("64:ff9b::/96"), ip_network("64:ff9b:1::/48"))
# attempts per connection when a name has several addresses (each gets the request's whole connect timeout)
MAX_ADDRESSES = 3
# what partners.webhook_url holds
MAX_URL: int = Partner.__table__.c.webhook_url.type.length  # type: ignore[attr-defined]
# DNS limits (RFC 1035): a longer name or label makes the resolver raise UnicodeError instead of answering
_MAX_NAME, _MAX_LABEL = 253, 63
# httpx's own default pool limits (the transport's pool is rebuilt below with our network backend)
_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0)


class WebhookTargetRefused(Exception):
    """The webhook URL or an address its host resolves to is not allowed: permanent, retrying cannot help."""


def refusal(address: IPv4Address | IPv6Address) -> str | None:
    """Why a webhook must not be sent to `address`; None for a public address."""
    if isinstance(address, IPv6Address):
        if address.ipv4_mapped is not None:  # ::ffff:127.0.0.1 is 127.0.0.1 to a dual-stack socket
            return "an IPv4-mapped IPv6 address"
        if address in _UNIQUE_LOCAL:
            return "a unique-local IPv6 address"
        if address.is_site_local:
            return "a site-local IPv6 address"
        if any(address in net for net in _NAT64):  # what DNS64 gives for an IPv4-only host: judge that host
            embedded = IPv4Address(int(address) & 0xFFFFFFFF)
            why = refusal(embedded)
            return None if why is None else f"{why} ({embedded}) inside a NAT64 address"
        if address.sixtofour is not None and (why := refusal(address.sixtofour)) is not None:
            return f"{why} ({address.sixtofour}) inside a 6to4 address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_unspecified:
        return "an unspecified address"
    if isinstance(address, IPv4Address) and address in _CGNAT:
        return "a carrier-grade NAT address (100.64.0.0/10)"
    if address.is_reserved:
        return "a reserved address"
    if address.is_private:
        return "a private address"
    if not address.is_global:
        return "not a public address"
    return None


def _checked(host: str, addresses: Iterable[str], *, allow_private: bool) -> list[str]:
    """The addresses to connect to; refuses the host if *any* is not public (one bad answer among good ones is
    how a rebinding name hides)."""
    found = list(addresses)
    if not allow_private:
        for text in found:
            why = refusal(ip_address(text))
            if why is not None:
                where = f"webhook address {text} is" if text == host else f"webhook host {host} resolves to {text},"
                raise WebhookTargetRefused(
                    f"{where} {why}: only public addresses are allowed (set {ALLOW_SETTING}=true to allow private ones)"
                )
    return found


async def system_resolve(host: str, port: int) -> list[str]:
    """Every address the OS resolver gives for `host` (an address literal gives itself), in its order."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _parsed(url: str, *, allow_private: bool) -> httpx.URL:
    if len(url) > MAX_URL:  # else the database refuses it, and the operator reads a driver's traceback
        raise WebhookTargetRefused(f"longer than {MAX_URL} characters ({len(url)})")
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise WebhookTargetRefused(f"not a URL: {exc}") from exc
    if parsed.scheme not in ("https", "http") or not parsed.host:
        raise WebhookTargetRefused("must be an http(s) URL with a host")
    if parsed.scheme != "https" and not allow_private:
        raise WebhookTargetRefused(f"must be an https URL (set {ALLOW_SETTING}=true to allow http)")
    # httpx accepts these, the socket layer does not: its UnicodeError (resolver) or OverflowError (connect) is no
    # httpx error, and raised out of one partner's send it lost the outcomes of the whole chunk's webhooks
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise WebhookTargetRefused(f"port {parsed.port} is out of range")
    if (why := _bad_name(parsed.raw_host.decode("ascii", "replace"))) is not None:
        raise WebhookTargetRefused(f"webhook host {parsed.host} is not a valid host name: {why}")
    return parsed


def _bad_name(host: str) -> str | None:
    """Why `host` (an address literal or an ASCII, IDNA-encoded name) cannot be resolved; None if it can."""
    with contextlib.suppress(ValueError):
        ip_address(host)
        return None
    name = host[:-1] if host.endswith(".") else host  # one trailing dot: the fully qualified form
    if len(name) > _MAX_NAME:
        return f"longer than {_MAX_NAME} characters"
    if any(not 0 < len(label) <= _MAX_LABEL for label in name.split(".")):
        return f"an empty label or one longer than {_MAX_LABEL} characters"
    return None


async def check_url(url: str, *, allow_private: bool, resolve: Resolve = system_resolve) -> None:
    """Refuse a webhook URL when it is set (raises WebhookTargetRefused with the reason). Sending checks again."""
    parsed = _parsed(url, allow_private=allow_private)
    if allow_private:
        return
    port = parsed.port or 443
    try:
        addresses = await resolve(parsed.host, port)
    except OSError as exc:
        raise WebhookTargetRefused(f"webhook host {parsed.host} does not resolve: {exc}") from exc
    if not addresses:
        raise WebhookTargetRefused(f"webhook host {parsed.host} resolves to no address")
    _checked(parsed.host, addresses, allow_private=False)


class _PinnedBackend(httpcore.AsyncNetworkBackend):
    """Resolves each connection's host once, checks the answer, connects to those very addresses."""

    def __init__(self, *, allow_private: bool, resolve: Resolve) -> None:
        self._inner = httpcore.AnyIOBackend()
        self._allow_private, self._resolve = allow_private, resolve

    # the signatures are httpcore's interface, timeout parameter included
    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            with anyio.fail_after(timeout) if timeout is not None else contextlib.nullcontext():
                addresses = await self._resolve(host, port)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from exc
        except OSError as exc:  # an unknown name or a DNS outage: an ordinary failure, retried on schedule
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        last: Exception = httpcore.ConnectError(f"{host} resolves to no address")
        for address in _checked(host, addresses, allow_private=self._allow_private)[:MAX_ADDRESSES]:
            try:
                return await self._inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        raise last

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("webhooks are not sent to unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _WebhookTransport(httpx.AsyncHTTPTransport):
    def __init__(self, *, allow_private: bool, resolve: Resolve, ssl_context: ssl.SSLContext | None) -> None:
        super().__init__(trust_env=False)
        self._allow_private = allow_private
        # httpx takes no network backend: its pool is replaced by the same pool with ours (TLS as httpx sets it up)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context or httpx.create_ssl_context(trust_env=False),
            max_connections=_LIMITS.max_connections,
            max_keepalive_connections=_LIMITS.max_keepalive_connections,
            keepalive_expiry=_LIMITS.keepalive_expiry,
            network_backend=_PinnedBackend(allow_private=allow_private, resolve=resolve),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        _parsed(str(request.url), allow_private=self._allow_private)  # a URL stored before it was checked
        return await super().handle_async_request(request)


def webhook_client(
    *, allow_private: bool, resolve: Resolve = system_resolve, ssl_context: ssl.SSLContext | None = None
) -> httpx.AsyncClient:
    """The client webhooks are sent with: redirects not followed, no proxy from the environment (a proxy would
    resolve the name itself, past our check), every connection resolved and checked as above. `ssl_context`
    replaces the system CAs (a test's own CA); the certificate is always verified for the URL's host name."""
    return httpx.AsyncClient(
        transport=_WebhookTransport(allow_private=allow_private, resolve=resolve, ssl_context=ssl_context),
        follow_redirects=False,
        trust_env=False,
    )
