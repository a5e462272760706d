"""Scheduled jobs. Each is idempotent and scans for due rows, so a run twice, or a
run after downtime, does the right thing (STACK.md: APScheduler 3 facts)."""
from __future__ import annotations

import logging
import os
from typing import Callable

import click
from flask import Flask

from .extensions import db, scheduler

logger = logging.getLogger("collab.jobs")


def deliver_outbox_job() -> int:
    from .mail.service import deliver_outbox

    return deliver_outbox()


def expire_needs_job() -> int:
    from .needs.services import expire_overdue

    return expire_overdue()


def booking_reminders_job() -> int:
    from .mentors.bookings import send_due_reminders

    return send_due_reminders()


def refresh_matches_job() -> dict:
    from .matching.store import refresh_all

    return refresh_all()


def weekly_digest_job() -> int:
    from .matching.digest import send_weekly_digests

    return send_weekly_digests()


# id -> (function, interval seconds config key or seconds, run once at start-up)
JOBS: dict[str, tuple[Callable[[], object], str | int, bool]] = {
    "deliver_outbox": (deliver_outbox_job, "OUTBOX_DELIVERY_SECONDS", False),
    "expire_needs": (expire_needs_job, "NEED_EXPIRY_SECONDS", True),
    "refresh_matches": (refresh_matches_job, "MATCH_REFRESH_SECONDS", True),
    # Hourly scan; each user gets at most one digest per ISO week (see matching/digest.py).
    "weekly_digest": (weekly_digest_job, 3600, False),
    "booking_reminders": (booking_reminders_job, 60, True),  # 24 h and 1 h before confirmed sessions
}


def run_job(app: Flask, job_id: str):
    """Run one job in its own app context and transaction (as a write path)."""
    function = JOBS[job_id][0]
    # A request context gives jobs url_for() for links in e-mails; POST marks it a
    # write path for SQLite's BEGIN IMMEDIATE.
    with app.test_request_context(base_url=app.config.get("BASE_URL", "http://127.0.0.1:5000"), method="POST"):
        try:
            result = function()
            db.session.commit()
            logger.info("job done", extra={"job": job_id})
            return result
        except Exception:
            db.session.rollback()
            logger.exception("job failed", extra={"job": job_id})
            raise
        finally:
            db.session.remove()


# STACK.md: APScheduler's default misfire_grace_time (1 s) silently dropped a job that
# fell due while the process was down. Set per job, whatever the scheduler's defaults.
JOB_OPTIONS = {"misfire_grace_time": None, "coalesce": True, "max_instances": 1, "replace_existing": True}


def add_jobs(app: Flask, target) -> None:
    """Register every job with fixed ids on ``target`` (a scheduler)."""
    for job_id, (_function, every, at_start) in JOBS.items():
        seconds = app.config[every] if isinstance(every, str) else every
        target.add_job(run_job, "interval", seconds=seconds, args=[app, job_id], id=job_id, **JOB_OPTIONS)
        if at_start:
            target.add_job(run_job, args=[app, job_id], id=f"{job_id}_at_start", **JOB_OPTIONS)


def start_in_dev_server(app: Flask) -> None:
    """In development the scheduler runs inside ``flask run`` (in the reloader's child only)."""
    if not app.config["SCHEDULER_AUTOSTART"] or scheduler.running:
        return

    command = click.get_current_context(silent=True)
    if command is not None and command.info_name != "run":
        return  # other commands (db upgrade, demo, scheduler itself) never start the dev scheduler
    if app.debug and os.environ.get("WERKZEUG_RUN_MAIN") != "true":
        return
    add_jobs(app, scheduler)
    scheduler.start()
