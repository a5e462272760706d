"""My workspace: my projects and needs by status, with counts, and my notifications."""
from __future__ import annotations

from collections import Counter

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..content.views import ActionForm, page_number
from ..extensions import db
from ..matching.digest import matches_since_last_visit
from ..needs import services as need_services
from ..notifications import services as notifications
from ..projects import services as project_services

bp = Blueprint("workspace", __name__, url_prefix="/<lang:lang>")

# How the workspace groups statuses: drafts, waiting, public, finished.
GROUPS = {
    "drafts": ("draft", "rejected"),
    "pending": ("pending_review",),
    "published": ("published", "in_incubation", "landed", "graduated", "open", "in_talks"),
    "closed": ("closed", "fulfilled", "withdrawn", "expired"),
}


def _grouped(items) -> dict[str, list]:
    groups = {name: [] for name in GROUPS}
    for item in items:
        for name, statuses in GROUPS.items():
            if item.status in statuses:
                groups[name].append(item)
    return groups


@bp.get("/workspace")
@login_required
def home():
    """The signed-in user's own items and recent notifications."""
    projects = project_services.owned_by(current_user)
    needs = need_services.owned_by(current_user)
    project_groups, need_groups = _grouped(projects), _grouped(needs)
    counts = Counter({name: len(project_groups[name]) + len(need_groups[name]) for name in GROUPS})
    recent, _total = notifications.for_user(current_user, 1, 5)
    new_matches = matches_since_last_visit(current_user)
    db.session.commit()  # the visit moves the "new since" mark
    return render_template("workspace/home.html", project_groups=project_groups, need_groups=need_groups,
                           counts=counts, recent=recent, may_post_project=project_services.may_create(current_user),
                           may_post_need=need_services.may_create(current_user), new_matches=new_matches)


@bp.get("/notifications")
@login_required
def notifications_page():
    """The notification centre."""
    page = page_number()
    items, total = notifications.for_user(current_user, page, 20)
    return render_template("notifications/list.html", items=items, total=total, page=page, per_page=20,
                           form=ActionForm())


@bp.get("/notifications/<int:notification_id>")
@login_required
def open_notification(notification_id: int):
    """Follow a notification to what it is about, marking it read on the way."""
    from ..notifications.messages import link
    from ..notifications.models import Notification

    note = db.session.get(Notification, notification_id)
    if note is None or note.user_id != current_user.id:
        abort(404)
    # Following a link is a read; the write is one idempotent row update.
    notifications.mark_read(current_user, notification_id)
    db.session.commit()
    return redirect(link(note) or url_for("workspace.notifications_page"))


@bp.post("/notifications/read")
@login_required
def mark_all_read():
    """Mark every notification read."""
    if ActionForm().validate_on_submit():
        notifications.mark_read(current_user)
        db.session.commit()
    return redirect(url_for("workspace.notifications_page"))


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def mark_read(notification_id: int):
    """Mark one notification read (someone else's is a 404)."""
    if not ActionForm().validate_on_submit():
        abort(400)
    if not notifications.mark_read(current_user, notification_id):
        from ..notifications.models import Notification

        note = db.session.get(Notification, notification_id)
        if note is None or note.user_id != current_user.id:
            abort(404)
    db.session.commit()
    target = request.form.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect(url_for("workspace.notifications_page"))


