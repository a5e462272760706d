"""Configuration layers: defaults here, then ``instance/config.py``, then ``COLLAB_*``
environment variables, then the dict a caller (a test) passes to ``create_app``."""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path


class Defaults:
    """Safe defaults for development; production overrides them by environment."""

    SECRET_KEY: str | None = None  # generated into instance/secret_key when unset
    DATABASE_URL: str | None = None  # default: sqlite:///<instance>/collab.db
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SQLITE_BUSY_TIMEOUT_MS = 15000

    # Languages: URL prefix -> Babel locale (docs/STACK.md: the catalog must be zh_Hans).
    LANGUAGES = {"zh": "zh_Hans", "en": "en"}
    DEFAULT_LANGUAGE = "zh"
    BABEL_DEFAULT_LOCALE = "zh_Hans"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    DEFAULT_TIMEZONE = "Asia/Shanghai"

    # Sessions and cookies (docs/STACK.md: Flask's and Flask-Login's defaults are too long).
    SESSION_COOKIE_NAME = "collab_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    PERMANENT_SESSION_LIFETIME = timedelta(days=7)
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False

    PASSWORD_HASH_METHOD = "scrypt"
    PASSWORD_RESET_MAX_AGE = 3600  # seconds a reset link stays valid
    API_TOKEN_LIFETIME = timedelta(days=30)

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    WTF_I18N_ENABLED = True

    # Rate limits (Flask-Limiter); REDIS_URL switches the storage to Redis.
    REDIS_URL: str | None = None
    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = "10 per minute;50 per hour"
    API_TOKEN_RATE_LIMIT = "10 per minute;50 per hour"
    # How many proxies (load balancer, nginx) sit in front and set X-Forwarded-For/-Proto.
    # Behind a proxy set it (COLLAB_PROXY_COUNT=1), or every visitor shares the proxy's
    # address and one rate limit; without a proxy keep 0, or clients forge their address.
    PROXY_COUNT = 0

    # E-mail: MAIL_DELIVERY "outbox" keeps messages in the database (development,
    # tests); "smtp" also delivers them through MAIL_SERVER. MAIL_BACKEND is left to
    # Flask-Mailman (its own transport: smtp, locmem, ...), so the two never clash.
    MAIL_DELIVERY: str | None = None  # default "outbox"
    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_DEFAULT_SENDER = "Collab <noreply@collab.local>"

    # Scheduler: runs inside the dev server when SCHEDULER_AUTOSTART is true;
    # production runs `flask --app collab scheduler` once per deployment.
    SCHEDULER_AUTOSTART = False
    OUTBOX_DELIVERY_SECONDS = 30
    NEED_EXPIRY_SECONDS = 900
    # Matching: weight overrides for collab.matching.engine (see DEFAULT_WEIGHTS there),
    # the digest threshold and how often the whole match table is recomputed.
    MATCH_WEIGHTS: dict = {}
    MATCH_DIGEST_THRESHOLD = 0.3
    MATCH_MIN_SCORE = 0.1  # weaker pairs are stored but not recommended
    MATCH_REFRESH_SECONDS = 6 * 3600  # deadlines are dates; a quarter-hourly scan is plenty

    UPLOAD_FOLDER: str | None = None  # default: <instance>/uploads
    MAX_CONTENT_LENGTH = 32 * 1024 * 1024

    BOOTSTRAP_SERVE_LOCAL = True
    BOOTSTRAP_BOOTSWATCH_THEME = None

    LOG_JSON = True
    LOG_LEVEL = "INFO"
    PER_PAGE = 20
    # Absolute links in e-mails that jobs send (outside any request).
    BASE_URL = "http://127.0.0.1:5000"


def load_config(app, overrides: dict | None) -> None:
    """Fill ``app.config`` layer by layer and derive the SQLAlchemy settings."""
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("COLLAB")
    if overrides:
        app.config.update(overrides)
    _derive(app)


def _derive(app) -> None:
    config = app.config
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    url = config.get("DATABASE_URL") or f"sqlite:///{instance / 'collab.db'}"
    config["DATABASE_URL"] = url
    config["SQLALCHEMY_DATABASE_URI"] = url
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if not url.startswith("sqlite"):
        # docs/STACK.md: without pre-ping the first request after a restart fails.
        options.setdefault("pool_pre_ping", True)
    config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    config.setdefault("UPLOAD_FOLDER", None)
    config["UPLOAD_FOLDER"] = config["UPLOAD_FOLDER"] or str(instance / "uploads")
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = _instance_secret(instance)
    if config.get("REDIS_URL"):
        config.setdefault("RATELIMIT_STORAGE_URI", config["REDIS_URL"])
    config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    config["MAIL_DEFAULT_SENDER"] = config.get("MAIL_DEFAULT_SENDER")
    _derive_mail_delivery(config)
    config["REMEMBER_COOKIE_SECURE"] = config["SESSION_COOKIE_SECURE"] or config["REMEMBER_COOKIE_SECURE"]


MAIL_DELIVERIES = ("outbox", "smtp")


def _derive_mail_delivery(config) -> None:
    """Collab's own switch is MAIL_DELIVERY; Flask-Mailman reads MAIL_BACKEND.

    Older settings put Collab's switch in MAIL_BACKEND (COLLAB_MAIL_BACKEND=outbox|smtp):
    they still work, and "outbox" is taken away from Flask-Mailman, which has no such
    backend (it would fail to send).
    """
    backend = config.get("MAIL_BACKEND")
    if not config.get("MAIL_DELIVERY"):
        config["MAIL_DELIVERY"] = backend if backend in MAIL_DELIVERIES else "outbox"
    if config["MAIL_DELIVERY"] not in MAIL_DELIVERIES:
        raise ValueError(f"MAIL_DELIVERY must be one of {', '.join(MAIL_DELIVERIES)}, not {config['MAIL_DELIVERY']!r}")
    if backend == "outbox":
        config.pop("MAIL_BACKEND")  # Flask-Mailman then picks smtp (locmem when testing)


def _instance_secret(instance: Path) -> str:
    """A per-installation random key, so a fresh clone never runs on a known key."""
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        os.chmod(path, 0o600)
    return path.read_text().strip()
