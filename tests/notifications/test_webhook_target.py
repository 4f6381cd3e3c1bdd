"""Which webhook targets are refused (`webhook_target`), and how the client resolves, checks and connects.

The end-to-end behaviour (the CLI refusing, deliveries dead-lettered, the setting) is in test_webhook_ssrf.py.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import ssl
from ipaddress import ip_address
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from backend.notifications import webhooks
from backend.notifications.webhook_target import WebhookTargetRefused, check_url, refusal, webhook_client
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.notifications.test_http1 import OK, scripted
from tests.notifications.test_webhooks import SECRET

pytestmark = pytest.mark.anyio


class FakeDns:
    """A resolver answering from a table, one answer list per call in turn (the last one repeats): a name that
    rebinds between the check and the send. Records every question."""

    def __init__(self, answers: dict[str, list[list[str]]]) -> None:
        self.answers, self.asked = answers, list[tuple[str, int]]()

    async def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append((host, port))
        if host not in self.answers:  # an address literal, as getaddrinfo answers it
            return [str(ip_address(host))]
        queue = self.answers[host]
        return queue.pop(0) if len(queue) > 1 else queue[0]


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("169.254.169.254", "link-local"),  # cloud metadata
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.5.4", "private"),
        ("192.168.0.10", "private"),
        ("100.64.0.1", "carrier-grade NAT"),
        ("100.127.255.254", "carrier-grade NAT"),
        ("0.0.0.0", "unspecified"),  # noqa: S104
        ("224.0.0.251", "multicast"),
        ("239.1.2.3", "multicast"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "address"),
        ("198.18.0.1", "private"),  # benchmarking
        ("192.0.2.1", "private"),  # documentation
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link-local"),
        ("fc00::1", "unique-local"),
        ("fd12:3456::1", "unique-local"),
        ("fec0::1", "site-local"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "IPv4-mapped"),
        ("::ffff:8.8.8.8", "IPv4-mapped"),  # refused even when public: a mapped address is never a partner's
        ("64:ff9b::a9fe:a9fe", "link-local"),  # NAT64 of 169.254.169.254
        ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
        ("::7f00:1", "reserved"),  # IPv4-compatible 127.0.0.1
        ("2001:db8::1", "address"),  # documentation
    ],
)
def test_non_public_addresses_are_refused(address: str, why: str) -> None:
    found = refusal(ip_address(address))
    assert found is not None and why in found, (address, found)


@pytest.mark.parametrize(
    "address",
    [
        "93.184.216.34",
        "8.8.8.8",
        "1.1.1.1",
        "2606:4700:4700::1111",
        "2a00:1450:4010:c0e::64",
        "64:ff9b::808:808",
        "100.128.0.1",
    ],
)
def test_public_addresses_pass(address: str) -> None:
    assert refusal(ip_address(address)) is None


PUBLIC_DNS = {
    "partner.example": [["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"]],
    "mixed.example": [["93.184.216.34", "10.0.0.5"]],
    "metadata.example": [["169.254.169.254"]],
}


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://partner.example/zan", "https"),
        ("ftp://partner.example/zan", "http(s)"),
        ("https://127.0.0.1/zan", "address 127.0.0.1 is a loopback"),
        ("https://127.0.0.1:6379/", "loopback"),
        ("https://169.254.169.254/latest/meta-data/", "link-local"),
        ("https://10.20.30.40/zan", "private"),
        ("https://100.64.7.7/zan", "carrier-grade NAT"),
        ("https://[::1]/zan", "loopback"),
        ("https://[::ffff:169.254.169.254]/zan", "IPv4-mapped"),
        ("https://[fd00::1]/zan", "unique-local"),
        ("https://metadata.example/zan", "169.254.169.254, a link-local"),
        ("https://mixed.example/zan", "10.0.0.5, a private"),  # one private answer among public ones is enough
        ("https://localhost/zan", "loopback"),  # the system resolver (/etc/hosts)
    ],
)
async def test_an_unsafe_url_is_refused_when_set(url: str, why: str) -> None:
    resolve = FakeDns({k: list(v) for k, v in PUBLIC_DNS.items()})
    kwargs = {} if "localhost" in url else {"resolve": resolve}
    with pytest.raises(WebhookTargetRefused) as refused:
        await check_url(url, allow_private=False, **kwargs)  # type: ignore[arg-type]
    assert why in str(refused.value)


async def test_a_public_https_url_passes_and_private_ones_pass_when_allowed() -> None:
    resolve = FakeDns({k: list(v) for k, v in PUBLIC_DNS.items()})
    await check_url("https://partner.example:8443/zan", allow_private=False, resolve=resolve)
    await check_url("https://93.184.216.34/zan", allow_private=False, resolve=resolve)
    assert resolve.asked == [("partner.example", 8443), ("93.184.216.34", 443)]
    await check_url("http://127.0.0.1:8080/zan", allow_private=True, resolve=resolve)


async def test_a_name_rebound_to_loopback_after_the_check_is_refused_at_send_time(
    webhook_receiver: WebhookReceiver,
) -> None:
    port = int(webhook_receiver.url("").rsplit(":", 1)[1])
    url = f"https://partner.example:{port}/zan"
    dns = FakeDns({"partner.example": [["93.184.216.34"], ["127.0.0.1"]]})
    await check_url(url, allow_private=False, resolve=dns)  # public when the operator set it

    async with webhook_client(allow_private=False, resolve=dns) as client:
        result = await webhooks.post(client, url, SECRET, "evt-1", b'{"event_id":"evt-1"}')
    assert (result.ok, result.permanent) == (False, True)
    assert result.error is not None and "partner.example resolves to 127.0.0.1, a loopback address" in result.error
    assert dns.asked == [("partner.example", port)] * 2
    assert webhook_receiver.deliveries == []


async def test_the_connection_goes_to_the_checked_address_with_the_urls_host(webhook_receiver: WebhookReceiver) -> None:
    """The OS never resolves the name (.example never resolves): the socket is opened to the address our resolver
    returned and checked, while the request still names the URL's host."""
    port = int(webhook_receiver.url("").rsplit(":", 1)[1])
    dns = FakeDns({"partner.example": [["127.0.0.1"]]})
    async with webhook_client(allow_private=True, resolve=dns) as client:
        result = await webhooks.post(
            client, f"http://partner.example:{port}/zan", SECRET, "evt-2", b'{"event_id":"evt-2"}'
        )
    assert result.ok, result
    (got,) = webhook_receiver.deliveries
    assert got.header("host") == f"partner.example:{port}" and got.path == "/zan"
    assert json.loads(got.body) == {"event_id": "evt-2"} and dns.asked == [("partner.example", port)]


