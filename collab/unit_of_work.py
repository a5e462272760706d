"""The unit of work: one transaction per web request, API request, job run and CLI
command, committed in exactly one place and rolled back on any error.

Services only ``flush``; they never commit. A web or API request commits after its
view answered with a status below 400 and rolls back otherwise (and on any exception);
a job or command commits when its body returns. Unsafe requests (POST, PUT, PATCH,
DELETE), jobs and commands are write scopes, so SQLite takes its write lock at BEGIN.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from flask import Flask, g, request

from .db import _write_scope, db_write
from .extensions import db

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def commit() -> None:
    """Commit the current transaction (the unit of work's single commit)."""
    db.session.commit()


def rollback() -> None:
    db.session.rollback()


@contextmanager
def unit_of_work() -> Iterator[None]:
    """One write transaction for a job run or a CLI command: commit on success, roll back
    on any error (which is raised again)."""
    with db_write():
        try:
            yield
            commit()
        except BaseException:
            rollback()
            raise


def setup_unit_of_work(app: Flask) -> None:
    """Wrap every request in one transaction."""

    @app.before_request
    def begin_unit_of_work():
        if request.method not in SAFE_METHODS:
            g._collab_write_token = _write_scope.set(True)

    @app.after_request
    def finish_unit_of_work(response):
        if response.status_code < 400:
            commit()
        else:
            rollback()
        return response

    @app.teardown_request
    def end_unit_of_work(error):
        if error is not None:
            try:
                rollback()
            except Exception:  # the connection may be gone; the session is removed anyway
                pass
        token = g.pop("_collab_write_token", None)
        if token is not None:
            _write_scope.reset(token)
