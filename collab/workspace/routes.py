"""My workspace: my projects and needs by status, with counts, and my notifications."""
from __future__ import annotations

from collections import Counter

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..content import services as content
from ..content.kinds import kind_named
from ..content.views import ActionForm, page_number
from ..extensions import db
from ..matching.digest import matches_since_last_visit
from ..notifications import services as notifications

bp = Blueprint("workspace", __name__, url_prefix="/<lang:lang>")

# How the workspace groups statuses: drafts, waiting, public, finished (each kind's own sets).
GROUP_NAMES = ("drafts", "pending", "published", "closed")


def _group_of(item) -> str:
    kind = kind_named(item.item_type)
    if item.status in ("draft", "rejected"):
        return "drafts"
    if item.status == "pending_review":
        return "pending"
    return "published" if item.status in kind.live else "closed"


def _grouped(items) -> dict[str, list]:
    groups = {name: [] for name in GROUP_NAMES}
    for item in items:
        groups[_group_of(item)].append(item)
    return groups


@bp.get("/workspace")
@login_required
def home():
    """The signed-in user's own items and recent notifications."""
    projects_kind, needs_kind = kind_named("project"), kind_named("need")
    projects = content.owned_by(projects_kind, current_user)
    needs = content.owned_by(needs_kind, current_user)
    project_groups, need_groups = _grouped(projects), _grouped(needs)
    counts = Counter({name: len(project_groups[name]) + len(need_groups[name]) for name in GROUP_NAMES})
    recent, _total = notifications.for_user(current_user, 1, 5)
    new_matches = matches_since_last_visit(current_user)  # the visit moves the "new since" mark
    return render_template("workspace/home.html", project_groups=project_groups, need_groups=need_groups,
                           counts=counts, recent=recent, may_post_project=projects_kind.may_create(current_user),
                           may_post_need=needs_kind.may_create(current_user), new_matches=new_matches)


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
    return redirect(link(note) or url_for("workspace.notifications_page"))


@bp.post("/notifications/read")
@login_required
def mark_all_read():
    """Mark every notification read."""
    if ActionForm().validate_on_submit():
        notifications.mark_read(current_user)
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
    target = request.form.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect(url_for("workspace.notifications_page"))


