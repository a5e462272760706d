"""Need pages: listing and search, detail with timeline, the form and actions."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..content import services as content
from ..content.labels import LOCATION_LABELS, NEED_KIND_LABELS
from ..content.lifecycle import NEED_LIFECYCLE_TARGETS
from ..content.services import sector_choices
from ..content.views import ActionForm, TransitionForm, choice_arg, page_number, per_page, require_owner, run_service
from ..extensions import db
from ..matching.views import recommendations
from ..search.index import snippet
from . import services
from .forms import NeedForm
from .models import PUBLIC_NEED_STATUSES, Need

bp = Blueprint("needs", __name__, url_prefix="/<lang:lang>/needs")


@bp.get("/")
def listing():
    """Open needs of Xinjiang enterprises with filters, sorting and bilingual search."""
    q = (request.args.get("q") or "").strip()[:100]
    filters = {
        "kind": choice_arg("kind", NEED_KIND_LABELS),
        "sector": request.args.get("sector") or None,
        "location": choice_arg("location", LOCATION_LABELS),
        "organisation": (request.args.get("organisation") or "").strip()[:64] or None,
        "status": choice_arg("status", PUBLIC_NEED_STATUSES),
    }
    sort = choice_arg("sort", services.SORTS) or "newest"
    page = page_number()
    needs, total = services.listing(current_user, **filters, q=q or None, sort=sort, page=page, per_page=per_page())
    return render_template("needs/listing.html", needs=needs, total=total, page=page, per_page=per_page(),
                           filters=filters, q=q, sort=sort, snippet=snippet, sectors=sector_choices(),
                           shows_organisation=services.shows_organisation)


def _form_for(need: Need | None = None) -> NeedForm:
    form = NeedForm(obj=need, today=services.today())
    form.sectors.choices = sector_choices()
    if need is not None and request.method == "GET":
        form.sectors.data = need.sector_codes
    return form


def _save(form: NeedForm, need: Need | None):
    try:
        if need is None:
            need = services.create_need(current_user, form.data_for_model())
        else:
            services.update_need(need, form.data_for_model(), current_user)
        if form.submit_for_review.data and need.status in ("draft", "rejected"):
            services.submit_need(need, current_user)
    except content.ContentError as error:
        db.session.rollback()
        if error.status == 403:
            abort(403)
        form.form_errors.append(str(error.message))
        return None
    db.session.commit()
    if need.status == "pending_review":
        flash(_("Saved and sent for review. An administrator will look at it soon."), "success")
    else:
        flash(_("Saved as a draft. Preview it below, then submit it for review."), "success")
    return need


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    """Publish a need (draft, then review)."""
    if not services.may_create(current_user):
        abort(403)
    form = _form_for()
    if form.validate_on_submit():
        need = _save(form, None)
        if need is not None:
            return redirect(url_for("needs.detail", need_id=need.id))
    return render_template("needs/form.html", form=form, need=None)


@bp.get("/<int:need_id>")
def detail(need_id: int):
    """A need with its timeline; anonymous needs hide their organisation."""
    need = services.get_visible(need_id, current_user)
    if need is None:
        abort(404)
    allowed = content.allowed_transitions(need, current_user)
    return render_template(
        "needs/detail.html", need=need, history=content.history(need), allowed=allowed,
        lifecycle=[t for t in NEED_LIFECYCLE_TARGETS if t in allowed],
        is_owner=content.is_owner(need, current_user), action_form=ActionForm(),
        transition_form=TransitionForm(), show_org=services.shows_organisation(need, current_user),
        **recommendations(need, current_user),
    )


def _owned(need_id: int) -> Need:
    need = services.get_visible(need_id, current_user)
    require_owner(need)
    return need


@bp.route("/<int:need_id>/edit", methods=["GET", "POST"])
@login_required
def edit(need_id: int):
    """Edit a need; an open need goes back to review."""
    need = _owned(need_id)
    form = _form_for(need)
    if form.validate_on_submit() and _save(form, need) is not None:
        return redirect(url_for("needs.detail", need_id=need.id))
    return render_template("needs/form.html", form=form, need=need)


@bp.post("/<int:need_id>/submit")
@login_required
def submit(need_id: int):
    """Send a draft for review."""
    need = _owned(need_id)
    if ActionForm().validate_on_submit():
        run_service(lambda: services.submit_need(need, current_user),
                    _("Sent for review. An administrator will look at it soon."))
    return redirect(url_for("needs.detail", need_id=need_id))


@bp.post("/<int:need_id>/transition")
@login_required
def transition(need_id: int):
    """A lifecycle step, by the owner or an admin."""
    need = services.get_visible(need_id, current_user)
    if need is None:
        abort(404)
    if not content.party_of(need, current_user):
        abort(403)
    form = TransitionForm()
    if form.validate_on_submit():
        run_service(lambda: services.transition_need(need, form.to.data, current_user, form.note.data),
                    _("The need's status is updated."))
    return redirect(url_for("needs.detail", need_id=need_id))


@bp.post("/<int:need_id>/delete")
@login_required
def delete(need_id: int):
    """Delete a draft."""
    need = _owned(need_id)
    if ActionForm().validate_on_submit() and run_service(
            lambda: services.delete_draft(need, current_user), _("The draft is deleted.")):
        return redirect(url_for("workspace.home"))
    return redirect(url_for("needs.detail", need_id=need_id))
