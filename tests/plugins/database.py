"""The test databases, the app and its client.

Every test that touches the database runs on SQLite and, when COLLAB_TEST_DATABASE_URL
is set, again on PostgreSQL (the ``migrated_database`` parameter). The schema always
comes from the Alembic migrations.

Two modes:

- **transactional** (the default). Each backend has one *shared* database per session
  (per xdist worker), migrated once and holding the reference data (sectors, indicators,
  the 16 organisations), committed once. A test opens one connection to it and begins an
  outer transaction; every ``db.session`` of every app on that database is bound to this
  connection with ``join_transaction_mode="create_savepoint"``, so the app's and the
  test's ``commit()`` only release SAVEPOINTs. After the test the outer transaction is
  rolled back. PostgreSQL sequences are set back at the start of each test, so ids
  start where a freshly truncated database would start them.

- **committed** (``@pytest.mark.committed``): a database of the test's own, as before —
  a copy of the migrated SQLite template, or the PostgreSQL template database truncated —
  and real commits. For tests whose work must be seen by other connections: threads,
  processes, a live server, ``sqlite3``/``pg_dump``/a second engine reading the file.

A transactional test that writes to the shared database through a connection of its
own (a thread, ``db.engine.connect()``, another engine) would leak rows into the next
tests; the teardown checks for that and fails the test, telling it to be committed.
"""
from __future__ import annotations

import os
import shutil
import threading
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import current_app, g, request_started
from flask_sqlalchemy.session import Session as FlaskSQLAlchemySession
from jinja2 import BytecodeCache
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Connection, make_url

from collab import create_app
from collab.extensions import db

from .settings import BACKENDS, PG_URL, TEST_CONFIG

COMMITTED_HELP = ("mark the test @pytest.mark.committed (a database of its own with real commits) "
                  "if its work has to be seen by other connections")


def pytest_configure(config):
    # The ``committed`` marker is declared in pyproject.toml.
    if os.environ.get("COLLAB_REQUIRE_POSTGRES") == "1" and not PG_URL:
        raise pytest.UsageError("COLLAB_REQUIRE_POSTGRES=1 but COLLAB_TEST_DATABASE_URL is not set")
    install_bindable_session()


def pytest_report_header(config):
    if PG_URL:
        return f"databases: SQLite and PostgreSQL ({make_url(PG_URL).render_as_string(hide_password=True)})"
    return "databases: SQLite only (set COLLAB_TEST_DATABASE_URL to test PostgreSQL too)"


# --- sessions bound to the test's connection ------------------------------------------

@dataclass
class Binding:
    """While a transactional test runs: the shared database's URL and the connection
    every session on it uses (and the thread allowed to use it)."""

    url: str
    connection: Connection
    thread: int


_binding: Binding | None = None


class BindableSession(FlaskSQLAlchemySession):
    """Flask-SQLAlchemy's session, bound to the test's connection when its app is on
    the shared database (Flask-SQLAlchemy's own ``get_bind`` ignores ``Session.bind``)."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        binding = _binding
        if bind is None and binding is not None and current_app.config["SQLALCHEMY_DATABASE_URI"] == binding.url:
            if threading.get_ident() != binding.thread:
                raise RuntimeError("a thread used the database of a transactional test (one connection, "
                                   f"not thread-safe): {COMMITTED_HELP}")
            return binding.connection
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


def install_bindable_session() -> None:
    """Make ``db.session`` create BindableSessions that join the bound connection's
    transaction through a SAVEPOINT (sessions on an engine are not affected)."""
    factory = db.session.session_factory
    if not issubclass(factory.class_, BindableSession):
        factory.class_ = type("Session", (BindableSession,), {})
        factory.kw["join_transaction_mode"] = "create_savepoint"


def close_all_sessions() -> None:
    """Close every scoped session still open (app contexts a test left pushed)."""
    registry = db.session.registry.registry
    for session in list(registry.values()):
        session.close()
    registry.clear()


# --- building databases ----------------------------------------------------------------

def migrate(url: str) -> None:
    """Build the schema the way production does: flask db upgrade."""
    from flask_migrate import upgrade

    app = create_app({**TEST_CONFIG, "DATABASE_URL": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()


def worker_name() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


class PostgresServer:
    """Creates throw-away databases on the test server (and fails loudly if it is down)."""

    def __init__(self, url: str):
        self.url = make_url(url)
        self.admin = create_engine(self.url, isolation_level="AUTOCOMMIT")

    def create(self, prefix: str = "collab_test", template: str = "template0") -> str:
        name = f"{prefix}_{worker_name()}_{os.getpid()}_{uuid.uuid4().hex[:8]}".lower()
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}" ENCODING \'UTF8\''))
        return self.url.set(database=name).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        name = make_url(url).database
        with self.admin.connect() as conn:
            conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()"
            ), {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))


class MemoryBytecodeCache(BytecodeCache):
    """Compiled templates shared by every test app of the process: each test has an app
    (and a Jinja environment) of its own, and would otherwise compile each page again.
    Jinja checks the source's checksum, so a changed template is compiled again."""

    def __init__(self):
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        code = self.store.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CACHE = MemoryBytecodeCache()


@dataclass
class SharedDatabase:
    """One backend's database for transactional tests: migrated, reference data committed."""

    backend: str
    url: str
    app: object = None
    engine: object = None
    restart_sequences: str | None = None
    count_sql: str = ""
    baseline: list = field(default_factory=list)

    def prepare(self) -> None:
        from collab.orgs.services import load_reference_data

        self.app = create_app({**TEST_CONFIG, "DATABASE_URL": self.url})
        with self.app.app_context():
            load_reference_data()
            db.session.commit()
            db.session.remove()
            self.engine = db.engine  # with the app's SQLite pragmas and BEGIN listener
        with self.engine.connect() as connection:
            tables = sorted(set(inspect(connection).get_table_names()) - {"alembic_version"})
            self.count_sql = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM \"{t}\"" for t in tables)
            if self.backend == "postgresql":
                self.restart_sequences = self._sequence_reset(connection)
            self.baseline = self.counts(connection)
            connection.rollback()

    @staticmethod
    def _sequence_reset(connection) -> str | None:
        """One statement setting every sequence to what TRUNCATE ... RESTART IDENTITY and
        the reference data would leave (setval is not transactional: run at each start)."""
        owned = connection.execute(text(
            "SELECT s.relname, t.relname, a.attname FROM pg_class s "
            "JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass "
            " AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') "
            "JOIN pg_class t ON t.oid = d.refobjid "
            "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid "
            "WHERE s.relkind = 'S' ORDER BY s.relname")).all()
        calls = []
        for sequence, table, column in owned:
            start = connection.execute(text(f'SELECT coalesce(max("{column}"), 0) + 1 FROM "{table}"')).scalar()
            calls.append(f"setval('\"{sequence}\"', {int(start)}, false)")
        return f"SELECT {', '.join(calls)}" if calls else None

    def counts(self, connection) -> list:
        return sorted(tuple(row) for row in connection.exec_driver_sql(self.count_sql))

    @contextmanager
    def bound(self):
        """The test's outer transaction, every session on this database inside it."""
        global _binding
        connection = self.engine.connect()
        version = connection.exec_driver_sql("PRAGMA data_version").scalar() if self.backend == "sqlite" else None
        connection.rollback()
        transaction = connection.begin()
        if self.restart_sequences:
            connection.exec_driver_sql(self.restart_sequences)
        _binding = Binding(self.url, connection, threading.get_ident())
        try:
            yield self.url
        finally:
            _binding = None
            try:
                close_all_sessions()
                transaction.rollback()
                leaked = self._leaks(connection, version)
            finally:
                connection.close()
        if leaked:
            raise LeakedWrites("; ".join(leaked) + f" — {COMMITTED_HELP}")

    def _leaks(self, connection, version) -> list[str]:
        """What other connections changed in the shared database during the test: any
        commit at all on SQLite (``PRAGMA data_version``), row counts on both."""
        leaked = []
        if version is not None and connection.exec_driver_sql("PRAGMA data_version").scalar() != version:
            leaked.append("another connection committed to the shared SQLite database")
        counts = self.counts(connection)
        connection.rollback()
        if counts != self.baseline:
            changed = sorted(set(counts) ^ set(self.baseline))
            leaked.append(f"rows were left in the shared database (table, rows before/after): {changed}")
        return leaked


class LeakedWrites(AssertionError):
    pass


