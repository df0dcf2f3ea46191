"""The aiohttp client behind every Bot API call: what it sends, how it fails, its limits.

The end-to-end tests use it against the fake Bot API; these check the parts they do not
reach: uploads, the pool limit, a stalled server, a closed port, TLS and the lifecycle.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import certifi
import pytest
from aiohttp import BodyPartReader, web
from telegram import InputFile
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData
from telegram.request._requestparameter import RequestParameter

from bot.telegram_http import AiohttpRequest, tls_context

OK_BODY = {"ok": True, "result": {"answer": 42}}


@dataclass
class Seen:
    """What the test server received."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    in_flight: int = 0
    most_in_flight: int = 0


Handler = Callable[[web.Request, Seen], Awaitable[web.StreamResponse]]


async def record_form(request: web.Request, seen: Seen) -> web.StreamResponse:
    """Keep the method, headers and form fields (file parts as name, filename, bytes)."""
    fields: dict[str, Any] = {}
    if request.content_type == "multipart/form-data":
        reader = await request.multipart()
        async for part in reader:
            assert isinstance(part, BodyPartReader)
            data = await part.read()
            fields[str(part.name)] = (
                (part.filename, bytes(data)) if part.filename else data.decode()
            )
    else:
        fields = dict(await request.post())
    seen.requests.append(
        {
            "method": request.method,
            "path": request.path,
            "content_type": request.content_type,
            "user_agent": request.headers.get("User-Agent"),
            "fields": fields,
        }
    )
    return web.json_response(OK_BODY)


def slow(seconds: float) -> Handler:
    """A handler that answers after ``seconds``, counting requests in flight."""

    async def handle(request: web.Request, seen: Seen) -> web.StreamResponse:
        seen.in_flight += 1
        seen.most_in_flight = max(seen.most_in_flight, seen.in_flight)
        try:
            await asyncio.sleep(seconds)
        finally:
            seen.in_flight -= 1
        return web.json_response(OK_BODY)

    return handle


class Server:
    """A local HTTP server on 127.0.0.1 whose behaviour each test picks."""

    def __init__(self, handler: Handler) -> None:
        self.seen = Seen()
        self._handler = handler
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        """Listen on a free port."""

        async def handle(request: web.Request) -> web.StreamResponse:
            return await self._handler(request, self.seen)

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/bot123:abc/sendMessage"

    async def stop(self) -> None:
        """Stop listening and drop open connections."""
        if self._runner is not None:
            await self._runner.cleanup()


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Handler], Awaitable[Server]]]:
    servers: list[Server] = []

    async def start(handler: Handler) -> Server:
        server = Server(handler)
        await server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.stop()


def client(pool: int = 4, read: float = 2.0) -> AiohttpRequest:
    return AiohttpRequest(
        connection_pool_size=pool,
        connect_timeout=2.0,
        read_timeout=read,
        write_timeout=2.0,
        pool_timeout=2.0,
    )


def params(**values: Any) -> RequestData:
    return RequestData([RequestParameter.from_input(k, v) for k, v in values.items()])


async def test_a_post_sends_form_fields_and_returns_the_result(
    serve: Callable[[Handler], Awaitable[Server]],
) -> None:
    server = await serve(record_form)
    async with client() as request:
        result = await request.post(
            server.url,
            request_data=params(chat_id=7, text="<b>API</b> › caching", reply_markup={"a": [1]}),
        )
    assert result == OK_BODY["result"]
    [seen] = server.seen.requests
    assert seen["method"] == "POST"
    assert seen["path"] == "/bot123:abc/sendMessage"
    assert seen["content_type"] == "application/x-www-form-urlencoded"
    assert seen["user_agent"] == BaseRequest.USER_AGENT
    assert seen["fields"] == {
        "chat_id": "7",
        "text": "<b>API</b> › caching",
        "reply_markup": '{"a": [1]}',
    }


async def test_a_file_goes_as_multipart_with_the_other_fields(
    serve: Callable[[Handler], Awaitable[Server]],
) -> None:
    server = await serve(record_form)
    upload = InputFile(b"glossary\n", filename="entries.txt")
    async with client() as request:
        await request.post(server.url, request_data=params(chat_id=7, document=upload))
    assert upload.attach_name is None  # sent in place, under the parameter's own name
    [seen] = server.seen.requests
    assert seen["content_type"] == "multipart/form-data"
    assert seen["fields"] == {"chat_id": "7", "document": ("entries.txt", b"glossary\n")}


async def test_the_pool_bounds_connections_and_queued_calls_still_complete(
    serve: Callable[[Handler], Awaitable[Server]],
) -> None:
    server = await serve(slow(0.05))
    async with client(pool=2) as request:
        results = await asyncio.gather(*(request.post(server.url) for _ in range(6)))
    assert results == [OK_BODY["result"]] * 6
    assert server.seen.most_in_flight == 2


async def test_a_server_that_does_not_answer_in_time_is_a_timeout(
    serve: Callable[[Handler], Awaitable[Server]],
) -> None:
    server = await serve(slow(2.0))
    async with client(read=0.2) as request:
        with pytest.raises(TimedOut):
            await request.post(server.url)
        # a per-call read timeout (what getUpdates passes for a long poll) is honoured
        with pytest.raises(TimedOut):
            await request.post(server.url, read_timeout=0.1)


async def test_a_closed_port_is_a_network_error_naming_the_cause() -> None:
    server = Server(record_form)
    await server.start()
    url = server.url
    await server.stop()
    async with client() as request:
        with pytest.raises(NetworkError, match=r"^aiohttp\.ClientConnectorError: "):
            await request.post(url)


async def test_it_can_be_shut_down_and_started_again(
    serve: Callable[[Handler], Awaitable[Server]],
) -> None:
    server = await serve(record_form)
    request = client()
    with pytest.raises(NetworkError, match="not initialized"):  # PTB wraps the RuntimeError
        await request.post(server.url)
    await request.initialize()
    await request.shutdown()
    await request.shutdown()  # twice is fine, as the app may do it
    await request.initialize()
    try:
        assert await request.post(server.url) == OK_BODY["result"]
    finally:
        await request.shutdown()
    assert request.read_timeout == 2.0


def test_a_pool_needs_a_connection() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        client(pool=0)


def test_tls_trusts_certifi_unless_the_environment_names_other_certificates(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    default = tls_context()
    assert default.verify_mode == ssl.CERT_REQUIRED and default.check_hostname
    expected = ssl.create_default_context(cafile=certifi.where()).cert_store_stats()["x509_ca"]
    assert default.cert_store_stats()["x509_ca"] == expected > 0

    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    with pytest.raises(FileNotFoundError):  # proves the variable is read
        tls_context()
