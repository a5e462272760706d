"""Bearer tokens for the API (no CSRF needed: no cookie is involved)."""
from __future__ import annotations

from functools import wraps

from flask import g
from flask_login import current_user
from sqlalchemy import select

from ..auth.models import ApiToken
from ..db import utcnow
from ..extensions import db
from .errors import ApiError


def user_from_bearer(request):
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    record = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == ApiToken.hash(token.strip())))
    now = utcnow()
    if record is None or not record.is_valid(now):
        g.api_bad_token = True
        return None
    record.last_used_at = now
    return record.user


def token_required(view):
    """401 without a valid bearer token."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            raise ApiError(401)
        return view(*args, **kwargs)

    return wrapped
