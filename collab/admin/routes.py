"""Admin pages: approvals, organisations, the e-mail outbox."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from ..auth import membership
from ..auth.models import User
from ..auth.sessions import admin_required
from ..extensions import db
from ..mail.models import OutboxMessage
from ..orgs import services as org_services
from ..orgs.forms import OrganisationForm
from ..orgs.models import Organisation
from . import services

bp = Blueprint("admin", __name__, url_prefix="/<lang:lang>/admin")


@bp.before_request
@admin_required
def require_admin():
    """Every page here is for base administrators only."""


@bp.get("/")
def dashboard():
    """Pending organisations and memberships."""
    return render_template("admin/dashboard.html", csrf_form=FlaskForm(),
                           orgs=org_services.proposed_organisations(),
                           memberships=membership.pending_memberships())


@bp.post("/organisations/<int:org_id>/decision")
def decide_organisation(org_id: int):
    """Approve or reject a proposed organisation."""
    org = db.session.get(Organisation, org_id)
    if org is None:
        abort(404)
    decision = request.form.get("decision")
    if FlaskForm().validate_on_submit() and decision in ("approve", "reject") and org.status == "proposed":
        membership.decide_organisation(org, decision == "approve", current_user)
        flash(_("Organisation approved.") if decision == "approve" else _("Organisation rejected."), "success")
    else:
        flash(_("Nothing was changed: this organisation is not awaiting a decision."), "warning")
    return redirect(url_for("admin.dashboard"))


@bp.post("/memberships/<int:user_id>/decision")
def decide_membership(user_id: int):
    """Approve or decline a pending membership."""
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    decision = request.form.get("decision")
    if FlaskForm().validate_on_submit() and decision in ("approve", "reject") and user.membership_status == "pending":
        membership.decide_membership(user, decision == "approve", current_user)
        flash(_("Membership approved.") if decision == "approve" else _("Membership declined."), "success")
    else:
        flash(_("Nothing was changed: this membership is not awaiting a decision."), "warning")
    return redirect(url_for("admin.dashboard"))


@bp.route("/organisations/new", methods=["GET", "POST"])
def create_organisation():
    """Add an organisation to the network."""
    return _edit_organisation(Organisation(facts={}, status="approved"))


@bp.route("/organisations/<int:org_id>/edit", methods=["GET", "POST"])
def edit_organisation(org_id: int):
    """Edit an organisation's bilingual profile."""
    org = db.session.get(Organisation, org_id)
    if org is None:
        abort(404)
    return _edit_organisation(org)


def _edit_organisation(org: Organisation):
    form = OrganisationForm(obj=org)
    if request.method == "GET" and not org.timezone:
        form.timezone.data = "Asia/Urumqi"
    if form.validate_on_submit():
        org_services.save_organisation(org, form.data_for_model(), current_user)
        flash(_("Organisation saved."), "success")
        return redirect(url_for("orgs.profile", key=org.key))
    return render_template("admin/organisation_form.html", form=form, org=org)


@bp.get("/outbox")
def outbox():
    """E-mails the platform wrote, as their recipients read them."""
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    messages, total = services.outbox_page(page)
    return render_template("admin/outbox.html", messages=messages, total=total, page=page, per_page=25)


@bp.get("/outbox/<int:message_id>")
def outbox_message(message_id: int):
    """One e-mail from the outbox."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        abort(404)
    return render_template("admin/outbox_message.html", message=message)


@bp.get("/reviews")
def reviews():
    """The moderation queue: pending projects and needs with their full text."""
    from ..content.reviews import queue
    from ..content.views import ReviewForm

    return render_template("admin/reviews.html", queue=queue(), form=ReviewForm())


@bp.post("/reviews/<kind>/<int:item_id>")
def review(kind: str, item_id: int):
    """Approve or reject one pending item with a typed reason."""
    from ..content.kinds import KINDS
    from ..content.reviews import decide
    from ..content.views import ReviewForm
    from ..errors import attempt

    item_kind = KINDS.get(kind)
    item = db.session.get(item_kind.model, item_id) if item_kind else None
    if item is None or item.status == "draft":
        abort(404)
    form = ReviewForm()
    if form.validate_on_submit():
        attempt(lambda: decide(item, form.decision.data, current_user, reason_code=form.reason.data or None,
                               note=form.note.data or None), _("Decision sent to the author."))
    else:  # a bad note (markup, too long): say why instead of silently doing nothing
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "danger")
    return redirect(url_for("admin.reviews"))
