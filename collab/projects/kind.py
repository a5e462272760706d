"""Projects (项目) as a content kind: their statuses, lifecycle 离岸孵化 → 新疆落地,
filters, sorts and hooks. The content core does the rest."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..content.kinds import Filter, ItemKind, register, review_steps, transitions
from .forms import ProjectForm
from .models import PROJECT_DIRECTIONS, PROJECT_STAGES, PROJECT_STATUSES, Project, project_sectors


class ProjectKind(ItemKind):
    name, plural, model, sectors_table = "project", "projects", Project, project_sectors
    order = 10
    statuses = PROJECT_STATUSES
    # Closed projects stay readable as history but leave the default listing.
    public = frozenset({"published", "in_incubation", "landed", "graduated", "closed"})
    listed = frozenset({"published", "in_incubation", "landed", "graduated"})
    live = listed
    closed = frozenset({"closed"})
    # Graduated projects have landed for good: they no longer look for needs.
    matchable = frozenset({"published", "in_incubation", "landed"})
    transitions = transitions(
        *review_steps("published"),
        ("in_incubation", {"published"}, "in_incubation", "owner", "admin"),
        ("landed", {"published", "in_incubation"}, "landed", "owner", "admin"),
        ("graduated", {"landed"}, "graduated", "owner", "admin"),
        ("closed", {"published", "in_incubation", "landed"}, "closed", "owner", "admin"),
    )
    lifecycle_targets = ("in_incubation", "landed", "graduated", "closed")
    text_fields = ("title_zh", "title_en", "summary_zh", "summary_en", "city")
    searchable_fields = ("title_zh", "title_en", "summary_zh", "summary_en", "city")
    body_field = "summary"
    # Centers post projects; so may an enterprise seeking offshore incubation.
    create_roles = ("center", "enterprise")
    sorts = {
        "newest": lambda: (Project.published_at.desc().nulls_last(), Project.id.desc()),
        "funding": lambda: (Project.funding_sought_cny.desc().nulls_last(), Project.id.desc()),
    }
    filters = (
        Filter("stage", lambda v: Project.stage == v, PROJECT_STAGES),
        Filter("direction", lambda v: Project.direction == v, PROJECT_DIRECTIONS),
        Filter("city", lambda v: Project.city == v),
    )
    form = ProjectForm
    json_fields = ("title_zh", "title_en", "summary_zh", "summary_en", "stage", "direction",
                   "funding_sought_cny", "team_size", "ip_status", "seeks", "city")
    new_item_defaults = {"seeks": []}
    messages = {
        "create": _l("Post a project"),
        "filter_label": _l("Filter projects"),
        "none_found": _l("No project matches. Try another word or fewer filters."),
        "edit_title": _l("Edit project"),
        "live_edit_warning": _l("This project is public: after your edit it goes back to review and stays hidden until an administrator approves it."),
        "languages_hint": _l("Write in Chinese, English or both: at least one language for the title and for the summary."),
        "label": _l("Project"),
        "label_plural": _l("Projects"),
        "preview": _l("Preview: only you and the administrators see this project until it is approved."),
        "body_zh": _l("Summary (中文)"),
        "body_en": _l("Summary (English)"),
        "status_updated": _l("The project's status is updated."),
        "create_refused": _l("Only offshore centers and enterprises post projects."),
        "edit_refused": _l("Only the owner edits this project."),
        "not_editable": _l("A closed project can no longer be edited."),
        "delete_refused": _l("Only the owner deletes this project."),
    }

    def before_delete(self, item):
        # The attachment rows go with the project (cascade); their files once it is gone.
        from .services import attachment_path

        paths = [attachment_path(attachment) for attachment in item.attachments]

        def remove_files() -> None:
            for path in paths:
                path.unlink(missing_ok=True)

        return remove_files

    def listing_context(self) -> dict:
        from sqlalchemy import select

        from ..extensions import db

        cities = db.session.scalars(
            select(Project.city).where(Project.status.in_(self.listed), Project.city.is_not(None))
            .distinct().order_by(Project.city).limit(100))
        return {"cities": [(city, city) for city in cities]}

    def before_transition(self, item, name: str, actor) -> None:
        # Landing asks for its record (city, base, date, company…): collab/projects/landing.py.
        if name == "landed" and item.landing is None:
            from ..errors import WrongState

            raise WrongState(_l("Record the landing first: the city, the receiving base, the date and the "
                                "company registered in Xinjiang."), code="landing_required")

    def detail_context(self, item, viewer) -> dict:
        from .forms import AttachmentForm
        from .landing_routes import landing_context
        from .services import MAX_ATTACHMENTS

        return {"attachment_form": AttachmentForm(), "max_attachments": MAX_ATTACHMENTS,
                **landing_context(item, viewer)}

    def detail_json(self, item) -> dict:
        from flask import url_for

        from .landing import landing_json

        return {"attachments": [
            {"id": a.id, "filename": a.filename, "kind": a.kind, "size": a.size, "content_type": a.content_type,
             "url": url_for("projects.download", lang="en", project_id=item.id, attachment_id=a.id)}
            for a in item.attachments], "landing": landing_json(item.landing)}

    def to_json(self, item) -> dict:
        data = super().to_json(item)
        data["seeks"] = item.seeks or []
        return data


PROJECTS = register(ProjectKind)
