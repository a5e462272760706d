"""The root of the test suite: it registers the fixture plugins.

- tests/plugins/database.py — ``migrated_database`` (every database test runs on SQLite
  and, with COLLAB_TEST_DATABASE_URL, again on PostgreSQL), ``backend``, ``database``,
  ``app_config``, ``app``, ``client``: a migrated database per backend and session, each
  test inside a transaction rolled back after it; ``@pytest.mark.committed`` tests get a
  fresh database of their own and real commits instead.
- tests/plugins/speedups.py — per-process memoization that changes nothing tests observe.
- tests/factories/ — ``create_org``, ``create_user``, ``login``, ``as_role``, ``outbox``
  (accounts.py); ``make_admin``, ``make_project``, ``make_need``, ``act_as`` (content.py);
  ``frozen``, ``make_mentor``, ``api_token`` (mentors.py).

Test modules use those fixtures by name; they import only plain helpers (from here,
content_factories and mentor_support).
"""
from __future__ import annotations

import pytest

pytest.register_assert_rewrite("plugins", "factories")

from plugins.database import _fresh_request_globals, migrate  # noqa: E402,F401  (imported by test modules)
from plugins.settings import BACKENDS, PASSWORD, PG_URL, TEST_CONFIG  # noqa: E402,F401

pytest_plugins = [
    "plugins.database",
    "plugins.speedups",
    "factories.accounts",
    "factories.content",
    "factories.mentors",
    "factories.reports",
]


def count_rows(model) -> int:
    """Rows of a model, read fresh (for "nothing changed" assertions)."""
    from sqlalchemy import func, select

    from collab.extensions import db

    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))
