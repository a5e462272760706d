"""Project pages: the content core's pages, plus the project's documents."""
from __future__ import annotations

from flask import abort, flash, redirect, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..content.routes import content_blueprint
from ..content.services import get_visible
from ..content.views import ActionForm, require_owner
from ..errors import attempt
from ..extensions import db
from . import services
from .forms import AttachmentForm
from .kind import PROJECTS
from .models import Project, ProjectAttachment

bp = content_blueprint(PROJECTS)


def _owned(project_id: int) -> Project:
    project = get_visible(PROJECTS, project_id, current_user)
    require_owner(project)
    return project


@bp.post("/<int:project_id>/attachments")
@login_required
def upload(project_id: int):
    """Attach a business plan or pitch deck (checked by content, at most 10 MB)."""
    project = _owned(project_id)
    form = AttachmentForm()
    if form.validate_on_submit():
        upload_file = form.file.data
        data = upload_file.read(services.MAX_ATTACHMENT_BYTES + 1)
        attempt(lambda: services.add_attachment(project, current_user, upload_file.filename, data, form.kind.data),
                _("The document is attached."))
    else:
        flash(_("Choose a file to upload."), "danger")
    return redirect(url_for("projects.detail", project_id=project_id))


def _attachment(project_id: int, attachment_id: int) -> tuple[Project, ProjectAttachment]:
    project = get_visible(PROJECTS, project_id, current_user)
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
        attempt(lambda: services.delete_attachment(attachment), _("The document is removed."))
    return redirect(url_for("projects.detail", project_id=project_id))


from . import landing_routes  # noqa: E402,F401  (the landing pages, on this blueprint)
