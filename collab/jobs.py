"""Scheduled jobs. Each is idempotent and scans for due rows, so a run twice, or a
run after downtime, does the right thing (docs/STACK.md: APScheduler 3 facts)."""
from __future__ import annotations

import logging
import os
from contextlib import nullcontext
from typing import Callable

import click
from flask import Flask, current_app, has_app_context

from .extensions import db, scheduler
from .unit_of_work import unit_of_work

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


def event_reminders_job() -> int:
    from .events.services import send_due_reminders

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
    "event_reminders": (event_reminders_job, 300, True),  # the day before an event, once per registrant
}


def run_job(app: Flask, job_id: str):
    """Run one job as one unit of work (a write transaction, committed when it returns,
    rolled back if it fails) in the app context; no request is needed, e-mails build
    their links on BASE_URL."""
    function = JOBS[job_id][0]
    with _app_context(app):
        try:
            with unit_of_work():
                result = function()
            logger.info("job done", extra={"job": job_id})
            return result
        except Exception:
            logger.exception("job failed", extra={"job": job_id})
            raise
        finally:
            db.session.remove()


def _app_context(app: Flask):
    """The app context already active for ``app`` (a job run from a command), else a new one."""
    if has_app_context() and current_app._get_current_object() is app:
        return nullcontext()
    return app.app_context()


# docs/STACK.md: APScheduler's default misfire_grace_time (1 s) silently dropped a job that
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
