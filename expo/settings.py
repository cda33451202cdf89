"""Settings read from the environment (EXPO_*), validated once at start-up.

A bad value raises ``SettingsError`` with a one-line explanation; the command line
(``expo.cli``) prints it and exits. The secret key is never part of ``repr()`` and never logged.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from expo.paths import DEFAULT_DATA_DIR

SQLITE_PRAGMAS = "journal_mode=WAL&busy_timeout=10000&synchronous=NORMAL&foreign_keys=ON"
DEFAULT_MAX_BODY = 12 * 1024 * 1024
LOCAL_HOSTS = ("127.0.0.1", "localhost")
_HOST_RE = re.compile(r"\*|(\*\.)?[a-z0-9_-]+(\.[a-z0-9_-]+)*|\[[0-9a-f:.]+\]")


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line meant for a person."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    user: str = ""
    password: str = field(default="", repr=False)
    sender: str = "expo@localhost"
    starttls: bool = True


@dataclass(frozen=True)
class WhatsAppCloudSettings:
    """The WhatsApp Business Cloud API (Meta): template messages from one business number."""

    token: str = field(repr=False)
    phone_number_id: str
    app_secret: str = field(default="", repr=False)  # checks the webhook's X-Hub-Signature-256
    verify_token: str = field(default="", repr=False)  # answers the webhook's subscription
    api_version: str = "v21.0"
    base_url: str = "https://graph.facebook.com"
    template_prefix: str = "expo_"


@dataclass(frozen=True)
class WhatsAppGatewaySettings:
    """A generic HTTP gateway (the kind Indonesian businesses rent): one POST per message."""

    url: str
    api_key: str = field(default="", repr=False)
    key_header: str = "Authorization"  # where the key goes; empty: in ``key_field``
    key_field: str = ""
    to_field: str = "target"
    text_field: str = "message"
    media_field: str = ""  # the field for an image URL, when the gateway takes one
    body_format: str = "form"  # form or json
    number_format: str = "62"  # 62: 62812...; 0: 0812...; +62: +62812...
    ok_field: str = ""  # a field of the JSON answer that must be true (e.g. status)
    id_field: str = ""  # the field of the JSON answer holding the message id
    webhook_secret: str = field(default="", repr=False)  # HMAC-SHA256 of delivery receipts
    signature_header: str = "X-Signature"


MIDTRANS_SANDBOX = "https://api.sandbox.midtrans.com"
MIDTRANS_PRODUCTION = "https://api.midtrans.com"
PAYMENT_PROVIDERS = ("midtrans",)


@dataclass(frozen=True)
class PaymentGatewaySettings:
    """The payment gateway for online booth fees (QRIS, bank virtual accounts). ``provider``
    "" (the default) means none: producers pay by transfer only."""

    provider: str = ""  # "" or "midtrans"
    server_key: str = field(default="", repr=False)  # Midtrans' server key: HTTP auth, signatures
    base_url: str = MIDTRANS_SANDBOX

    @property
    def enabled(self) -> bool:
        return bool(self.provider)


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str = field(repr=False)
    base_url: str = "http://127.0.0.1:8000"
    data_dir: Path = DEFAULT_DATA_DIR
    https_only: bool = False
    smtp: SmtpSettings | None = None
    max_body_size: int = DEFAULT_MAX_BODY
    debug: bool = False
    default_locale: str = "id"
    allowed_hosts: tuple[str, ...] = ()  # EXPO_ALLOWED_HOSTS; empty: LOCAL_HOSTS
    # EXPO_PREVIOUS_SECRET_KEYS: used only to open ticket keys sealed under an old secret.
    previous_secret_keys: tuple[str, ...] = field(default=(), repr=False)
    whatsapp_cloud: WhatsAppCloudSettings | None = None  # EXPO_WHATSAPP_PROVIDER=cloud
    whatsapp_gateway: WhatsAppGatewaySettings | None = None  # EXPO_WHATSAPP_PROVIDER=gateway
    # EXPO_PAYMENT_GATEWAY=midtrans (EXPO_MIDTRANS_*): online booth fees; off by default.
    payment_gateway: PaymentGatewaySettings = field(default_factory=PaymentGatewaySettings)
    # EXPO_WORKER: run the job worker inside ``expo serve`` (on by default in from_env; off
    # when a separate ``expo worker`` runs). Settings made in code (tests) start none.
    worker: bool = False
    worker_concurrency: int = 8
    # EXPO_DATABASE_DIRECT_URL: PostgreSQL itself, when EXPO_DATABASE_URL goes through a pooler
    # in transaction mode (PgBouncer), for the one connection per process that LISTENs
    # (``expo.invalidation``); empty: EXPO_DATABASE_URL.
    database_direct_url: str = ""

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite://")

    @property
    def secret_keys(self) -> tuple[str, ...]:
        """The current secret, then the previous ones (to open what they sealed)."""
        return (self.secret_key, *self.previous_secret_keys)

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def trusted_hosts(self) -> tuple[str, ...]:
        """Host names a request may carry: EXPO_BASE_URL's, then EXPO_ALLOWED_HOSTS (by default
        127.0.0.1 and localhost, for the machine itself)."""
        hostname = urlsplit(self.base_url).hostname or ""
        base = f"[{hostname}]" if ":" in hostname else hostname
        return tuple(dict.fromkeys((base, *(self.allowed_hosts or LOCAL_HOSTS))))

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        data_dir = Path(env.get("EXPO_DATA_DIR") or DEFAULT_DATA_DIR).resolve()
        database_url = _database_url(env.get("EXPO_DATABASE_URL", ""), data_dir)
        secret_key = _secret_key(env.get("EXPO_SECRET_KEY", ""), data_dir)
        return cls(
            database_url=database_url,
            secret_key=secret_key,
            previous_secret_keys=_previous_secret_keys(env.get("EXPO_PREVIOUS_SECRET_KEYS", ""),
                                                       secret_key),
            base_url=_base_url(env.get("EXPO_BASE_URL", "http://127.0.0.1:8000")),
            data_dir=data_dir,
            https_only=_flag(env, "EXPO_HTTPS_ONLY"),
            smtp=_smtp(env),
            max_body_size=_int(env, "EXPO_MAX_BODY_MB", DEFAULT_MAX_BODY // 2**20, 1, 512) * 2**20,
            debug=_flag(env, "EXPO_DEBUG"),
            allowed_hosts=_hosts(env.get("EXPO_ALLOWED_HOSTS", "")),
            whatsapp_cloud=_whatsapp_cloud(env),
            whatsapp_gateway=_whatsapp_gateway(env),
            payment_gateway=_payment_gateway(env),
            worker=_worker(env),
            worker_concurrency=_int(env, "EXPO_WORKER_CONCURRENCY", 8, 1, 64),
            database_direct_url=_direct_url(env.get("EXPO_DATABASE_DIRECT_URL", ""),
                                            data_dir),
        )


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _database_url(raw: str, data_dir: Path) -> str:
    raw = raw.strip()
    if not raw:
        return f"sqlite://{data_dir / 'expo.sqlite3'}?{SQLITE_PRAGMAS}"
    scheme = raw.split("://", 1)[0] if "://" in raw else ""
    if scheme == "sqlite":
        if "?" in raw or raw == "sqlite://:memory:":
            return raw
        return f"{raw}?{SQLITE_PRAGMAS}"
    if scheme in ("postgres", "postgresql", "asyncpg"):
        parts = urlsplit(raw)
        if not parts.hostname or not parts.path.strip("/"):
            raise SettingsError(
                "EXPO_DATABASE_URL must name a host and a database, "
                "e.g. postgres://user:pass@127.0.0.1:5432/expo"
            )
        return "postgres://" + raw.split("://", 1)[1]
    raise SettingsError(
        "EXPO_DATABASE_URL must start with sqlite:// or postgres://, got "
        f"{scheme + '://' if scheme else 'no scheme'}"
    )


def _direct_url(raw: str, data_dir: Path) -> str:
    if not raw.strip():
        return ""
    url = _database_url(raw, data_dir)
    if url.startswith("sqlite://"):
        raise SettingsError("EXPO_DATABASE_DIRECT_URL must start with postgres:// (PostgreSQL "
                            "itself, not through the connection pooler)")
    return url


def _secret_key(raw: str, data_dir: Path) -> str:
    raw = raw.strip()
    if raw:
        if len(raw) < 32:
            raise SettingsError("EXPO_SECRET_KEY must be at least 32 characters long")
        return raw
    path = data_dir / "secret_key"
    if path.exists():
        key = path.read_text().strip()
        if len(key) < 32:
            raise SettingsError(f"{path} holds a secret key shorter than 32 characters")
        return key
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(key + "\n")
    except FileExistsError:
        return path.read_text().strip()
    except OSError as exc:
        raise SettingsError(f"cannot write the secret key to {path}: {exc.strerror}") from None
    return key


def _previous_secret_keys(raw: str, current: str) -> tuple[str, ...]:
    """Old values of EXPO_SECRET_KEY, separated by commas, newest first. Signing keys sealed
    under one of them still open (``expo.visitors.keys.reencrypt_keys`` seals them anew)."""
    keys = [key.strip() for key in raw.split(",") if key.strip()]
    if any(len(key) < 32 for key in keys):
        raise SettingsError("EXPO_PREVIOUS_SECRET_KEYS must hold secret keys of at least 32 "
                            "characters, separated by commas")
    return tuple(key for key in dict.fromkeys(keys) if key != current)


def _base_url(raw: str) -> str:
    parts = urlsplit(raw.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(f"EXPO_BASE_URL must be an http(s) URL, got {raw!r}")
    return raw.strip().rstrip("/")


def _hosts(raw: str) -> tuple[str, ...]:
    hosts = tuple(h.strip().lower() for h in raw.split(",") if h.strip())
    for host in hosts:
        if not _HOST_RE.fullmatch(host):
            raise SettingsError(
                "EXPO_ALLOWED_HOSTS must be host names separated by commas, without scheme or "
                f"port (e.g. expo.example.go.id,192.168.1.10,*.example.go.id), got {host!r}")
    return hosts


def _smtp(env: Mapping[str, str]) -> SmtpSettings | None:
    host = env.get("EXPO_SMTP_HOST", "").strip()
    if not host:
        return None
    return SmtpSettings(
        host=host,
        port=_int(env, "EXPO_SMTP_PORT", 587, 1, 65535),
        user=env.get("EXPO_SMTP_USER", ""),
        password=env.get("EXPO_SMTP_PASSWORD", ""),
        sender=env.get("EXPO_SMTP_FROM", "") or "expo@" + host,
        starttls=env.get("EXPO_SMTP_STARTTLS", "true").lower() not in ("0", "false", "no"),
    )


def _worker(env: Mapping[str, str]) -> bool:
    raw = env.get("EXPO_WORKER", "").strip().lower()
    if raw in ("", "1", "true", "yes", "on", "in-process"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"EXPO_WORKER must be on or off, got {raw!r}")


def _required(env: Mapping[str, str], name: str, why: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise SettingsError(f"{name} is required {why}")
    return value


def _http_url(name: str, raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(f"{name} must be an http(s) URL, got {raw!r}")
    return raw.rstrip("/") if name.endswith("BASE_URL") else raw


def _provider(env: Mapping[str, str]) -> str:
    """EXPO_WHATSAPP_PROVIDER: empty (messages wait in the outbox with a wa.me link), cloud
    (EXPO_WA_CLOUD_*) or gateway (EXPO_WA_GATEWAY_*)."""
    provider = env.get("EXPO_WHATSAPP_PROVIDER", "").strip().lower()
    if provider in ("", "none", "off"):
        return ""
    if provider in ("cloud", "gateway"):
        return provider
    raise SettingsError(f"EXPO_WHATSAPP_PROVIDER must be cloud, gateway or empty, got {provider!r}")


def _whatsapp_cloud(env: Mapping[str, str]) -> WhatsAppCloudSettings | None:
    if _provider(env) != "cloud":
        return None
    why = "when EXPO_WHATSAPP_PROVIDER=cloud"
    return WhatsAppCloudSettings(
        token=_required(env, "EXPO_WA_CLOUD_TOKEN", why),
        phone_number_id=_required(env, "EXPO_WA_CLOUD_PHONE_NUMBER_ID", why),
        app_secret=env.get("EXPO_WA_CLOUD_APP_SECRET", "").strip(),
        verify_token=env.get("EXPO_WA_CLOUD_VERIFY_TOKEN", "").strip(),
        api_version=env.get("EXPO_WA_CLOUD_API_VERSION", "").strip() or "v21.0",
        base_url=_http_url("EXPO_WA_CLOUD_BASE_URL",
                           env.get("EXPO_WA_CLOUD_BASE_URL", "").strip()
                           or "https://graph.facebook.com"),
        template_prefix=env.get("EXPO_WA_CLOUD_TEMPLATE_PREFIX", "expo_").strip(),
    )


def _whatsapp_gateway(env: Mapping[str, str]) -> WhatsAppGatewaySettings | None:
    if _provider(env) != "gateway":
        return None
    why = "when EXPO_WHATSAPP_PROVIDER=gateway"
    body_format = env.get("EXPO_WA_GATEWAY_FORMAT", "form").strip().lower() or "form"
    if body_format not in ("form", "json"):
        raise SettingsError(f"EXPO_WA_GATEWAY_FORMAT must be form or json, got {body_format!r}")
    number_format = env.get("EXPO_WA_GATEWAY_NUMBER_FORMAT", "62").strip() or "62"
    if number_format not in ("62", "0", "+62"):
        raise SettingsError("EXPO_WA_GATEWAY_NUMBER_FORMAT must be 62, 0 or +62, got "
                            f"{number_format!r}")
    return WhatsAppGatewaySettings(
        url=_http_url("EXPO_WA_GATEWAY_URL", _required(env, "EXPO_WA_GATEWAY_URL", why)),
        api_key=env.get("EXPO_WA_GATEWAY_KEY", "").strip(),
        key_header=env.get("EXPO_WA_GATEWAY_KEY_HEADER", "Authorization").strip(),
        key_field=env.get("EXPO_WA_GATEWAY_KEY_FIELD", "").strip(),
        to_field=env.get("EXPO_WA_GATEWAY_TO_FIELD", "").strip() or "target",
        text_field=env.get("EXPO_WA_GATEWAY_TEXT_FIELD", "").strip() or "message",
        media_field=env.get("EXPO_WA_GATEWAY_MEDIA_FIELD", "").strip(),
        body_format=body_format,
        number_format=number_format,
        ok_field=env.get("EXPO_WA_GATEWAY_OK_FIELD", "").strip(),
        id_field=env.get("EXPO_WA_GATEWAY_ID_FIELD", "").strip(),
        webhook_secret=env.get("EXPO_WA_GATEWAY_WEBHOOK_SECRET", "").strip(),
        signature_header=env.get("EXPO_WA_GATEWAY_SIGNATURE_HEADER", "").strip()
        or "X-Signature",
    )


def _payment_gateway(env: Mapping[str, str]) -> PaymentGatewaySettings:
    """EXPO_PAYMENT_GATEWAY: empty (no online payment) or midtrans, which then needs
    EXPO_MIDTRANS_SERVER_KEY; EXPO_MIDTRANS_BASE_URL defaults to the sandbox. A sandbox key
    (``SB-Mid-server-...``) with the production URL, or a production key with the sandbox,
    is refused: Midtrans would answer every charge 401, with the producer waiting."""
    provider = env.get("EXPO_PAYMENT_GATEWAY", "").strip().lower()
    if provider in ("", "none", "off"):
        return PaymentGatewaySettings()
    if provider not in PAYMENT_PROVIDERS:
        raise SettingsError(f"EXPO_PAYMENT_GATEWAY must be midtrans or empty, got {provider!r}")
    key = _required(env, "EXPO_MIDTRANS_SERVER_KEY", "when EXPO_PAYMENT_GATEWAY=midtrans")
    base_url = _http_url("EXPO_MIDTRANS_BASE_URL",
                         env.get("EXPO_MIDTRANS_BASE_URL", "").strip() or MIDTRANS_SANDBOX)
    sandbox_key = key.startswith("SB-")
    if base_url == MIDTRANS_PRODUCTION and sandbox_key:
        raise SettingsError("EXPO_MIDTRANS_SERVER_KEY is a sandbox key (SB-...) but "
                            f"EXPO_MIDTRANS_BASE_URL is production ({MIDTRANS_PRODUCTION})")
    if base_url == MIDTRANS_SANDBOX and not sandbox_key and key.startswith("Mid-server-"):
        raise SettingsError("EXPO_MIDTRANS_SERVER_KEY is a production key but "
                            f"EXPO_MIDTRANS_BASE_URL is the sandbox ({MIDTRANS_SANDBOX}); set "
                            f"EXPO_MIDTRANS_BASE_URL={MIDTRANS_PRODUCTION}")
    return PaymentGatewaySettings(provider=provider, server_key=key, base_url=base_url)
