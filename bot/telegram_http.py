"""The bot's HTTP client towards the Bot API: python-telegram-bot's request interface on aiohttp.

Why not python-telegram-bot's default (``HTTPXRequest``): under load it was most of the
bot's CPU. httpcore 1.0's connection pool re-examines every pooled connection (a ``poll``
and a ``getpeername`` each) several times per request, and with the 10-30 connections a
busy bot keeps open that cost 1-1.5 ms of CPU per reply; the same call through aiohttp
costs about 0.2 ms (benchmarks/BOT_LOAD.md). Everything above this class (JSON, error
mapping from Telegram's answers, the rate limiter, retries) is still python-telegram-bot's.

What stays as it was with httpx: HTTP/1.1 with keep-alive (idle connections closed after
5 s), the same User-Agent, proxies from ``HTTPS_PROXY``/``HTTP_PROXY``/``NO_PROXY``, TLS
verified against certifi's CA bundle unless ``SSL_CERT_FILE`` or ``SSL_CERT_DIR`` says
otherwise, transport failures raised as ``TimedOut`` or ``NetworkError``, and each request
logged at DEBUG (``HTTP Request: POST <url> <status>``) on a logger kept at WARNING by
``logging_setup`` because the URL carries the token.
"""

from __future__ import annotations

import logging
import os
import ssl
from typing import Any

import aiohttp
import certifi
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

logger = logging.getLogger(__name__)

KEEPALIVE_SECONDS = 5.0  # httpx's keep-alive expiry, kept


def tls_context() -> ssl.SSLContext:
    """Certificates to trust, chosen as httpx chooses them (so TLS behaves as before)."""
    if os.environ.get("SSL_CERT_FILE"):
        return ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
    if os.environ.get("SSL_CERT_DIR"):
        return ssl.create_default_context(capath=os.environ["SSL_CERT_DIR"])
    return ssl.create_default_context(cafile=certifi.where())


def _total(*parts: float | None) -> float | None:
    """A bound on the whole exchange: the sum of its phases' timeouts; None if any is unbounded."""
    if any(part is None for part in parts):
        return None
    return sum(part for part in parts if part is not None)


class AiohttpRequest(BaseRequest):
    """python-telegram-bot's ``BaseRequest`` on one ``aiohttp.ClientSession``.

    Timeouts mean what they mean for ``HTTPXRequest``: ``connect`` to open a connection,
    ``pool`` to wait for a free one (``connection_pool_size`` connections at most),
    ``read`` between bytes of the answer. aiohttp has no per-write timeout, so ``write``
    only widens the bound on the whole exchange (pool + connect + write + read), which
    keeps a stalled upload from hanging forever.
    """

    def __init__(
        self,
        *,
        connection_pool_size: int,
        connect_timeout: float | None,
        read_timeout: float | None,
        write_timeout: float | None,
        pool_timeout: float | None,
    ) -> None:
        if connection_pool_size < 1:
            raise ValueError("connection_pool_size must be at least 1")
        self._pool_size = connection_pool_size
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout; python-telegram-bot adds the long-poll time to it."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session (inside the running event loop, as aiohttp requires)."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=self._pool_size, keepalive_timeout=KEEPALIVE_SECONDS, ssl=tls_context()
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                headers={"User-Agent": self.USER_AGENT},
                trust_env=True,  # proxies from the environment, as httpx did
            )

    async def shutdown(self) -> None:
        """Close the session and its connections; a later ``initialize`` opens a new one."""
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(  # noqa: PLR0917 - python-telegram-bot's signature
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send one request; returns the status code and the body, as python-telegram-bot wants."""
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        read = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        write = self._write_timeout if isinstance(write_timeout, DefaultValue) else write_timeout
        connect = (
            self._connect_timeout if isinstance(connect_timeout, DefaultValue) else connect_timeout
        )
        pool = self._pool_timeout if isinstance(pool_timeout, DefaultValue) else pool_timeout
        timeout = aiohttp.ClientTimeout(
            total=_total(pool, connect, write, read),
            connect=_total(pool, connect),  # aiohttp's connect includes waiting for the pool
            sock_connect=connect,
            sock_read=read,
        )
        try:
            async with session.request(
                method, url, data=_body(request_data), timeout=timeout
            ) as response:
                body = await response.read()
        except TimeoutError as exc:  # aiohttp's timeouts are TimeoutErrors too
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("HTTP Request: %s %s %d", method, url, response.status)
        return response.status, body


def _body(request_data: RequestData | None) -> Any:
    """The request body: form fields, or multipart when files are uploaded."""
    if request_data is None:
        return None
    files = request_data.multipart_data
    if not files:
        return request_data.json_parameters  # sent as application/x-www-form-urlencoded
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in files.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form
