"""New matches for a user: since their last visit (workspace) and the weekly digest."""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from ..auth.models import User
from ..db import utcnow
from ..extensions import db
from ..mail.service import send_email
from ..needs.models import Need
from ..projects.models import Project
from .models import DigestSend, Match, MatchPreference
from ..content.kinds import kind_named


def preference(user) -> MatchPreference:
    pref = db.session.get(MatchPreference, user.id)
    if pref is None:
        pref = MatchPreference(user_id=user.id, digest_enabled=True)
        db.session.add(pref)
        db.session.flush()
    return pref


def digest_enabled(user) -> bool:
    pref = db.session.get(MatchPreference, user.id)
    return True if pref is None else pref.digest_enabled


def new_matches(user, since: datetime | None, min_score: float = 0.0, limit: int = 50) -> list[Match]:
    """Matches on the user's own live items that first appeared after ``since``."""
    statement = (
        select(Match).join(Need, Need.id == Match.need_id).join(Project, Project.id == Match.project_id)
        .where(or_(Need.owner_id == user.id, Project.owner_id == user.id),
               Need.status.in_(kind_named("need").matchable), Project.status.in_(kind_named("project").matchable),
               Match.score >= min_score)
        .order_by(Match.score.desc()).limit(limit))
    if since is not None:
        statement = statement.where(Match.created_at > since)
    return list(db.session.scalars(statement))


def matches_since_last_visit(user) -> list[Match]:
    """What the workspace lists as new; the visit then moves the mark forward."""
    from .store import min_display_score

    pref = preference(user)
    found = new_matches(user, pref.last_seen_at, min_display_score())
    pref.last_seen_at = utcnow()
    return found


def period_of(now: datetime) -> str:
    year, week, _ = now.isocalendar()
    return f"{year}-W{week:02d}"


def send_weekly_digests(now: datetime | None = None) -> int:
    """E-mail each user their new matches above the threshold since their last digest.

    Idempotent: a (user, ISO week) row is claimed before sending, under a unique
    constraint, so a second run in the same week sends nothing."""
    now = now or utcnow()
    period = period_of(now)
    threshold = float(current_app.config["MATCH_DIGEST_THRESHOLD"])
    owners = select(Need.owner_id).where(Need.status.in_(kind_named("need").matchable)).union(
        select(Project.owner_id).where(Project.status.in_(kind_named("project").matchable)))
    sent = 0
    for user in db.session.scalars(select(User).where(User.id.in_(owners), User.is_enabled.is_(True))):
        pref = preference(user)
        if not pref.digest_enabled:
            continue
        if db.session.scalar(select(DigestSend.id).where(DigestSend.user_id == user.id, DigestSend.period == period)):
            continue
        matches = new_matches(user, pref.last_digest_at, threshold, limit=20)
        if not matches:
            continue
        try:
            with db.session.begin_nested():
                db.session.add(DigestSend(user_id=user.id, period=period, match_count=len(matches), sent_at=now))
        except IntegrityError:
            continue  # another run claimed this user's digest
        send_email(user, "match_digest", matches=matches)
        pref.last_digest_at = now
        sent += 1
    db.session.flush()
    return sent


def digest_settings(user) -> dict:
    """The profile page's digest switch (a profile context provider)."""
    from .forms import DigestForm

    return {"digest_form": DigestForm(digest_enabled=digest_enabled(user))}
