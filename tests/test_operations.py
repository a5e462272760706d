"""Operations: the health check, backups, the scheduler's jobs and structured logs."""
from __future__ import annotations

import io
import json
import logging
import shutil
import sqlite3
import subprocess

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from collab import create_app
from collab.extensions import db
from collab.logs import JsonFormatter

from conftest import count_rows


def test_healthz_answers_ok_while_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"


# --- backups ------------------------------------------------------------------------

@pytest.mark.committed  # sqlite3 / pg_dump read what was committed
def test_backup_writes_a_consistent_copy_while_the_database_is_in_use(app, backend, create_user, tmp_path):
    from collab.auth.models import User

    for _ in range(3):
        create_user(role="mentor")
    users = count_rows(User)
    db.session.close()  # the test's own session lets go of the database
    if backend == "sqlite":
        check_sqlite_backup(app, tmp_path / "copy.db", users=users)
    else:
        check_postgresql_backup(app, tmp_path / "collab.dump")


def check_sqlite_backup(app, target, users: int) -> None:
    # Another process is in the middle of a write when the backup runs.
    writer = sqlite3.connect(make_url(app.config["DATABASE_URL"]).database, timeout=1)
    writer.isolation_level = None
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE users SET display_name = 'half-written'")
    try:
        result = app.test_cli_runner().invoke(args=["backup", str(target)])
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert result.exit_code == 0, result.output
    copy = sqlite3.connect(target)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("SELECT count(*) FROM users").fetchone() == (users,)
        assert copy.execute("SELECT count(*) FROM users WHERE display_name = 'half-written'").fetchone() == (0,)
    finally:
        copy.close()


def check_postgresql_backup(app, target) -> None:
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump/pg_restore are not installed (Debian: postgresql-client)")
    result = app.test_cli_runner().invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_bytes()[:5] == b"PGDMP"  # the custom format's signature
    listing = subprocess.run(["pg_restore", "--list", str(target)], capture_output=True, text=True, check=True)
    assert "TABLE DATA public users" in listing.stdout


# --- the scheduler ------------------------------------------------------------------

def test_jobs_have_fixed_ids_and_survive_downtime(app):
    from collab.jobs import JOBS, add_jobs

    scheduler = BackgroundScheduler(timezone="UTC")  # no job defaults: add_jobs must set them
    scheduler.start(paused=True)
    try:
        add_jobs(app, scheduler)
        add_jobs(app, scheduler)  # registering again replaces, never duplicates
        jobs = scheduler.get_jobs()
        assert {job.id for job in jobs} >= set(JOBS)
        assert len(jobs) == len({job.id for job in jobs})
        for job in jobs:
            assert job.misfire_grace_time is None, job.id
            assert job.coalesce is True, job.id
            assert job.max_instances == 1, job.id
    finally:
        scheduler.shutdown(wait=False)


@pytest.fixture
def smtp_app(app_config):
    """An app that hands its outbox to SMTP (Flask-Mailman's in-memory backend in tests)."""
    application = create_app({**app_config, "MAIL_DELIVERY": "smtp"})
    application.extensions["mailman"].outbox = []
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.mark.committed  # a second engine checks the commit
def test_run_job_commits_and_running_it_twice_sends_nothing_twice(smtp_app):
    from collab.auth.models import User
    from collab.jobs import run_job
    from collab.mail.models import OutboxMessage
    from collab.mail.service import send_email

    from collab.unit_of_work import unit_of_work

    with smtp_app.app_context():
        with unit_of_work():
            user = User(email="mentor@example.com", password_hash="x", display_name="导师", locale="zh",
                        timezone="Asia/Urumqi", roles="mentor")
            db.session.add(user)
            db.session.flush()
            for _ in range(2):
                send_email(user, "reset_password", token="t", max_age_minutes=60)
        db.session.remove()

    assert run_job(smtp_app, "deliver_outbox") == 2
    assert run_job(smtp_app, "deliver_outbox") == 0
    assert [message.to for message in smtp_app.extensions["mailman"].outbox] == [["mentor@example.com"]] * 2
    # Committed: a separate connection sees both rows marked sent.
    engine = create_engine(smtp_app.config["DATABASE_URL"])
    try:
        with engine.connect() as connection:
            unsent = connection.scalar(select(func.count()).select_from(OutboxMessage.__table__)
                                       .where(OutboxMessage.__table__.c.sent_at.is_(None)))
            total = connection.scalar(text("SELECT count(*) FROM outbox_messages"))
    finally:
        engine.dispose()
    assert (total, unsent) == (2, 0)


@pytest.mark.committed  # a second engine checks what the job committed
def test_a_job_is_one_unit_of_work_in_the_app_context_alone(app_config, monkeypatch):
    """A job needs no request: it runs in the app context as a write scope, commits when
    it returns and leaves nothing behind when it fails."""
    from flask import has_request_context

    from collab import jobs
    from collab.auth.models import User
    from collab.db import in_write_scope

    application = create_app(app_config)
    seen = []

    def adding(email: str, fail: bool = False):
        def job():
            seen.append((has_request_context(), in_write_scope()))
            db.session.add(User(email=email, password_hash="x", display_name="Job", roles="mentor"))
            db.session.flush()
            if fail:
                raise RuntimeError("the job broke half-way")
            return "done"
        return job

    monkeypatch.setitem(jobs.JOBS, "probe", (adding("kept@example.com"), 60, False))
    monkeypatch.setitem(jobs.JOBS, "broken", (adding("lost@example.com", fail=True), 60, False))
    assert jobs.run_job(application, "probe") == "done"
    with pytest.raises(RuntimeError):
        jobs.run_job(application, "broken")
    assert seen == [(False, True), (False, True)]
    engine = create_engine(application.config["DATABASE_URL"])
    try:
        with engine.connect() as connection:
            emails = connection.scalars(select(User.__table__.c.email).where(
                User.__table__.c.email.in_(["kept@example.com", "lost@example.com"]))).all()
    finally:
        engine.dispose()
    with application.app_context():
        db.engine.dispose()
    assert emails == ["kept@example.com"]


# --- structured logs ----------------------------------------------------------------

@pytest.fixture
def log_lines(app_config):
    """(app logging at INFO, a function returning the JSON lines logged so far)."""
    application = create_app({**app_config, "LOG_LEVEL": "INFO"})
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("collab")
    logger.addHandler(handler)
    try:
        yield application, lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        logger.removeHandler(handler)
        with application.app_context():
            db.engine.dispose()


def test_each_request_logs_one_json_line_with_its_request_id(log_lines):
    application, read = log_lines
    client = application.test_client()
    response = client.get("/zh/organisations/?kind=offshore_incubator")
    assert response.status_code == 200
    request_id = response.headers["X-Request-Id"]
    assert request_id
    access = [entry for entry in read() if entry.get("message") == "request"]
    assert len(access) == 1
    entry = access[0]
    assert entry["method"] == "GET" and entry["path"] == "/zh/organisations/" and entry["status"] == 200
    assert isinstance(entry["duration_ms"], (int, float)) and entry["duration_ms"] >= 0
    assert entry["request_id"] == request_id


def test_a_request_id_from_the_load_balancer_is_kept(log_lines):
    application, read = log_lines
    response = application.test_client().get("/healthz", headers={"X-Request-Id": "lb-7f3a9c"})
    assert response.headers["X-Request-Id"] == "lb-7f3a9c"
    assert [e["request_id"] for e in read() if e.get("message") == "request"] == ["lb-7f3a9c"]