def _tls_for(host: str, tmp_path: Path) -> tuple[ssl.SSLContext, ssl.SSLContext, list[str | None]]:
    """(server context recording each client's SNI, client context trusting only this certificate, the SNI list)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), False)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    sni: list[str | None] = []
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    server.sni_callback = lambda _sock, server_name, _ctx: sni.append(server_name)  # type: ignore[assignment,misc,func-returns-value]
    client = ssl.create_default_context(cafile=str(tmp_path / "cert.pem"))
    return server, client, sni


async def test_https_to_the_checked_address_keeps_sni_and_verifies_the_urls_host(tmp_path: Path) -> None:
    heads: list[bytes] = []

    async def answer(request: bytes, writer: asyncio.StreamWriter) -> None:
        heads.append(request)
        writer.write(OK)

    server_tls, client_tls, sni = _tls_for("partner.example", tmp_path)
    dns = FakeDns({"partner.example": [["127.0.0.1"]], "other.example": [["127.0.0.1"]]})
    async with scripted(answer, tls=server_tls) as (_server, base):
        port = int(base.rsplit(":", 1)[1])
        async with webhook_client(allow_private=True, resolve=dns, ssl_context=client_tls) as client:
            good = await webhooks.post(client, f"https://partner.example:{port}/zan", SECRET, "e", b'{"event_id":"e"}')
            # the same address under another name: the certificate is not that name's, so nothing is sent
            bad = await webhooks.post(client, f"https://other.example:{port}/zan", SECRET, "e", b'{"event_id":"e"}')
    assert good.ok, good
    assert sni[0] == "partner.example" and f"host: partner.example:{port}".encode() in heads[0].lower()
    assert not bad.ok and not bad.permanent and bad.error is not None and "certificate" in bad.error.lower()
    assert len(heads) == 1
