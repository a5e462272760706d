"""Database plumbing shared by every feature: UTC datetimes, SQLite pragmas and
write transactions, pagination."""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo
from typing import Any, Iterator

from sqlalchemy import DateTime, event, select, func
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeDecorator

from .extensions import db


# The largest id an INTEGER primary key holds (32 bits on PostgreSQL): a larger one names nothing.
MAX_ID = 2**31 - 1


def utcnow() -> datetime:
    """The current instant, timezone-aware in UTC (tests freeze it with time-machine)."""
    return datetime.now(timezone.utc)


# Dates the network reports in (deadlines, landings, signings, report periods) are
# Beijing-time days, as the bases keep them.
BEIJING = ZoneInfo("Asia/Shanghai")


def beijing_date(moment: datetime | None) -> date | None:
    """The Beijing-time day of an instant."""
    return moment.astimezone(BEIJING).date() if moment is not None else None


def today_in_beijing() -> date:
    return utcnow().astimezone(BEIJING).date()


def iso(value: datetime | None) -> str | None:
    """An instant as ISO 8601 in UTC with ``Z`` (the API's time format)."""
    if value is None:
        return None
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


class UTCDateTime(TypeDecorator):
    """Stores aware datetimes as UTC; SQLite hands back naive ones, so attach UTC on load."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; Collab stores aware UTC instants only")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


# Set inside a write scope: transactions begun there take SQLite's write lock at BEGIN.
_write_scope: ContextVar[bool] = ContextVar("collab_write_scope", default=False)


@contextmanager
def db_write() -> Iterator[None]:
    """Transactions begun inside this scope are write transactions (``BEGIN IMMEDIATE``
    on SQLite); outside it they are deferred, so readers never queue behind writers.

    The unit of work opens it for every unsafe request, job run and CLI command."""
    token = _write_scope.set(True)
    try:
        yield
    finally:
        _write_scope.reset(token)


def in_write_scope() -> bool:
    return _write_scope.get()


def configure_sqlite(app) -> None:
    """WAL, a busy timeout, foreign keys, and ``BEGIN IMMEDIATE`` in write scopes.

    docs/STACK.md measured 87.5% "database is locked" for read-then-write transactions
    under plain ``BEGIN`` and 0% with ``BEGIN IMMEDIATE``.
    """
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    timeout_ms = int(app.config["SQLITE_BUSY_TIMEOUT_MS"])
    with app.app_context():
        engine = db.engine
    _install_sqlite_events(engine, timeout_ms)


def _install_sqlite_events(engine: Engine, timeout_ms: int) -> None:
    if getattr(engine, "_collab_sqlite", False):
        return
    engine._collab_sqlite = True

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {timeout_ms}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if in_write_scope() else "BEGIN")


def paginate(statement, page: int, per_page: int) -> tuple[list[Any], int]:
    """One page of a select (scalars) and the total count, in two indexed queries."""
    page = max(page, 1)
    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    rows = db.session.scalars(statement.limit(per_page).offset((page - 1) * per_page)).all()
    return list(rows), int(total or 0)


def paginate_entities(statement, model, page: int, per_page: int) -> tuple[list[Any], int]:
    """One page of a select of ``model`` rows, for wide rows and deep pages.

    The page's ids are counted, sorted and cut from narrow index columns first; only
    those rows are then loaded with their eager loads. Sorting whole joined rows made
    page 200 of 10,000 projects cost 300+ ms on SQLite (bench/listing.py); this way
    page 200 costs what page 1 does, in three indexed queries.
    """
    page = max(page, 1)
    ids_only = statement.with_only_columns(model.id)
    total = db.session.scalar(select(func.count()).select_from(ids_only.order_by(None).subquery()))
    ids = db.session.scalars(ids_only.limit(per_page).offset((page - 1) * per_page)).all()
    if not ids:
        return [], int(total or 0)
    loaded = {row.id: row for row in db.session.scalars(select(model).where(model.id.in_(ids)))}
    return [loaded[i] for i in ids if i in loaded], int(total or 0)
