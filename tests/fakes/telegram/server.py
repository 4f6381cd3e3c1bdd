"""The fake Bot API server (`FakeTelegram`) and the transport methods: getUpdates long polling and webhooks."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web

from tests.fakes._loopback import LoopbackServer
from tests.fakes.telegram import media, methods
from tests.fakes.telegram.bot import FakeBot
from tests.fakes.telegram.state import ApiCall, BotState, Hub, InjectedError, Webhook, unix_now
from tests.fakes.telegram.wire import ApiError, Upload, bad_request, parse_call

SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
)
POLL_CONFLICT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
HANDLERS = {**methods.METHODS, **media.METHODS}


@dataclass(frozen=True)
class WebhookAttempt:
    """One POST of an update to a bot's webhook."""

    token: str
    update_id: int
    status: int | None  # None: no HTTP answer (timeout, refused)
    error: str | None


class FakeTelegram(LoopbackServer):
    """Bot API on 127.0.0.1: ``/bot{token}/{method}`` and ``/file/bot{token}/{path}``.

    `webhook_timeout` is how long a webhook POST may take before it counts as failed and is re-delivered after
    `webhook_retry_delay` (Telegram waits longer; tests want seconds). `strict_chats=True` answers "400 chat not
    found" when the bot writes to a chat that never wrote to it. `download_delay` (seconds, settable while running)
    holds each file download that long before answering, as a slow network between a bot and Telegram does, and
    `downloads_held` counts the downloads that took a delay: a test lowers it once the download it meant to slow has
    one, not after a guessed pause; `FakeBot.hold_next` holds one call until the test lets it go.
    """

    thread_name = "fake-telegram"

    def __init__(
        self, *, webhook_timeout: float = 5.0, webhook_retry_delay: float = 0.2, strict_chats: bool = False
    ) -> None:
        super().__init__()
        self.webhook_timeout = webhook_timeout
        self.webhook_retry_delay = webhook_retry_delay
        self.hub = Hub()
        self.hub.strict_chats = strict_chats
        self.hub.wake = lambda token: self.call_in_loop(self._wake, token)
        self.webhook_attempts: list[WebhookAttempt] = []
        self.download_delay = 0.0
        self.downloads_held = 0
        self._events: dict[str, asyncio.Event] = {}
        self._deliveries: dict[str, asyncio.Task[None]] = {}
        self._session: aiohttp.ClientSession | None = None
        self._stopping = False
        self._transport: dict[str, Callable[[BotState, dict[str, Any]], Awaitable[Any]]] = {
            "getupdates": self._get_updates,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
        }

    # -- test-side API -----------------------------------------------------------------------------------------------
    def register_bot(self, token: str, *, username: str | None = None, first_name: str = "Zan Test Bot") -> FakeBot:
        """Make `token` valid (others get 401) and return the test's handle on that bot."""
        self.hub.register(token, username or f"zan_test_{token.split(':')[0]}_bot", first_name)
        return FakeBot(self, token)

    def push_update(self, token: str, update: dict[str, Any]) -> dict[str, Any]:
        """Queue a raw Update for the bot (update_id assigned when missing); returns it."""
        return self.hub.push_update(token, update)

    def fail_next(
        self,
        method: str,
        error_code: int = 429,
        *,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        token: str | None = None,
    ) -> None:
        """Answer the next `times` calls of `method` ("*" for any) with an error, e.g. 429 with retry_after."""
        parameters = None
        if error_code == 429:
            retry_after = retry_after if retry_after is not None else 1
            parameters = {"retry_after": retry_after}
            description = description or f"Too Many Requests: retry after {retry_after}"
        default = {
            400: "Bad Request",
            403: "Forbidden",
            409: "Conflict",
            500: "Internal Server Error",
            502: "Bad Gateway",
        }.get(error_code, "Error")
        with self.hub.changed:
            self.hub.injected.append(
                InjectedError(method.lower(), token, error_code, description or default, parameters, times)
            )

    @property
    def requests_log(self) -> list[ApiCall]:
        """Every Bot API call received, in order (errors included)."""
        with self.hub.changed:
            return list(self.hub.calls)

    def calls(self, method: str | None = None, token: str | None = None) -> list[ApiCall]:
        return [
            call
            for call in self.requests_log
            if (method is None or call.method.lower() == method.lower()) and token in (None, call.token)
        ]

    def aiogram_api(self) -> Any:
        """``aiogram.client.telegram.TelegramAPIServer`` for this fake (pass to ``AiohttpSession(api=...)``)."""
        from aiogram.client.telegram import TelegramAPIServer

        return TelegramAPIServer.from_base(self.base_url)

    @property
    def ptb_base_url(self) -> str:
        """For ``Application.builder().base_url(...)`` (python-telegram-bot appends the token)."""
        return f"{self.base_url}/bot"

    @property
    def ptb_base_file_url(self) -> str:
        return f"{self.base_url}/file/bot"

    # -- server --------------------------------------------------------------------------------------------------------
    def build_app(self) -> web.Application:
        self._stopping = False
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        return app

    async def on_stopping(self) -> None:
        self._stopping = True
        with self.hub.changed:
            for held in self.hub.held:
                held.release()
        for event in self._events.values():
            event.set()
        for task in self._deliveries.values():
            task.cancel()
        await asyncio.gather(*self._deliveries.values(), return_exceptions=True)
        self._deliveries.clear()
        self._events.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _event(self, token: str) -> asyncio.Event:
        return self._events.setdefault(token, asyncio.Event())

    def _wake(self, token: str) -> None:
        self._event(token).set()

    async def _api(self, request: web.Request) -> web.Response:
        token, method = request.match_info["token"], request.match_info["method"]
        body = await request.read()
        try:
            params, uploads = parse_call(request.headers.get("Content-Type", ""), body, dict(request.query))
        except ApiError as exc:
            params, uploads = {}, {}
            status, text = exc.error_code, json.dumps(exc.payload())
        else:
            status, text = await self._dispatch(token, method, params, uploads)
        call = ApiCall(
            token, method, copy.deepcopy(params), {k: u.data for k, u in uploads.items()}, status, json.loads(text)
        )
        self.hub.record(call)
        return web.Response(status=status, text=text, content_type="application/json")

    async def _dispatch(
        self, token: str, method: str, params: dict[str, Any], uploads: dict[str, Upload]
    ) -> tuple[int, str]:
        """(HTTP status, JSON text) of one call; the JSON is produced under the lock (state may change after)."""
        bot = self.hub.bot(token)
        try:
            if bot is None:
                raise ApiError(401, "Unauthorized")
            name = method.lower()
            held = self.hub.take_held(token, name, params)
            if held is not None:
                held.reached.set()
                await asyncio.to_thread(held.released.wait)  # released by the test thread (or on_stopping)
            injected = self.hub.take_injected(token, name)
            if injected is not None:
                raise ApiError(injected.error_code, injected.description, injected.parameters)
            if name in self._transport:
                result = await self._transport[name](bot, params)
                with self.hub.changed:
                    return 200, json.dumps({"ok": True, "result": result})
            handler = HANDLERS.get(name)
            if handler is None:
                raise ApiError(404, "Not Found")
            with self.hub.changed:
                return 200, json.dumps({"ok": True, "result": handler(self.hub, bot, params, uploads)})
        except ApiError as exc:
            return exc.error_code, json.dumps(exc.payload())

    async def _download(self, request: web.Request) -> web.Response:
        if self.hub.bot(request.match_info["token"]) is None:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        with self.hub.changed:
            stored = self.hub.files_by_path.get(request.match_info["path"])
        if stored is None or stored.data is None:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        delay = self.download_delay  # read once: a test may lower it as soon as this download is counted
        if delay > 0:
            self.downloads_held += 1
            await asyncio.sleep(delay)  # downloads answered side by side, each after the delay
        return web.Response(body=stored.data, content_type=stored.mime_type or "application/octet-stream")

    # -- getUpdates ----------------------------------------------------------------------------------------------------
    async def _get_updates(self, bot: BotState, params: dict[str, Any]) -> Any:
        offset = params.get("offset")
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = max(float(params.get("timeout") or 0), 0.0)
        event = self._event(bot.token)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        with self.hub.changed:
            if "allowed_updates" in params:
                bot.allowed_updates = params["allowed_updates"] or None
            bot.poll_generation += 1
            generation = bot.poll_generation
        while True:
            event.clear()
            with self.hub.changed:
                if bot.webhook is not None:
                    raise ApiError(409, WEBHOOK_CONFLICT)
                if generation != bot.poll_generation:
                    raise ApiError(409, POLL_CONFLICT)
                if isinstance(offset, int) and offset < 0:
                    bot.updates = bot.updates[offset:]
                elif isinstance(offset, int):
                    bot.updates = [u for u in bot.updates if u["update_id"] >= offset]
                batch = copy.deepcopy(bot.updates[:limit])
            remaining = deadline - loop.time()
            if batch or remaining <= 0 or self._stopping:
                return batch
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    # -- webhooks ------------------------------------------------------------------------------------------------------
    async def _set_webhook(self, bot: BotState, params: dict[str, Any]) -> Any:
        url = str(params.get("url") or "")
        if not url:
            return await self._delete_webhook(bot, params)
        if not url.startswith(("https://", "http://")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not SECRET_TOKEN.match(str(secret)):
            raise bad_request("secret token contains unallowed characters")
        with self.hub.changed:
            bot.webhook = Webhook(
                url=url,
                secret_token=secret,
                max_connections=int(params.get("max_connections") or 40),
                allowed_updates=params.get("allowed_updates") or None,
                ip_address=params.get("ip_address"),
            )
            if params.get("drop_pending_updates"):
                bot.updates.clear()
        self._wake(bot.token)
        task = self._deliveries.get(bot.token)
        if task is None or task.done():
            self._deliveries[bot.token] = asyncio.get_running_loop().create_task(self._deliver(bot.token))
        return True

    async def _delete_webhook(self, bot: BotState, params: dict[str, Any]) -> Any:
        with self.hub.changed:
            bot.webhook = None
            if params.get("drop_pending_updates"):
                bot.updates.clear()
        self._wake(bot.token)
        return True

    async def _get_webhook_info(self, bot: BotState, params: dict[str, Any]) -> Any:
        with self.hub.changed:
            hook = bot.webhook
            info: dict[str, Any] = {
                "url": hook.url if hook else "",
                "has_custom_certificate": False,
                "pending_update_count": len(bot.updates),
            }
            if hook is not None:
                info["max_connections"] = hook.max_connections
                optional = {
                    "ip_address": hook.ip_address,
                    "allowed_updates": hook.allowed_updates,
                    "last_error_date": hook.last_error_date,
                    "last_error_message": hook.last_error_message,
                }
                info |= {key: value for key, value in optional.items() if value is not None}
            return info

    async def _deliver(self, token: str) -> None:
        """POST queued updates one at a time, oldest first; keep re-delivering one until the bot answers 2xx."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
        event = self._event(token)
        while not self._stopping:
            event.clear()
            with self.hub.changed:
                bot = self.hub.bots[token]
                hook = bot.webhook
                if hook is None:
                    return
                update = copy.deepcopy(bot.updates[0]) if bot.updates else None
            if update is None:
                await event.wait()
                continue
            status, error, reply = await self._post_update(hook, update)
            with self.hub.changed:
                self.webhook_attempts.append(WebhookAttempt(token, update["update_id"], status, error))
                if error is None:
                    if bot.updates and bot.updates[0]["update_id"] == update["update_id"]:
                        bot.updates.pop(0)
                else:
                    hook.last_error_date, hook.last_error_message = unix_now(), error
            self.hub.notify()
            if error is not None:
                await asyncio.sleep(self.webhook_retry_delay)
            elif reply is not None:
                await self._run_webhook_reply(token, *reply)

    async def _post_update(
        self, hook: Webhook, update: dict[str, Any]
    ) -> tuple[int | None, str | None, tuple[str, bytes] | None]:
        assert self._session is not None
        headers = {"Content-Type": "application/json"}
        if hook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
        try:
            timeout = aiohttp.ClientTimeout(total=self.webhook_timeout)
            async with self._session.post(hook.url, data=json.dumps(update), headers=headers, timeout=timeout) as r:
                body = await r.read()
                if not 200 <= r.status < 300:
                    return r.status, f"Wrong response from the webhook: {r.status} {r.reason}", None
                return r.status, None, (r.headers.get("Content-Type", ""), body)
        except TimeoutError:
            return None, "Read timeout expired", None
        except aiohttp.ClientError as exc:
            return None, f"Connection failed: {exc}", None

    async def _run_webhook_reply(self, token: str, content_type: str, body: bytes) -> None:
        """A webhook answer may carry one method call (``{"method": "sendMessage", ...}``): Telegram executes it."""
        try:
            params, uploads = parse_call(content_type, body, {})
        except ApiError:
            return
        method = params.pop("method", None)
        if not isinstance(method, str):
            return
        status, text = await self._dispatch(token, method, params, uploads)
        self.hub.record(
            ApiCall(token, method, params, {k: u.data for k, u in uploads.items()}, status, json.loads(text), True)
        )
