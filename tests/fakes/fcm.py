"""Fake FCM HTTP v1 API and Google OAuth token endpoint on loopback, for the real firebase-admin 7.7 SDK.

    with FakeFCM() as fcm:
        app = configure_firebase_app(fcm)             # generated service account, token_uri -> the fake
        fcm.set_behaviour("tok-gone", "unregistered")
        batch = await messaging.send_each_async([messaging.Message(token="tok-gone")], app=app)
        assert isinstance(batch.responses[0].exception, messaging.UnregisteredError)
        await delete_firebase_app(app)

Endpoints (one server):
- ``POST /token`` — the OAuth 2.0 JWT-bearer grant google-auth uses for service accounts. The assertion is verified
  (RS256 signature against the generated service account's key; ``aud`` is Google's token URL — google-auth
  signs that whatever the token_uri — or the fake's own; a cloud-platform/firebase.messaging scope); the answer is
  ``{"access_token", "expires_in", "token_type": "Bearer"}``.
- ``POST /v1/projects/{project}/messages:send`` — checks ``Authorization: Bearer`` against the tokens issued above
  (401 UNAUTHENTICATED otherwise; the SDK then refreshes and retries), validates the message (exactly one of
  token/fid/topic/condition), records it and answers ``{"name": "projects/{project}/messages/{id}"}``. Errors use the
  real FCM v1 shape: ``{"error": {"code", "message", "status", "details": [{"@type":
  "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": ...}]}}``, which is what makes the SDK raise
  ``UnregisteredError``, ``SenderIdMismatchError``, ``QuotaExceededError``...

How firebase-admin 7.7 connects (read from the installed source):
- ``send_each_async`` uses ``_http_client.HttpxAsyncClient``: an ``httpx.AsyncClient`` whose transport
  (``_retry.HttpxRetryTransport``) always passes ``http2=True``. Over ``http://`` httpx negotiates HTTP/2 only via
  TLS ALPN, so against plain http on loopback it speaks HTTP/1.1 — no h2c, nothing to configure (recorded per request
  in ``SentPush.http_version``). One request per message, concurrently via ``asyncio.gather``.
- Retries: 500 and 503 are retried by the transport up to 4 times with backoff 0, 1, 2, 4 s (the Retry-After header
  is ignored); 429 is not retried. So "503 once then OK" costs no sleep, "twice" costs 1 s.
- Auth: ``GoogleAuthCredentialFlow`` calls ``credential.before_request`` with a *synchronous* ``requests`` transport
  from inside the async flow: the token refresh blocks the event loop. The OAuth fake therefore must not run in the
  caller's loop (ours runs on its own thread). A 401 from FCM triggers up to 2 forced refreshes.
- google-auth >= 2.62 starts a background "Regional Access Boundary" lookup to
  ``https://iamcredentials.googleapis.com/...`` after each token use (not redirectable; it fails offline and enters
  a cooldown). ``configure_firebase_app`` pre-seeds the boundary so tests make no outbound attempt.
- ``firebase_admin.delete_app`` calls ``asyncio.run(client.aclose())``: it raises inside a running loop. Use
  ``await delete_firebase_app(app)`` (runs it in a worker thread).
- The httpx client is created with the app's messaging service and binds to the event loop of its first use; do not
  share one App across tests that each get a fresh event loop — create it per test (function-scoped fixture).

Pointing the SDK at a custom base URL (what production's ``fcm_base_url`` setting needs):
firebase-admin has no public option for the FCM endpoint. ``_MessagingService.__init__`` formats the class constant
``FCM_URL = 'https://fcm.googleapis.com/v1/projects/{0}/messages:send'`` with the app's project id into the instance
attribute ``_fcm_url``, once per App, and every send path (``send``, ``send_each``, ``send_each_async``) posts to
``self._fcm_url``. The cleanest hook is per App, right after ``initialize_app`` and before the first send — see
``point_messaging_at`` below::

    service = messaging._get_messaging_service(app)       # creates and caches the App's service
    service._fcm_url = f"{base}/v1/projects/{app.project_id}/messages:send"

Both names are private: pin ``firebase-admin==7.7.0`` and keep the guard that raises if they disappear. (Setting the
class attribute ``_MessagingService.FCM_URL`` also works but is process-wide and only affects services created
afterwards.) The OAuth side needs no hook: google-auth posts to the ``token_uri`` of the service-account JSON, so a
test service account whose ``token_uri`` is ``{fake}/token`` is all it takes (``FakeFCM.service_account``).
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import functools
import itertools
import secrets
import threading
import time
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any, Literal, Self
from urllib.parse import parse_qs

import firebase_admin
import jwt
import msgspec
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from firebase_admin import credentials, messaging

from tests.fakes._http1_server import Http1Server, Request, Response, json_response
from tests.fakes._loopback import wait_until, wait_until_async

FCM_ERROR_TYPE = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
BAD_REQUEST_TYPE = "type.googleapis.com/google.rpc.BadRequest"
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"  # google-auth always signs this aud
JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ACCEPTED_SCOPES = frozenset(
    {"https://www.googleapis.com/auth/firebase.messaging", "https://www.googleapis.com/auth/cloud-platform"}
)
ANY_TARGET = "*"

Behaviour = Literal["ok", "unregistered", "sender_id_mismatch", "invalid_argument", "quota", "unavailable", "internal"]

# behaviour -> (HTTP status, google.rpc status, message, FCM errorCode)
_ERRORS: dict[str, tuple[int, str, str, str]] = {
    "unregistered": (404, "NOT_FOUND", "Requested entity was not found.", "UNREGISTERED"),
    "sender_id_mismatch": (403, "PERMISSION_DENIED", "SenderId mismatch", "SENDER_ID_MISMATCH"),
    "invalid_argument": (
        400,
        "INVALID_ARGUMENT",
        "The registration token is not a valid FCM registration token",
        "INVALID_ARGUMENT",
    ),
    "quota": (
        429,
        "RESOURCE_EXHAUSTED",
        "Quota exceeded for quota metric 'Send messages' and limit 'Send messages per minute'.",
        "QUOTA_EXCEEDED",
    ),
    "unavailable": (503, "UNAVAILABLE", "The service is currently unavailable.", "UNAVAILABLE"),
    "internal": (500, "INTERNAL", "Internal error encountered.", "INTERNAL"),
}


@dataclass
class _Rule:
    behaviour: Behaviour
    times: int | None  # None: every request; N: the next N requests, then "ok"
    retry_after: int
    latency: float


@dataclass(frozen=True)
class SentPush:
    """One accepted (status 200) send request."""

    project: str
    message: dict[str, Any]
    validate_only: bool
    message_id: str
    http_version: str

    @property
    def target(self) -> str:
        for key in ("token", "fid", "topic", "condition"):
            if key in self.message:
                return str(self.message[key])
        return ""


@dataclass(frozen=True)
class SendAttempt:
    """Any request to messages:send, including failures and retries."""

    project: str
    target: str
    status: int
    behaviour: str


@dataclass
class _State:
    keys: dict[str, tuple[str, Any]] = field(default_factory=dict)  # client_email -> (project_id, public key)
    access_tokens: dict[str, str | None] = field(default_factory=dict)  # token -> project (None: any project)
    token_requests: int = 0
    rules: dict[str, _Rule] = field(default_factory=dict)
    pushes: list[SentPush] = field(default_factory=list)
    attempts: list[SendAttempt] = field(default_factory=list)


class FakeFCM:
    """FCM HTTP v1 ``messages:send`` plus the Google OAuth ``/token`` endpoint, on 127.0.0.1.

    Served by `Http1Server` (asyncio + httptools), not aiohttp: the fan-out benchmark sends one request per push,
    and the fake's CPU per request is charged to the same machine as the sender it measures.
    """

    def __init__(self, *, token_lifetime: int = 3600) -> None:
        self._server = Http1Server(self.handle, thread_name="fake-fcm")
        self.token_lifetime = token_lifetime
        self._changed = threading.Condition(threading.RLock())
        self._state = _State()
        self._ids = itertools.count(1)

    # -- configuration ---------------------------------------------------------------------------------------------
    @property
    def token_uri(self) -> str:
        return f"{self.base_url}/token"

    def service_account(self, project_id: str = "zan-test") -> dict[str, Any]:
        """A throwaway service-account JSON (fresh client_email, shared RSA key) whose token_uri is this fake."""
        client_email = f"firebase-adminsdk-{uuid.uuid4().hex[:6]}@{project_id}.iam.gserviceaccount.com"
        info = generate_service_account(self.token_uri, project_id=project_id, client_email=client_email)
        public_key = serialization.load_pem_private_key(info["private_key"].encode(), password=None).public_key()
        with self._changed:
            self._state.keys[client_email] = (project_id, public_key)
        return info

    def add_access_token(self, token: str, project: str | None = None) -> None:
        """Accept `token` as a bearer token (for a static-token ``credentials.Base`` instead of a service account)."""
        with self._changed:
            self._state.access_tokens[token] = project

    def revoke_access_tokens(self) -> None:
        """Forget every issued token: the next send gets 401 and the SDK must refresh."""
        with self._changed:
            self._state.access_tokens.clear()

    def set_behaviour(
        self,
        target: str,
        behaviour: Behaviour,
        *,
        times: int | None = None,
        retry_after: int = 1,
        latency: float = 0.0,
    ) -> None:
        """How sends to `target` (a registration token, FID, topic, or ANY_TARGET) are answered.

        `times=None` applies to every request; `times=N` to the next N, then requests succeed ("quota twice then OK").
        `retry_after` is the Retry-After header of "quota" (and "unavailable") answers; `latency` delays each answer.
        """
        with self._changed:
            self._state.rules[target] = _Rule(behaviour, times, retry_after, latency)

    def set_latency(self, seconds: float, target: str = ANY_TARGET) -> None:
        """Delay every answer for `target` by `seconds` (successes included)."""
        self.set_behaviour(target, "ok", latency=seconds)

    def reset(self) -> None:
        """Forget messages, attempts and behaviours (issued tokens and keys stay valid)."""
        with self._changed:
            self._state.rules.clear()
            self._state.pushes.clear()
            self._state.attempts.clear()

    # -- assertions ------------------------------------------------------------------------------------------------
    @property
    def pushes(self) -> list[SentPush]:
        """Accepted messages, in arrival order (dry runs included, see `SentPush.validate_only`)."""
        with self._changed:
            return list(self._state.pushes)

    def pushes_to(self, target: str) -> list[SentPush]:
        return [push for push in self.pushes if push.target == target]

    @property
    def attempts(self) -> list[SendAttempt]:
        """Every messages:send request with its answered status (shows SDK retries)."""
        with self._changed:
            return list(self._state.attempts)

    @property
    def connections_accepted(self) -> int:
        """TCP connections opened to the fake so far (OAuth and FCM together): shows whether clients keep them alive."""
        return self._server.accepted

    @property
    def token_requests(self) -> int:
        """How many OAuth token grants were answered."""
        with self._changed:
            return self._state.token_requests

    def wait_for_pushes(self, count: int, timeout: float = 5.0) -> list[SentPush]:
        return wait_until(lambda: self._at_least(count), timeout, f"{count} FCM messages", self._changed)

    async def wait_for_pushes_async(self, count: int, timeout: float = 5.0) -> list[SentPush]:  # noqa: ASYNC109
        return await wait_until_async(lambda: self._at_least(count), timeout, f"{count} FCM messages")

    def _at_least(self, count: int) -> list[SentPush] | None:
        with self._changed:
            return list(self._state.pushes) if len(self._state.pushes) >= count else None

    # -- server ----------------------------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return self._server.base_url

    def start(self) -> str:
        return self._server.start()

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def handle(self, request: Request) -> Response | Awaitable[Response]:
        """Route one request (subclasses add endpoints by overriding this and calling super)."""
        if request.path == "/token":
            return self._token(request) if request.method == "POST" else Response(405)
        if request.path.startswith("/v1/projects/") and request.path.endswith("/messages:send"):
            project = request.path[len("/v1/projects/"):-len("/messages:send")]
            if project and "/" not in project:
                return self._send(request, project) if request.method == "POST" else Response(405)
        return json_response({"error": {"code": 404, "message": "Not found", "status": "NOT_FOUND"}}, 404)

    def _token(self, request: Request) -> Response:
        form = {key: values[0] for key, values in parse_qs(request.body.decode("latin-1")).items()}
        if form.get("grant_type") != JWT_BEARER_GRANT:
            return _oauth_error("unsupported_grant_type", "Only the JWT bearer grant is supported by this fake.")
        assertion = form.get("assertion", "")
        try:
            unverified = jwt.decode(assertion, options={"verify_signature": False})
            with self._changed:
                project, key = self._state.keys[unverified["iss"]]
            audience = [GOOGLE_TOKEN_AUDIENCE, self.token_uri]
            claims = jwt.decode(assertion, key=key, algorithms=["RS256"], audience=audience)
        except (KeyError, jwt.PyJWTError) as exc:
            return _oauth_error("invalid_grant", f"Invalid JWT: {exc}")
        if not ACCEPTED_SCOPES & set(str(claims.get("scope", "")).split()):
            return _oauth_error("invalid_scope", "No scope allows Firebase Cloud Messaging.")
        token = f"ya29.fake-{secrets.token_urlsafe(24)}"
        with self._changed:
            self._state.access_tokens[token] = project
            self._state.token_requests += 1
        return json_response({"access_token": token, "expires_in": self.token_lifetime, "token_type": "Bearer"})

    def _send(self, request: Request, project: str) -> Response | Awaitable[Response]:
        auth = request.headers.get("authorization", "")
        bearer = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None
        with self._changed:
            known = bearer is not None and bearer in self._state.access_tokens
            token_project = self._state.access_tokens.get(bearer) if known and bearer else None
        if not known:
            return self._reject(project, "", 401, "UNAUTHENTICATED", "Request had invalid authentication credentials.")
        if token_project is not None and token_project != project:
            text = f"Permission 'cloudmessaging.messages.create' denied on resource '//cloudresourcemanager.googleapis.com/projects/{project}'"  # noqa: E501
            return self._reject(project, "", 403, "PERMISSION_DENIED", text)
        try:
            body = request.json()
            message = body["message"]
            targets = [key for key in ("token", "fid", "topic", "condition") if key in message]
        except (msgspec.DecodeError, KeyError, TypeError):
            return self._reject(project, "", 400, "INVALID_ARGUMENT", "Invalid JSON payload received.")
        if len(targets) != 1:
            return self._reject(project, "", 400, "INVALID_ARGUMENT", "Exactly one of token, topic or condition.")
        target = str(message[targets[0]])
        rule = self._take_rule(target)
        if rule and rule.latency:
            return self._answer_later(rule.latency, request, project, body, target, targets[0], rule)
        return self._answer(request, project, body, target, targets[0], rule)

    async def _answer_later(self, delay: float, *args: Any) -> Response:
        await asyncio.sleep(delay)
        return self._answer(*args)

    def _answer(self, request: Request, project: str, body: dict[str, Any], target: str, field_name: str,
                rule: _Rule | None) -> Response:
        if rule and rule.behaviour != "ok":
            return self._fcm_error(project, target, field_name, rule)
        message_id = f"0:{int(time.time() * 1000)}%{next(self._ids):08x}"
        push = SentPush(
            project=project,
            message=body["message"],
            validate_only=bool(body.get("validate_only")),
            message_id=message_id,
            http_version=request.http_version,
        )
        with self._changed:
            self._state.pushes.append(push)
            self._state.attempts.append(SendAttempt(project, target, 200, "ok"))
            self._changed.notify_all()
        name = "fake_message_id" if push.validate_only else message_id
        return json_response({"name": f"projects/{project}/messages/{name}"})

    def _take_rule(self, target: str) -> _Rule | None:
        with self._changed:
            for key in (target, ANY_TARGET):
                rule = self._state.rules.get(key)
                if rule is None:
                    continue
                if rule.times is not None:
                    if rule.times <= 0:
                        return _Rule("ok", None, rule.retry_after, rule.latency)
                    rule.times -= 1
                return rule
        return None

    def _fcm_error(self, project: str, target: str, field_name: str, rule: _Rule) -> Response:
        status, rpc_status, text, code = _ERRORS[rule.behaviour]
        details: list[dict[str, Any]] = [{"@type": FCM_ERROR_TYPE, "errorCode": code}]
        if rule.behaviour == "invalid_argument":
            details.append(
                {
                    "@type": BAD_REQUEST_TYPE,
                    "fieldViolations": [{"field": f"message.{field_name}", "description": text}],
                }
            )
        headers = {"Retry-After": str(rule.retry_after)} if rule.behaviour in ("quota", "unavailable") else {}
        with self._changed:
            self._state.attempts.append(SendAttempt(project, target, status, rule.behaviour))
            self._changed.notify_all()
        body = {"error": {"code": status, "message": text, "status": rpc_status, "details": details}}
        return json_response(body, status, headers)

    def _reject(self, project: str, target: str, status: int, rpc_status: str, text: str) -> Response:
        with self._changed:
            self._state.attempts.append(SendAttempt(project, target, status, rpc_status.lower()))
            self._changed.notify_all()
        return json_response({"error": {"code": status, "message": text, "status": rpc_status}}, status)


def _oauth_error(error: str, description: str) -> Response:
    return json_response({"error": error, "error_description": description}, 400)


# -- service accounts and the SDK ------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _private_key_pem() -> str:
    """One RSA key per test process (generation costs ~50 ms); service accounts differ by client_email."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def generate_service_account(
    token_uri: str, *, project_id: str = "zan-test", client_email: str | None = None
) -> dict[str, Any]:
    """A service-account JSON in the Firebase console's format, signed with a locally generated RSA key."""
    email = client_email or f"firebase-adminsdk-test@{project_id}.iam.gserviceaccount.com"
    return {
        "type": "service_account",
        "project_id": project_id,
        "private_key_id": secrets.token_hex(20),
        "private_key": _private_key_pem(),
        "client_email": email,
        "client_id": str(secrets.randbelow(10**20)),
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_uri,
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": f"https://www.googleapis.com/robot/v1/metadata/x509/{email.replace('@', '%40')}",
        "universe_domain": "googleapis.com",
    }


