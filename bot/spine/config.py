"""Configuration: defaults, then the environment (and `.env`), then a test override.

Read inside the app factory, never at import, so tests and CLI commands can build their own.
A malformed setting stops start-up with one line naming it (ConfigError).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from urllib.parse import urlparse

from sqlalchemy.engine import make_url

# The in-process fake LINE API of sandbox mode accepts this token; the sandbox signs with this secret.
SANDBOX_TOKEN = "sandbox-access-token"
SANDBOX_SECRET = "sandbox-channel-secret"
# Sandbox mode's LINE Login channel: the fake LINE signs ID tokens with this secret.
SANDBOX_LOGIN_CHANNEL_ID = "2000000000"
SANDBOX_LOGIN_SECRET = "sandbox-login-secret"


MAX_SENDER_THREADS = 64


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names it."""


def _url(name: str, value: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(f"{name} must be an http(s) URL, got {value!r}")
    return value.rstrip("/")


def _int(name: str, value: str | int, lo: int, hi: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a whole number, got {value!r}") from None
    if not lo <= number <= hi:
        raise ConfigError(f"{name} must be between {lo} and {hi}, got {number}")
    return number


def _float(name: str, value: str | float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number, got {value!r}") from None
    if number <= 0:
        raise ConfigError(f"{name} must be positive, got {number}")
    return number


def _flag(name: str, value: str | bool) -> bool:
    if isinstance(value, bool):
        return value
    if str(value).strip().lower() in ("1", "true", "yes", "on"):
        return True
    if str(value).strip().lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be 1 or 0, got {value!r}")


@dataclass(frozen=True)
class Config:
    line_channel_secret: str = ""
    line_channel_access_token: str = ""
    line_api_base: str = "https://api.line.me"
    line_data_api_base: str = "https://api-data.line.me"
    database_url: str = ""
    # SQLite: how long a writer waits for the write lock before the attempt fails (and is retried).
    database_busy_seconds: float = 30.0
    public_base_url: str = "http://localhost:8000"
    data_dir: str = ""
    secret_key: str = ""
    # Encrypts secrets stored in the database (bot.spine.sealed); unlike secret_key, never made up.
    prakat_secret_key: str = field(default="", repr=False)
    website_timeout_seconds: float = 30.0
    port: int = 8000
    max_file_mb: int = 50
    # Outbox sender tuning: how long a row may keep failing before it is marked failed.
    outbox_give_up_seconds: int = 6 * 3600
    outbox_poll_seconds: float = 0.5
    # Sender threads per process: LINE calls in flight at once (one chat's rows still go in order).
    sender_threads: int = 8
    line_timeout_seconds: float = 10.0
    # Handler stage: threads per process (PostgreSQL; SQLite has one writer, so one thread), how
    # often it looks for events recorded by another process when no bell rings, and how long an
    # event may keep meeting database faults before it is given up (marked error, user told).
    handler_threads: int = 2
    handler_poll_seconds: float = 0.05
    event_retry_seconds: int = 6 * 3600
    # Reply tokens are good for about a minute; past this we push instead.
    reply_window_seconds: int = 50
    # Approval reminders: after this many working days waiting; holidays from this file (optional).
    reminder_after_working_days: int = 1
    holidays_file: str = ""
    # Quarterly problems-and-suggestions cards go out this many days before the quarter ends.
    feedback_days_before: int = 7
    # Reverse proxies in front of the app (their X-Forwarded-* headers are trusted): 0 = none.
    trust_proxy_hops: int = 0
    instance_path: str = "instance"
    testing: bool = False
    # No LINE credentials: run against the in-process fake of the LINE API (set by validated()).
    sandbox: bool = False
    # Sandbox mode only: load the example office with a quarter of demo history at start.
    sandbox_demo: bool = True
    # The admin console signs people in with LINE Login (a LINE Login channel, not the
    # Messaging API one). Both or neither; neither outside sandbox mode: no console sign-in.
    line_login_channel_id: str = ""
    line_login_channel_secret: str = field(default="", repr=False)
    # Where LINE Login's browser pages (authorize) and its server API (token) live.
    line_login_authorize_base: str = "https://access.line.me"
    line_login_api_base: str = "https://api.line.me"
    # The console signs an admin out after this many idle minutes.
    admin_idle_minutes: int = 30


    @property
    def max_file_bytes(self) -> int:
        return self.max_file_mb * 1024 * 1024

    @classmethod
    def from_env(cls, environ: dict | None = None, instance_path: str = "instance", **overrides):
        env = dict(os.environ if environ is None else environ)
        values: dict = {"instance_path": instance_path}
        for f in fields(cls):
            key = f.name.upper()
            if key in env and env[key] != "":
                values[f.name] = env[key]
        values.update(overrides)
        return cls(**values).validated()

    def validated(self) -> Config:
        """Normalise every setting, raising ConfigError on the first bad one."""
        if bool(self.line_channel_secret) != bool(self.line_channel_access_token):
            missing = "LINE_CHANNEL_SECRET" if not self.line_channel_secret else "LINE_CHANNEL_ACCESS_TOKEN"
            raise ConfigError(f"{missing} is missing: set both LINE credentials, or neither for sandbox mode")
        sandbox = self.sandbox or not (self.line_channel_secret or self.line_channel_access_token)
        if bool(self.line_login_channel_id) != bool(self.line_login_channel_secret):
            missing = ("LINE_LOGIN_CHANNEL_SECRET" if not self.line_login_channel_secret
                       else "LINE_LOGIN_CHANNEL_ID")
            raise ConfigError(f"{missing} is missing: set both LINE Login settings, or neither")
        login_id, login_secret = self.line_login_channel_id, self.line_login_channel_secret
        if sandbox and not login_id:
            login_id, login_secret = SANDBOX_LOGIN_CHANNEL_ID, SANDBOX_LOGIN_SECRET
        instance = Path(self.instance_path).resolve()
        database_url = self.database_url or f"sqlite:///{instance / 'prakat.db'}"
        try:
            parsed = make_url(database_url)
        except Exception:
            raise ConfigError(f"DATABASE_URL is not a database URL: {database_url!r}") from None
        if parsed.get_backend_name() not in ("sqlite", "postgresql"):
            raise ConfigError("DATABASE_URL must be sqlite:/// or postgresql://")
        if parsed.get_backend_name() == "postgresql" and parsed.drivername in ("postgresql", "postgres"):
            database_url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
        return replace(
            self,
            sandbox=sandbox,
            line_channel_secret=SANDBOX_SECRET if sandbox else self.line_channel_secret,
            line_channel_access_token=SANDBOX_TOKEN if sandbox else self.line_channel_access_token,
            line_api_base=_url("LINE_API_BASE", self.line_api_base),
            line_data_api_base=_url("LINE_DATA_API_BASE", self.line_data_api_base),
            public_base_url=_url("PUBLIC_BASE_URL", self.public_base_url),
            database_url=database_url,
            data_dir=str(Path(self.data_dir).resolve()) if self.data_dir else str(instance / "data"),
            secret_key=self.secret_key or secrets.token_hex(32),
            port=_int("PORT", self.port, 1, 65535),
            max_file_mb=_int("MAX_FILE_MB", self.max_file_mb, 1, 1024),
            outbox_give_up_seconds=_int("OUTBOX_GIVE_UP_SECONDS", self.outbox_give_up_seconds, 1, 23 * 3600),
            outbox_poll_seconds=_float("OUTBOX_POLL_SECONDS", self.outbox_poll_seconds),
            sender_threads=_int("SENDER_THREADS", self.sender_threads, 1, MAX_SENDER_THREADS),
            line_timeout_seconds=_float("LINE_TIMEOUT_SECONDS", self.line_timeout_seconds),
            website_timeout_seconds=_float("WEBSITE_TIMEOUT_SECONDS", self.website_timeout_seconds),
            database_busy_seconds=_float("DATABASE_BUSY_SECONDS", self.database_busy_seconds),
            handler_threads=_int("HANDLER_THREADS", self.handler_threads, 1, 32),
            handler_poll_seconds=_float("HANDLER_POLL_SECONDS", self.handler_poll_seconds),
            event_retry_seconds=_int("EVENT_RETRY_SECONDS", self.event_retry_seconds, 1, 7 * 24 * 3600),
            reply_window_seconds=_int("REPLY_WINDOW_SECONDS", self.reply_window_seconds, 0, 1200),
            feedback_days_before=_int("FEEDBACK_DAYS_BEFORE", self.feedback_days_before, 1, 60),
            trust_proxy_hops=_int("TRUST_PROXY_HOPS", self.trust_proxy_hops, 0, 5),
            reminder_after_working_days=_int("REMINDER_AFTER_WORKING_DAYS",
                                             self.reminder_after_working_days, 1, 30),
            sandbox_demo=_flag("SANDBOX_DEMO", self.sandbox_demo),
            line_login_channel_id=login_id, line_login_channel_secret=login_secret,
            line_login_authorize_base=_url("LINE_LOGIN_AUTHORIZE_BASE", self.line_login_authorize_base),
            line_login_api_base=_url("LINE_LOGIN_API_BASE", self.line_login_api_base),
            admin_idle_minutes=_int("ADMIN_IDLE_MINUTES", self.admin_idle_minutes, 1, 24 * 60),
            instance_path=str(instance),
        )
