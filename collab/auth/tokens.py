"""API tokens: issued on log-in through the API, listed and revoked on the profile page."""
from __future__ import annotations

import secrets

from flask import current_app, g
from sqlalchemy import select

from ..db import in_write_scope, utcnow
from ..extensions import db
from .models import ApiToken, User


def issue_token(user: User, label: str = "api") -> tuple[str, ApiToken]:
    """A new bearer token for ``user``; only its hash is stored."""
    token = secrets.token_urlsafe(32)
    record = ApiToken(user_id=user.id, token_hash=ApiToken.hash(token), label=label,
                      expires_at=utcnow() + current_app.config["API_TOKEN_LIFETIME"])
    db.session.add(record)
    db.session.flush()
    return token, record


def revoke_token(record: ApiToken) -> None:
    record.revoked_at = record.revoked_at or utcnow()


def user_from_bearer(request):
    """The user of a valid ``Authorization: Bearer`` token, or None (the API trusts no cookie)."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    record = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == ApiToken.hash(token.strip())))
    now = utcnow()
    if record is None or not record.is_valid(now):
        g.api_bad_token = True
        return None
    if in_write_scope():
        # Recorded by the requests that write anyway: a read (GET) stays a read, so SQLite's
        # readers never queue behind writers for a timestamp.
        record.last_used_at = now
    return record.user
