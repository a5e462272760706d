"""API tokens: issued on log-in through the API, listed and revoked on the profile page."""
from __future__ import annotations

import secrets

from flask import current_app

from ..db import utcnow
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
