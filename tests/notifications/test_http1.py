"""Http1Transport (the HTTP/1.1 pool under firebase-admin's FCM client) against scripted loopback servers."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from backend.lib.http1 import Http1Transport

pytestmark = pytest.mark.anyio

OK_BODY = b'{"ok": true}'
OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(OK_BODY), OK_BODY)
Answer = Callable[[bytes, asyncio.StreamWriter], Awaitable[None]]
Pool = Callable[..., Http1Transport]


class Scripted:
    """A raw HTTP/1.1 server: `answer(request_head_and_body, writer)` writes whatever the test wants."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.connections = 0
        self.open = 0
        self.most_open = 0

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.open += 1
        self.most_open = max(self.most_open, self.open)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                body = await reader.readexactly(length)
                await self.answer(head + body, writer)
                if writer.is_closing():
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            self.open -= 1
            writer.close()


@asynccontextmanager
async def scripted(answer: Answer, tls: ssl.SSLContext | None = None) -> AsyncIterator[tuple[Scripted, str]]:
    server = Scripted(answer)
    listener = await asyncio.start_server(server.serve, "127.0.0.1", 0, ssl=tls)
    port = listener.sockets[0].getsockname()[1]
    try:
        yield server, f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    finally:
        listener.close()


@pytest.fixture
async def pool() -> AsyncIterator[Pool]:
    """Http1Transport factory; every pool made is closed after the test."""
    made: list[Http1Transport] = []

    def make(**options: object) -> Http1Transport:
        made.append(Http1Transport(**options))  # type: ignore[arg-type]
        return made[-1]

    yield make
    for transport in made:
        await transport.aclose()


async def ok(request: bytes, writer: asyncio.StreamWriter) -> None:
    writer.write(OK)


async def post(transport: Http1Transport, url: str, read_timeout_s: float = 5.0) -> httpx.Response:
    """One request through `transport` (a client per call would close the transport's pool when it is closed)."""
    client = httpx.AsyncClient(transport=transport, timeout=read_timeout_s)
    return await client.post(url, json={"message": {"token": "t"}})


async def test_sequential_requests_share_one_kept_alive_connection(pool: Pool) -> None:
    seen: list[bytes] = []

    async def record(request: bytes, writer: asyncio.StreamWriter) -> None:
        seen.append(request)
        writer.write(OK)

    async with scripted(record) as (server, url):
        transport = pool(max_connections=4)
        client = httpx.AsyncClient(transport=transport)
        for _ in range(5):
            response = await client.post(f"{url}/v1/send", json={"n": 1})
            assert response.status_code == 200 and response.json() == {"ok": True}
            assert response.http_version == "HTTP/1.1"
        await client.aclose()
    assert server.connections == 1
    head, _, body = seen[0].partition(b"\r\n\r\n")
    assert head.startswith(b"POST /v1/send HTTP/1.1\r\n") and b"\r\nContent-Length: 7" in head and body == b'{"n":1}'


async def test_chunked_and_close_delimited_bodies(pool: Pool) -> None:
    answers = [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n3\r\n: 1\r\n1\r\n}\r\n0\r\n\r\n",
               b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n{\"b\": 2}"]

    async def next_answer(request: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(answers.pop(0))
        if not answers:
            await writer.drain()
            writer.close()

    async with scripted(next_answer) as (server, url):
        transport = pool()
        assert (await post(transport, url)).json() == {"a": 1}
        assert (await post(transport, url)).json() == {"b": 2}  # read until the server closed
        answers.append(OK)
        assert (await post(transport, url)).status_code == 200  # a new connection: the old one said close
    assert server.connections == 2


async def test_a_connection_the_server_closed_while_idle_is_not_reused(pool: Pool) -> None:
    async def answer_and_hang_up(request: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(OK)  # keep-alive by the headers, then closed anyway (an idle timeout on the server)
        await writer.drain()
        writer.close()

    async with scripted(answer_and_hang_up) as (server, url):
        transport = pool()
        for _ in range(3):
            assert (await post(transport, url)).status_code == 200
            await asyncio.sleep(0.05)  # let the FIN arrive before the next request
    assert server.connections == 3


async def test_concurrent_requests_never_open_more_than_max_connections(pool: Pool) -> None:
    async def slow(request: bytes, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(0.02)
        writer.write(OK)

    async with scripted(slow) as (server, url):
        transport = pool(max_connections=2)
        async with httpx.AsyncClient(transport=transport) as client:
            responses = await asyncio.gather(*(client.post(url, json={}) for _ in range(12)))
    assert [r.status_code for r in responses] == [200] * 12
    assert server.most_open == 2 and server.connections == 2


async def test_failures_raise_the_httpx_errors_firebase_admin_maps(pool: Pool) -> None:
    async def hang_up(request: bytes, writer: asyncio.StreamWriter) -> None:
        writer.close()

    async def never_answer(request: bytes, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(1)  # well past the client's read timeout

    async with scripted(hang_up) as (_, url):
        with pytest.raises(httpx.RemoteProtocolError):
            await post(pool(), url)
    async with scripted(never_answer) as (_, url):
        with pytest.raises(httpx.ReadTimeout):
            await post(pool(), url, read_timeout_s=0.2)
    with pytest.raises(httpx.ConnectError):  # the server above is gone: nothing listens on that port
        await post(pool(), url)


def _self_signed(tmp_path: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=1))
            .not_valid_after(now + dt.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .sign(key, hashes.SHA256()))
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                         serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    client = ssl.create_default_context(cafile=str(tmp_path / "cert.pem"))
    client.set_alpn_protocols(["http/1.1"])
    return server, client


async def test_https_keeps_its_tls_connection_alive(pool: Pool, tmp_path: Path) -> None:
    server_tls, client_tls = _self_signed(tmp_path)
    async with scripted(ok, tls=server_tls) as (server, url):
        transport = pool(ssl_context=client_tls)
        async with httpx.AsyncClient(transport=transport) as client:
            for _ in range(3):
                assert (await client.post(url, json={})).json() == {"ok": True}
    assert server.connections == 1
    async with scripted(ok, tls=server_tls) as (_, url):  # the default context checks the certificate
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            await post(pool(), url)