def point_messaging_at(app: firebase_admin.App, base_url: str) -> None:
    """Send this App's FCM messages to `base_url` instead of https://fcm.googleapis.com (firebase-admin 7.7).

    The hook production's ``fcm_base_url`` override needs; call it after ``initialize_app``, before the first send.
    """
    service = messaging._get_messaging_service(app)
    if not hasattr(service, "_fcm_url"):
        raise RuntimeError(f"firebase-admin {firebase_admin.__version__} changed _MessagingService; re-check the hook")
    service._fcm_url = f"{base_url.rstrip('/')}/v1/projects/{app.project_id}/messages:send"


def _skip_access_boundary_lookup(credential: Any) -> None:
    """Pre-seed google-auth's Regional Access Boundary so it never looks it up on iamcredentials.googleapis.com."""
    seed = getattr(credential, "_set_regional_access_boundary", None)
    if seed is not None:
        expiry = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(days=1)
        seed({"encodedLocations": "0x0", "expiry": expiry})


def configure_firebase_app(
    fake: FakeFCM, *, project_id: str = "zan-test", name: str | None = None, http_timeout: float = 10.0
) -> firebase_admin.App:
    """A firebase-admin App authenticated against the fake OAuth endpoint and sending to the fake FCM.

    Delete it with ``await delete_firebase_app(app)`` (async tests) or ``firebase_admin.delete_app(app)`` (sync).
    """
    certificate = credentials.Certificate(fake.service_account(project_id))
    _skip_access_boundary_lookup(certificate.get_credential())
    app = firebase_admin.initialize_app(
        certificate,
        {"projectId": project_id, "httpTimeout": http_timeout},
        name=name or f"zan-test-{uuid.uuid4().hex[:8]}",
    )
    point_messaging_at(app, fake.base_url)
    return app


async def delete_firebase_app(app: firebase_admin.App) -> None:
    """``firebase_admin.delete_app`` from async code (it runs ``asyncio.run`` inside, which a running loop forbids)."""
    await asyncio.to_thread(firebase_admin.delete_app, app)


def registration_token(label: str = "device") -> str:
    """A registration-token-looking string (FCM tokens are ~160 url-safe characters with a colon)."""
    return f"{label}-{secrets.token_hex(4)}:APA91b{base64.urlsafe_b64encode(secrets.token_bytes(96)).decode()}"
