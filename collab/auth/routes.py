"""Sign-up, log-in, profile, password and API-token pages."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from ..extensions import db, limiter
from ..forms import select_choices
from ..i18n import localized_text
from ..unit_of_work import rollback
from ..orgs.models import Organisation
from .membership import notify_admins_of_membership
from . import services
from .forms import (ApiTokenForm, ChangePasswordForm, LoginForm, ProfileForm, RegisterForm,
                    ResetPasswordForm, ResetRequestForm)
from .models import ApiToken
from .tokens import issue_token, revoke_token

# Other features' settings on the profile page (matching: the weekly digest switch),
# registered by collab/subscribers.py so this package imports none of them.
profile_context_providers: list = []

bp = Blueprint("auth", __name__, url_prefix="/<lang:lang>")


def safe_next(default: str) -> str:
    """Only same-site relative paths are followed after log-in."""
    target = request.args.get("next", "")
    # Browsers drop tabs and newlines inside a URL, so "/\t/evil.example" would become "//evil.example".
    if any(ch.isspace() or not ch.isprintable() for ch in target):
        return default
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    """Log in with e-mail and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors.append(_("The e-mail or password is not right."))
        else:
            login_user(user, remember=form.remember.data)
            flash(_("Welcome back, %(name)s.", name=user.display_name), "success")
            return redirect(safe_next(url_for("main.home")))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    """Log out here and invalidate the session cookie everywhere."""
    services.end_sessions(current_user)
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("main.home"))


def _organisation_choices() -> list[tuple[str, str]]:
    orgs = db.session.scalars(
        select(Organisation).where(Organisation.status == "approved").order_by(Organisation.kind, Organisation.id)
    ).all()
    return ([("", _("— none (mentors only) —"))]
            + [(org.key, localized_text(org, "name")) for org in orgs]
            + [(RegisterForm.NEW_ORG, _("My organisation is not listed: propose it"))])


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Create an account; organisation membership then awaits an admin."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegisterForm()
    form.organisation.choices = select_choices(_organisation_choices())
    if request.method == "GET":
        form.locale.data = request.view_args.get("lang") if request.view_args else None
    if form.validate_on_submit():
        organisation, proposed = None, None
        if form.organisation.data == RegisterForm.NEW_ORG:
            proposed = services.ProposedOrganisation(
                name_zh=form.org_name_zh.data, name_en=form.org_name_en.data, kind=form.org_kind.data,
                city_zh=form.org_city.data, city_en=form.org_city.data, country=form.org_country.data,
                timezone=form.timezone.data,
            )
        elif form.organisation.data:
            organisation = db.session.scalar(select(Organisation).where(Organisation.key == form.organisation.data))
        try:
            user = services.register_user(
                email=form.email.data, password=form.password.data, display_name=form.display_name.data,
                locale=form.locale.data, timezone=form.timezone.data, role=form.role.data,
                organisation=organisation, proposed=proposed,
            )
        except services.AccountError as error:
            rollback()  # the form is shown again (200): keep nothing of the refused sign-up
            getattr(form, error.field).errors.append(error.message)
        else:
            notify_admins_of_membership(user)
            login_user(user)
            if user.membership_status == "pending":
                flash(_("Welcome! You can browse now; publishing opens once an administrator approves your membership."), "info")
            else:
                flash(_("Welcome to Collab!"), "success")
            return redirect(url_for("main.home", lang=user.locale))
    return render_template("auth/register.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile():
    """Edit display name, language and time zone; list API tokens."""
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        services.update_profile(current_user, display_name=form.display_name.data,
                                locale=form.locale.data, timezone=form.timezone.data)
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("auth.profile"))
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == current_user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc()).limit(50)
    ).all()
    extra = {}
    for provider in profile_context_providers:
        extra.update(provider(current_user))
    return render_template("auth/profile.html", form=form, tokens=tokens, token_form=ApiTokenForm(), **extra)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change the password; every other session ends."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if services.authenticate(current_user.email, form.current_password.data) is None:
            form.current_password.errors.append(_("This is not your current password."))
        else:
            services.change_password(current_user, form.password.data)
            login_user(current_user._get_current_object())  # this browser keeps its session, with the new token
            flash(_("Your password is changed. Other devices have been signed out."), "success")
            return redirect(url_for("auth.profile"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/password/reset", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def reset_request():
    """Ask for a reset link by e-mail (the answer never reveals whether an account exists)."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        flash(_("If an account exists for that address, a reset link is on its way."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_request.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Set a new password from an e-mailed, expiring, single-use link."""
    user = services.user_from_reset_token(token)
    if user is None:
        flash(_("This reset link has expired or was already used. Ask for a new one."), "warning")
        return redirect(url_for("auth.reset_request"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        services.change_password(user, form.password.data)
        flash(_("Your password is set. Please log in."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form)


@bp.post("/account/tokens")
@login_required
def create_token():
    """Create an API token; it is shown once."""
    form = ApiTokenForm()
    if not form.validate_on_submit():
        flash(_("Give the token a short label."), "danger")
        return redirect(url_for("auth.profile"))
    token, _record = issue_token(current_user, label=form.label.data)
    return render_template("auth/token_created.html", token=token)


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    """Revoke one of the caller's API tokens."""
    record = db.session.get(ApiToken, token_id)
    if record is None or record.user_id != current_user.id:
        abort(404)
    revoke_token(record)
    flash(_("The token is revoked."), "info")
    return redirect(url_for("auth.profile"))
