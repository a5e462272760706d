"""Flask-Login wiring: the cookie carries a server-side session token, so a cookie
replayed after logout, a password change or disabling is refused (docs/STACK.md)."""
from __future__ import annotations

from functools import wraps

from flask import abort, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..extensions import db, login_manager
from .models import User


def setup_login(app) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        if request.path.startswith("/api/"):
            return None  # the API trusts bearer tokens only, never cookies
        ident, _, token = user_id.partition(":")
        if not ident.isdigit() or not token:
            return None
        user = db.session.get(User, int(ident))
        if user is None or user.session_token != token or not user.is_enabled:
            return None
        return user

    @login_manager.request_loader
    def load_api_user(req):
        # Only the JSON API authenticates by bearer token.
        if not req.path.startswith("/api/"):
            return None
        from .tokens import user_from_bearer

        return user_from_bearer(req)

    @login_manager.unauthorized_handler
    def unauthorized():
        from flask import abort, flash, redirect, url_for

        if request.path.startswith("/api/"):
            abort(401)  # the API's error handler answers with its JSON shape

        flash(login_manager.login_message, "warning")
        return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))


def role_required(*roles: str):
    """Refuse (403) anyone signed in without one of ``roles``; admins pass everywhere."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not (current_user.is_admin or current_user.has_role(*roles)):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def admin_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped
