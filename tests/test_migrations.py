"""The schema comes only from the Alembic migrations: `flask db upgrade` builds it on an
empty SQLite file and an empty PostgreSQL database, it matches the models exactly, and
it can be taken down to nothing and built again."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from collab import create_app
from collab.extensions import db
from collab.schema import include_object

from conftest import TEST_CONFIG


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    """The URL of an empty database (no tables at all) on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    server = request.getfixturevalue("pg_server")  # skips when PostgreSQL is not configured
    url = server.create(prefix="collab_migrations")
    try:
        yield url
    finally:
        server.drop(url)


def flask_db(app, *args: str) -> None:
    """Run `flask db ARGS` exactly as an operator would, and fail on any error."""
    result = app.test_cli_runner().invoke(args=["db", *args])
    assert result.exit_code == 0, (result.output, result.exception)


def schema_differences(app) -> list:
    """What autogenerate would still write: nothing, when models and schema agree."""
    migrate_options = app.extensions["migrate"].configure_args
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": migrate_options.get("compare_type", True),
            "include_object": include_object,  # as migrations/env.py: hand-written search tables
        })
        return compare_metadata(context, db.metadata)


def app_tables(app) -> set[str]:
    """Tables the models describe (migration-only search tables left aside)."""
    with db.engine.connect() as connection:
        names = set(inspect(connection).get_table_names()) - {"alembic_version"}
    return {name for name in names if include_object(None, name, "table", True, None)}


def all_tables(app) -> set[str]:
    with db.engine.connect() as connection:
        return set(inspect(connection).get_table_names()) - {"alembic_version"}


def test_upgrade_on_an_empty_database_matches_the_models(empty_database):
    app = create_app({**TEST_CONFIG, "DATABASE_URL": empty_database})
    with app.app_context():
        assert all_tables(app) == set()
        flask_db(app, "upgrade")
        assert app_tables(app) == set(db.metadata.tables)
        assert schema_differences(app) == []
        db.engine.dispose()


def test_downgrade_to_base_and_upgrade_again(empty_database):
    app = create_app({**TEST_CONFIG, "DATABASE_URL": empty_database})
    with app.app_context():
        flask_db(app, "upgrade")
        flask_db(app, "downgrade", "base")
        assert all_tables(app) == set()  # the search tables go too
        # The comparison is not vacuous: against nothing it wants every table back.
        added = {diff[1].name for diff in schema_differences(app) if diff[0] == "add_table"}
        assert added == set(db.metadata.tables)
        flask_db(app, "upgrade")
        assert schema_differences(app) == []
        db.engine.dispose()


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path):
    app = create_app({**TEST_CONFIG, "DATABASE_URL": f"sqlite:///{tmp_path / 'collab.db'}"})
    with app.app_context():
        flask_db(app, "upgrade")
        pragma = lambda name: db.session.execute(text(f"PRAGMA {name}")).scalar()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("foreign_keys") == 1
        assert pragma("busy_timeout") == app.config["SQLITE_BUSY_TIMEOUT_MS"] > 0
        db.session.remove()
        db.engine.dispose()
