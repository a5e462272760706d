"""Project pages: listing and search, detail with timeline, the form, actions, documents."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..content import services as content
from ..content.labels import DIRECTION_LABELS, STAGE_LABELS
from ..content.lifecycle import PROJECT_LIFECYCLE_TARGETS
from ..content.services import sector_choices
from ..content.views import ActionForm, TransitionForm, choice_arg, page_number, per_page, require_owner, run_service
from ..extensions import db
from ..matching.views import recommendations
from ..search.index import snippet
from . import services
from .forms import AttachmentForm, ProjectForm
from .models import PUBLIC_PROJECT_STATUSES, Project, ProjectAttachment

bp = Blueprint("projects", __name__, url_prefix="/<lang:lang>/projects")


@bp.get("/")
def listing():
    """Published projects with filters, sorting and bilingual search."""
    q = (request.args.get("q") or "").strip()[:100]
    filters = {
        "sector": request.args.get("sector") or None,
        "stage": choice_arg("stage", STAGE_LABELS),
        "direction": choice_arg("direction", DIRECTION_LABELS),
        "city": (request.args.get("city") or "").strip()[:100] or None,
        "organisation": (request.args.get("organisation") or "").strip()[:64] or None,
        "status": choice_arg("status", PUBLIC_PROJECT_STATUSES),
    }
    sort = choice_arg("sort", services.SORTS) or "newest"
    page = page_number()
    projects, total = services.listing(current_user, **filters, q=q or None, sort=sort, page=page,
                                       per_page=per_page())
    return render_template("projects/listing.html", projects=projects, total=total, page=page,
                           per_page=per_page(), filters=filters, q=q, sort=sort, snippet=snippet,
                           sectors=sector_choices(), cities=[(c, c) for c in services.cities()])


def _form_for(project: Project | None = None) -> ProjectForm:
    form = ProjectForm(obj=project)
    form.sectors.choices = sector_choices()
    if project is not None and request.method == "GET":
        form.sectors.data = project.sector_codes
    return form


def _save(form: ProjectForm, project: Project | None):
    """Create or update from the form, then submit when asked; returns the project or None."""
    try:
        if project is None:
            project = services.create_project(current_user, form.data_for_model())
        else:
            services.update_project(project, form.data_for_model(), current_user)
        if form.submit_for_review.data and project.status in ("draft", "rejected"):
            services.submit_project(project, current_user)
    except content.ContentError as error:
        db.session.rollback()
        if error.status == 403:
            abort(403)
        form.form_errors.append(str(error.message))
        return None
    db.session.commit()
    return project


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    """Write a new project (draft, then submit for review)."""
    if not services.may_create(current_user):
        abort(403)
    form = _form_for()
    if form.validate_on_submit():
        project = _save(form, None)
        if project is not None:
            flash_saved(project)
            return redirect(url_for("projects.detail", project_id=project.id))
    return render_template("projects/form.html", form=form, project=None)


def flash_saved(project: Project) -> None:
    if project.status == "pending_review":
        flash(_("Saved and sent for review. An administrator will look at it soon."), "success")
    else:
        flash(_("Saved as a draft. Preview it below, then submit it for review."), "success")


@bp.get("/<int:project_id>")
def detail(project_id: int):
    """A project with its timeline (离岸孵化 → 新疆落地) and documents."""
    project = services.get_visible(project_id, current_user)
    if project is None:
        abort(404)
    allowed = content.allowed_transitions(project, current_user)
    return render_template(
        "projects/detail.html", project=project, history=content.history(project), allowed=allowed,
        lifecycle=[t for t in PROJECT_LIFECYCLE_TARGETS if t in allowed],
        is_owner=content.is_owner(project, current_user), action_form=ActionForm(),
        transition_form=TransitionForm(), attachment_form=AttachmentForm(),
        max_attachments=services.MAX_ATTACHMENTS, **recommendations(project, current_user),
    )


def _owned(project_id: int) -> Project:
    project = services.get_visible(project_id, current_user)
    require_owner(project)
    return project


@bp.route("/<int:project_id>/edit", methods=["GET", "POST"])
@login_required
def edit(project_id: int):
    """Edit a project; a live project goes back to review."""
    project = _owned(project_id)
    form = _form_for(project)
    if form.validate_on_submit():
        if _save(form, project) is not None:
            flash_saved(project)
            return redirect(url_for("projects.detail", project_id=project.id))
    return render_template("projects/form.html", form=form, project=project)


@bp.post("/<int:project_id>/submit")
@login_required
def submit(project_id: int):
    """Send a draft for review."""
    project = _owned(project_id)
    if ActionForm().validate_on_submit():
        run_service(lambda: services.submit_project(project, current_user),
                    _("Sent for review. An administrator will look at it soon."))
    return redirect(url_for("projects.detail", project_id=project_id))


@bp.post("/<int:project_id>/transition")
@login_required
def transition(project_id: int):
    """A lifecycle step, by the owner or an admin."""
    project = services.get_visible(project_id, current_user)
    if project is None:
        abort(404)
    if not content.party_of(project, current_user):
        abort(403)
    form = TransitionForm()
    if form.validate_on_submit():
        run_service(lambda: services.transition_project(project, form.to.data, current_user, form.note.data),
                    _("The project's status is updated."))
    return redirect(url_for("projects.detail", project_id=project_id))


@bp.post("/<int:project_id>/delete")
@login_required
def delete(project_id: int):
    """Delete a draft."""
    project = _owned(project_id)
    if ActionForm().validate_on_submit() and run_service(
            lambda: services.delete_draft(project, current_user), _("The draft is deleted.")):
        return redirect(url_for("workspace.home"))
    return redirect(url_for("projects.detail", project_id=project_id))


@bp.post("/<int:project_id>/attachments")
@login_required
def upload(project_id: int):
    """Attach a business plan or pitch deck (checked by content, at most 10 MB)."""
    project = _owned(project_id)
    form = AttachmentForm()
    if form.validate_on_submit():
        upload_file = form.file.data
        data = upload_file.read(services.MAX_ATTACHMENT_BYTES + 1)
        run_service(lambda: services.add_attachment(project, current_user, upload_file.filename, data, form.kind.data),
                    _("The document is attached."))
    else:
        flash(_("Choose a file to upload."), "danger")
    return redirect(url_for("projects.detail", project_id=project_id))


def _attachment(project_id: int, attachment_id: int) -> tuple[Project, ProjectAttachment]:
    project = services.get_visible(project_id, current_user)
    attachment = db.session.get(ProjectAttachment, attachment_id)
    if project is None or attachment is None or attachment.project_id != project.id:
        abort(404)
    return project, attachment


@bp.get("/<int:project_id>/attachments/<int:attachment_id>")
def download(project_id: int, attachment_id: int):
    """A document, only to those who may see the project."""
    _project, attachment = _attachment(project_id, attachment_id)
    return send_file(services.attachment_path(attachment), mimetype=attachment.content_type,
                     as_attachment=True, download_name=attachment.filename, max_age=0)


@bp.post("/<int:project_id>/attachments/<int:attachment_id>/delete")
@login_required
def delete_attachment(project_id: int, attachment_id: int):
    """Remove a document."""
    project, attachment = _attachment(project_id, attachment_id)
    require_owner(project)
    if ActionForm().validate_on_submit():
        run_service(lambda: services.delete_attachment(attachment), _("The document is removed."))
    return redirect(url_for("projects.detail", project_id=project_id))


