"""Bearer tokens for the API (no CSRF needed: no cookie is involved)."""
from __future__ import annotations

from functools import wraps

from flask_login import current_user

from .errors import ApiError


def token_required(view):
    """401 without a valid bearer token."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            raise ApiError(401)
        return view(*args, **kwargs)

    return wrapped
