"""Introduction pages (对接), the admin funnel and the digest switch."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..auth.sessions import admin_required
from ..content.views import ActionForm
from ..errors import InvalidFields, ServiceError, attempt
from ..unit_of_work import rollback
from ..extensions import db
from ..content.kinds import kind_named
from ..content.services import get_visible
from . import contracts, introductions
from .contract_forms import ContractForm
from .digest import preference
from .forms import DeclineForm, DigestForm, InterestForm
from .models import Introduction

bp = Blueprint("matching", __name__, url_prefix="/<lang:lang>")


@bp.post("/introductions")
@login_required
def express_interest():
    """Express interest in a match, with a message to the other side."""
    form = InterestForm()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "danger")
        return redirect(request.referrer or url_for("workspace.home"))
    need = get_visible(kind_named("need"), form.need_id.data, current_user)
    project = get_visible(kind_named("project"), form.project_id.data, current_user)
    if need is None or project is None:
        abort(404)
    made = []
    if not attempt(lambda: made.append(introductions.express_interest(current_user, need, project, form.message.data)),
                   _("Your interest is sent. You will be told when the other side answers.")):
        return redirect(request.referrer or url_for("workspace.home"))
    return redirect(url_for("matching.introduction", intro_id=made[0].id))


@bp.get("/introductions/")
@login_required
def introduction_list():
    """My introductions, as either side."""
    return render_template("matching/introductions.html", intros=introductions.for_user(current_user))


def _visible(intro_id: int) -> Introduction:
    intro = db.session.get(Introduction, intro_id)
    if intro is None or not introductions.can_view(intro, current_user):
        abort(404)
    return intro


def _introduction_page(intro: Introduction, contract_form=None):
    my_side = introductions.side_of(current_user, intro.need, intro.project)
    responder = "project" if intro.initiator_side == "need" else "need"
    return render_template(
        "matching/introduction.html", intro=intro, history=introductions.history(intro),
        my_side=my_side, is_responder=my_side == responder, action_form=ActionForm(),
        decline_form=DeclineForm(),
        contacts_visible=intro.status in ("accepted", "meeting_held", "agreement_signed"),
        contract_form=contract_form or ContractForm(), contract_labels=contracts.CONTRACT_TYPE_LABELS,
        may_confirm_contract=contracts.may_confirm(intro, current_user),
    )


@bp.get("/introductions/<int:intro_id>")
@login_required
def introduction(intro_id: int):
    """One introduction; contacts are shown once it is accepted."""
    return _introduction_page(_visible(intro_id))


@bp.post("/introductions/<int:intro_id>/agreement_signed")
@login_required
def agreement_signed(intro_id: int):
    """Agreement signed, with its contract (type, value, date); the other party confirms it."""
    intro = _visible(intro_id)
    if not introductions.is_party(intro, current_user):
        abort(403)
    form = ContractForm()
    if not form.validate_on_submit():
        return _introduction_page(intro, form)
    try:
        contracts.record_contract(intro, current_user, form.contract_data())
    except InvalidFields as error:
        rollback()
        form.put_errors(error.fields)
        return _introduction_page(intro, form)
    except ServiceError as error:
        rollback()
        if error.status in (403, 404):
            abort(error.status)
        flash(str(error.message), "danger")
    else:
        flash(_("The contract is recorded. The other party is asked to confirm it."), "success")
    return redirect(url_for("matching.introduction", intro_id=intro_id))


@bp.post("/introductions/<int:intro_id>/contract/confirm")
@login_required
def confirm_contract(intro_id: int):
    """The other party confirms the contract as recorded."""
    intro = _visible(intro_id)
    if not introductions.is_party(intro, current_user):
        abort(403)
    if ActionForm().validate_on_submit():
        attempt(lambda: contracts.confirm_contract(intro, current_user), _("The contract is confirmed."))
    return redirect(url_for("matching.introduction", intro_id=intro_id))


@bp.post("/introductions/<int:intro_id>/<action>")
@login_required
def introduction_action(intro_id: int, action: str):
    """Accept, decline, meeting held, agreement signed."""
    intro = _visible(intro_id)
    if action not in introductions.ACTIONS:
        abort(404)
    form = DeclineForm() if action == "decline" else ActionForm()
    if form.validate_on_submit():
        attempt(lambda: introductions.act(intro, action, current_user,
                                          reason=getattr(form, "reason", None) and form.reason.data,
                                          note=getattr(form, "note", None) and form.note.data),
                _("The introduction is updated."))
    return redirect(url_for("matching.introduction", intro_id=intro_id))


@bp.post("/account/digest")
@login_required
def digest_preference():
    """Turn the weekly match digest on or off."""
    form = DigestForm()
    if form.validate_on_submit():
        preference(current_user).digest_enabled = bool(form.digest_enabled.data)
        flash(_("Your e-mail preference is saved."), "success")
    return redirect(url_for("auth.profile"))


@bp.get("/admin/funnel")
@admin_required
def funnel():
    """Matches → interest → accepted → meeting → signed, per month and per organisation."""
    return render_template("matching/funnel.html", by_month=introductions.funnel("month"),
                           by_org=introductions.funnel("organisation"))
