"""The landing pages of a project (落地): the landing form (record, or correct a pending or
questioned landing) and the receiving base's answer. The project page shows the landing
through ``landing_context`` (ProjectKind.detail_context)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..content.services import allowed_transitions, get_visible
from ..errors import InvalidFields, ServiceError
from ..unit_of_work import rollback
from . import landing as landings
from .forms import LandingForm, LandingReviewForm
from .kind import PROJECTS
from .routes import bp


def landing_context(project, viewer) -> dict:
    """What the project page shows of the landing, and the buttons this viewer gets."""
    landing = project.landing
    may_record = landings.may_record(project, viewer)
    return {
        "landing": landing,
        "landing_status_labels": landings.LANDING_STATUS_LABELS,
        "may_record_landing": landing is None and "landed" in allowed_transitions(project, viewer),
        "may_correct_landing": landing is not None and may_record and landing.status != "confirmed",
        "may_review_landing": landing is not None and landing.status != "confirmed"
                              and landings.may_review(landing, viewer),
        "landing_review_form": LandingReviewForm(),
    }


def _project(project_id: int):
    project = get_visible(PROJECTS, project_id, current_user)
    if project is None:
        abort(404)
    return project


def _to_detail(project_id: int):
    return redirect(url_for("projects.detail", project_id=project_id))


@bp.route("/<int:project_id>/landing", methods=["GET", "POST"])
@login_required
def landing_form(project_id: int):
    """Record where the project landed (it then shows as landed), or correct a landing
    the base has not confirmed (owner, admin)."""
    project = _project(project_id)
    if not landings.may_record(project, current_user):
        abort(403)
    landing = project.landing
    if landing is None and project.status not in landings.project_transition().sources:
        flash(_("This project cannot be marked as landed from its current status."), "danger")
        return _to_detail(project_id)
    if landing is not None and landing.status == "confirmed":
        flash(_("The base has confirmed this landing: it can no longer be changed."), "info")
        return _to_detail(project_id)
    initial = None
    if landing is not None:
        values = landings.landing_values(landing)
        initial = {**values, "base_id": str(values["base_id"] or ""), "landed_on": values["landed_on"].isoformat()}
    form = LandingForm(bases=landings.base_choices(), data=initial)
    if form.validate_on_submit():
        try:
            if landing is None:
                landings.record_landing(project, current_user, form.landing_data(), note=form.note.data)
            else:
                landings.update_landing(landing, current_user, form.landing_data())
        except InvalidFields as error:
            rollback()
            form.put_errors(error.fields)
        except ServiceError as error:
            rollback()
            if error.status in (403, 404):
                abort(error.status)
            form.form_errors.append(str(error.message))
        else:
            if landing is None:
                flash(_("The landing is recorded. The receiving base is asked to confirm it."), "success")
            else:
                flash(_("The landing is corrected. The receiving base is asked to confirm it again."), "success")
            return _to_detail(project_id)
    return render_template("projects/landing_form.html", form=form, project=project, landing=landing,
                           landing_status_labels=landings.LANDING_STATUS_LABELS)


@bp.post("/<int:project_id>/landing/review")
@login_required
def review_landing(project_id: int):
    """The receiving base confirms the landing, or questions it with a note."""
    project = _project(project_id)
    landing = project.landing
    if landing is None:
        abort(404)
    if not landings.may_review(landing, current_user):
        abort(403)
    form = LandingReviewForm()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "danger")
        return _to_detail(project_id)
    try:
        if form.decision.data == "confirm":
            landings.confirm_landing(landing, current_user, form.note.data)
        else:
            landings.question_landing(landing, current_user, form.note.data)
    except ServiceError as error:
        rollback()
        if error.status in (403, 404):
            abort(error.status)
        flash(str(error.message), "danger")
    else:
        if form.decision.data == "confirm":
            flash(_("The landing is confirmed. The owner is told."), "success")
        else:
            flash(_("The landing is questioned. The owner is told and can correct it."), "success")
    return _to_detail(project_id)
