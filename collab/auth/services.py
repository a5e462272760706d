"""Accounts: registration, credentials, password reset, profile. Plain functions
that flush; the unit of work commits."""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from .. import audit
from ..db import utcnow
from ..errors import ServiceError
from ..extensions import db
from ..orgs.models import Organisation
from .models import User, new_session_token

# A hash to compare against when the e-mail is unknown, so timing does not reveal it.
_DUMMY_HASH: dict[str, str] = {}


class AccountError(ServiceError):
    """A rule refused the change; ``field`` names the form field it concerns."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def email_taken(email: str) -> bool:
    return db.session.scalar(select(func.count(User.id)).where(User.email == normalise_email(email))) > 0


def authenticate(email: str, password: str) -> User | None:
    """The enabled user with these credentials, or None."""
    user = find_user_by_email(email)
    if user is None:
        method = current_app.config["PASSWORD_HASH_METHOD"]
        _DUMMY_HASH.setdefault(method, generate_password_hash("dummy", method=method))
        check_password_hash(_DUMMY_HASH[method], password)
        return None
    if not user.is_enabled or not check_password_hash(user.password_hash, password):
        return None
    user.last_login_at = utcnow()
    return user


@dataclass
class ProposedOrganisation:
    name_zh: str | None
    name_en: str | None
    kind: str
    city_zh: str | None
    city_en: str | None
    country: str
    timezone: str


def register_user(*, email: str, password: str, display_name: str, locale: str, timezone: str,
                  role: str, organisation: Organisation | None = None,
                  proposed: ProposedOrganisation | None = None) -> User:
    """Create an account; membership of an organisation waits for an admin's approval."""
    from flask_babel import lazy_gettext as _l

    if email_taken(email):
        raise AccountError(_l("An account with this e-mail address already exists."), "email")
    user = User(
        email=normalise_email(email), password_hash=hash_password(password),
        display_name=display_name.strip(), locale=locale, timezone=timezone, roles=role,
    )
    if proposed is not None:
        organisation = propose_organisation(proposed)
    if organisation is not None:
        user.organisation = organisation
        user.membership_status = "pending"
    db.session.add(user)
    db.session.flush()
    audit.record(user, "user.registered", "user", user.id, role=role,
                 organisation_id=organisation.id if organisation else None)
    return user


def propose_organisation(proposed: ProposedOrganisation) -> Organisation:
    """A new organisation in ``proposed`` state, for an admin to approve."""
    from ..orgs.services import unique_key

    org = Organisation(
        key=unique_key(proposed.name_en or proposed.name_zh or "org"), kind=proposed.kind, status="proposed",
        name_zh=proposed.name_zh or None, name_en=proposed.name_en or None,
        city_zh=proposed.city_zh or None, city_en=proposed.city_en or None,
        country=proposed.country, timezone=proposed.timezone, facts={},
    )
    org.refresh_search_text()
    db.session.add(org)
    db.session.flush()
    return org


def create_user(*, email: str, password: str, role: str, display_name: str | None = None,
                locale: str = "zh", timezone: str = "Asia/Shanghai",
                organisation: Organisation | None = None) -> User:
    """An account made by an operator (CLI): already approved in its organisation."""
    from flask_babel import lazy_gettext as _l

    if email_taken(email):
        raise AccountError(_l("An account with this e-mail address already exists."), "email")
    user = User(
        email=normalise_email(email), password_hash=hash_password(password),
        display_name=(display_name or email.split("@")[0]).strip(), locale=locale,
        timezone=timezone, roles=role,
        organisation=organisation, membership_status="approved" if organisation else "none",
    )
    db.session.add(user)
    db.session.flush()
    audit.record(None, "user.created", "user", user.id, role=role)
    return user


def change_password(user: User, new_password: str) -> None:
    """Set a new password and end every other session of this user."""
    user.password_hash = hash_password(new_password)
    user.session_token = new_session_token()
    audit.record(user, "user.password_changed", "user", user.id)


def end_sessions(user: User) -> None:
    """Invalidate every cookie issued to this user (logout everywhere)."""
    user.session_token = new_session_token()


def update_profile(user: User, *, display_name: str, locale: str, timezone: str) -> None:
    user.display_name = display_name.strip()
    user.locale = locale
    user.timezone = timezone


# --- password reset ------------------------------------------------------------

def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="collab.password-reset")


def _reset_fingerprint(user: User) -> str:
    # Part of the current hash: once the password changes, the link is spent.
    return user.password_hash[-16:]


def make_reset_token(user: User) -> str:
    return _reset_serializer().dumps({"uid": user.id, "fp": _reset_fingerprint(user)})


def user_from_reset_token(token: str) -> User | None:
    """The user a valid, unexpired, unused reset token belongs to, else None."""
    try:
        data = _reset_serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("uid"), int):
        return None
    user = db.session.get(User, data["uid"])
    if user is None or not user.is_enabled or data.get("fp") != _reset_fingerprint(user):
        return None
    return user


def request_password_reset(email: str) -> bool:
    """E-mail a reset link if the account exists; the caller answers the same either way."""
    from ..mail.service import send_email

    user = find_user_by_email(email)
    if user is None or not user.is_enabled:
        return False
    send_email(user, "reset_password", token=make_reset_token(user),
               max_age_minutes=current_app.config["PASSWORD_RESET_MAX_AGE"] // 60)
    return True


PASSWORD_MIN_LENGTH = 8


def password_problem(password: str) -> str | None:
    """Why a password is too weak, or None."""
    from flask_babel import gettext as _

    if len(password) < PASSWORD_MIN_LENGTH:
        return _("Use at least %(n)d characters.", n=PASSWORD_MIN_LENGTH)
    if not re.search(r"[A-Za-z]", password) or not re.search(r"\d", password):
        return _("Use letters and at least one digit.")
    return None
