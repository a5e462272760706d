"""Test fixtures. Every test that touches the database runs on SQLite and, when
COLLAB_TEST_DATABASE_URL is set, again on PostgreSQL; each test gets a fresh
database whose schema came from the Alembic migrations. The factories (create_org,
create_user, make_project, make_mentor, ...) are plugins in tests/factories/."""
from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
from flask import g, request_started
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from collab import create_app
from collab.extensions import db

pytest.register_assert_rewrite("plugins", "factories")

from plugins.settings import BACKENDS, PASSWORD, PG_URL, TEST_CONFIG  # noqa: E402,F401

# Factory fixtures for every test: use them by name, never import them.
pytest_plugins = [
    "factories.accounts",
    "factories.content",
    "factories.mentors",
]


def pytest_configure(config):
    if os.environ.get("COLLAB_REQUIRE_POSTGRES") == "1" and not PG_URL:
        raise pytest.UsageError("COLLAB_REQUIRE_POSTGRES=1 but COLLAB_TEST_DATABASE_URL is not set")


def pytest_report_header(config):
    if PG_URL:
        return f"databases: SQLite and PostgreSQL ({make_url(PG_URL).render_as_string(hide_password=True)})"
    return "databases: SQLite only (set COLLAB_TEST_DATABASE_URL to test PostgreSQL too)"


def migrate(url: str, instance_path: Path) -> None:
    """Build the schema the way production does: flask db upgrade."""
    from flask_migrate import upgrade

    app = create_app({**TEST_CONFIG, "DATABASE_URL": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()


class PostgresServer:
    """Creates throw-away databases on the test server (and fails loudly if it is down)."""

    def __init__(self, url: str):
        self.url = make_url(url)
        self.admin = create_engine(self.url, isolation_level="AUTOCOMMIT")

    def create(self, prefix: str = "collab_test") -> str:
        name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\''))
        return self.url.set(database=name).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        name = make_url(url).database
        with self.admin.connect() as conn:
            conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()"
            ), {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))


@pytest.fixture(scope="session")
def pg_server():
    if not PG_URL:
        pytest.skip("PostgreSQL not configured (COLLAB_TEST_DATABASE_URL)")
    server = PostgresServer(PG_URL)
    yield server
    server.admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def migrated_database(request, tmp_path_factory):
    """(backend, url of a migrated, empty database) once per backend and session."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("template") / "template.db"
        url = f"sqlite:///{path}"
        migrate(url, path.parent)
        yield "sqlite", url
        return
    server = request.getfixturevalue("pg_server")
    url = server.create()
    try:
        migrate(url, Path("."))
        yield "postgresql", url
    finally:
        server.drop(url)


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


@pytest.fixture
def backend(migrated_database) -> str:
    return migrated_database[0]


@pytest.fixture
def app_config(migrated_database, tmp_path) -> dict:
    """The config of this test's app: a fresh database, uploads in tmp_path."""
    backend, url = migrated_database
    return {**TEST_CONFIG, "DATABASE_URL": _fresh_url(backend, url, tmp_path),
            "UPLOAD_FOLDER": str(tmp_path / "uploads")}


def _fresh_request_globals(sender, **extra) -> None:
    """Start each test request with an empty ``g``, as in production.

    The test's own app context stays pushed, so Flask reuses it for every request of the
    test, and ``g`` would carry the previous request's cached Babel locale and
    translations, Flask-Login user and language into the next one.
    """
    g.__dict__.clear()


@pytest.fixture
def app(app_config):
    application = create_app(app_config)
    request_started.connect(_fresh_request_globals, application)
    with application.app_context():
        from collab.orgs.services import load_reference_data

        load_reference_data()
        db.session.commit()
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


def count_rows(model) -> int:
    """Rows of a model, read fresh (for "nothing changed" assertions)."""
    from sqlalchemy import func, select

    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))