class Databases:
    """Per session and xdist worker: each backend's migrated template (committed tests
    start from it) and its shared database (transactional tests), built on first use."""

    def __init__(self, tmp_path_factory):
        self.tmp_path_factory = tmp_path_factory
        self.templates: dict[str, str] = {}
        self.shared_databases: dict[str, SharedDatabase] = {}
        self.pg_server: PostgresServer | None = None
        self.pg_databases: list[str] = []

    def template(self, backend: str, pg_server: PostgresServer | None = None) -> str:
        if backend not in self.templates:
            if backend == "sqlite":
                path = self.tmp_path_factory.mktemp("template") / "template.db"
                url = f"sqlite:///{path}"
                migrate(url)
            else:
                self.pg_server = pg_server
                url = pg_server.create()
                self.pg_databases.append(url)
                migrate(url)
            self.templates[backend] = url
            self.shared_databases[backend] = self._new_shared(backend)
        return self.templates[backend]

    def _new_shared(self, backend: str) -> SharedDatabase:
        template = self.templates[backend]
        if backend == "sqlite":
            path = self.tmp_path_factory.mktemp("shared") / "shared.db"
            shutil.copyfile(make_url(template).database, path)
            url = f"sqlite:///{path}"
        else:
            # A copy of the freshly migrated template, before anything connects to it.
            url = self.pg_server.create(prefix="collab_shared", template=make_url(template).database)
            self.pg_databases.append(url)
        shared = SharedDatabase(backend, url)
        shared.prepare()
        return shared

    def shared(self, backend: str) -> SharedDatabase:
        return self.shared_databases[backend]

    def replace_shared(self, backend: str) -> None:
        """After a leak: a clean shared database for the tests that follow."""
        old = self.shared_databases.pop(backend)
        old.engine.dispose()
        self.shared_databases[backend] = self._new_shared(backend)

    def close(self) -> None:
        for shared in self.shared_databases.values():
            if shared.engine is not None:
                shared.engine.dispose()
        if self.pg_server is not None:
            for url in self.pg_databases:
                self.pg_server.drop(url)


@pytest.fixture(scope="session")
def pg_server():
    if not PG_URL:
        pytest.skip("PostgreSQL not configured (COLLAB_TEST_DATABASE_URL)")
    server = PostgresServer(PG_URL)
    yield server
    server.admin.dispose()


@pytest.fixture(scope="session")
def test_databases(tmp_path_factory):
    databases = Databases(tmp_path_factory)
    yield databases
    databases.close()


@pytest.fixture(scope="session", params=BACKENDS)
def migrated_database(request, test_databases):
    """(backend, url of a migrated, empty database) once per backend and session."""
    backend = request.param
    server = request.getfixturevalue("pg_server") if backend == "postgresql" else None
    return backend, test_databases.template(backend, server)


def _fresh_url(backend: str, template_url: str, tmp_path: Path) -> str:
    if backend == "sqlite":
        target = tmp_path / "collab.db"
        shutil.copyfile(make_url(template_url).database, target)
        return f"sqlite:///{target}"
    engine = create_engine(template_url)
    with engine.begin() as conn:
        tables = [t for t in db.metadata.sorted_tables]
        names = ", ".join(f'"{t.name}"' for t in tables)
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return template_url


@dataclass
class TestDatabase:
    """This test's database: its backend, URL and mode."""

    __test__ = False  # not a test class

    backend: str
    url: str
    committed: bool


@pytest.fixture
def backend(migrated_database) -> str:
    return migrated_database[0]


@pytest.fixture
def database(request, migrated_database, test_databases, tmp_path):
    """This test's database: the shared one inside a rolled-back transaction, or (for
    ``@pytest.mark.committed`` tests) a fresh one of its own."""
    backend, template_url = migrated_database
    if request.node.get_closest_marker("committed") is not None:
        yield TestDatabase(backend, _fresh_url(backend, template_url, tmp_path), committed=True)
        return
    try:
        with test_databases.shared(backend).bound() as url:
            yield TestDatabase(backend, url, committed=False)
    except LeakedWrites:
        test_databases.replace_shared(backend)
        raise


@pytest.fixture
def app_config(database, tmp_path) -> dict:
    """The config of this test's app: its database, uploads in tmp_path."""
    return {**TEST_CONFIG, "DATABASE_URL": database.url, "UPLOAD_FOLDER": str(tmp_path / "uploads")}


def _fresh_request_globals(sender, **extra) -> None:
    """Start each test request with an empty ``g``, as in production.

    The test's own app context stays pushed, so Flask reuses it for every request of the
    test, and ``g`` would carry the previous request's cached Babel locale and
    translations, Flask-Login user and language into the next one.
    """
    g.__dict__.clear()


def forget_match_indexes() -> None:
    """The matching engine caches its indexes per process, keyed by the database URL and
    a version of the rows; tests reuse URLs (and ids), so each starts without them."""
    from collab.matching import store

    with store._lock:
        store._indexes.clear()


def prepare_app(application) -> None:
    """What every test app gets: a clean ``g`` per request, the shared template cache."""
    request_started.connect(_fresh_request_globals, application)
    application.jinja_env.bytecode_cache = TEMPLATE_CACHE


@pytest.fixture
def app(app_config, database):
    application = create_app(app_config)
    prepare_app(application)
    forget_match_indexes()
    with application.app_context():
        if database.committed:  # the shared database has the reference data already
            from collab.orgs.services import load_reference_data

            load_reference_data()
            db.session.commit()
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()
