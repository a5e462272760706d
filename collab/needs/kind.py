"""Needs (需求) as a content kind: statuses open → in talks → fulfilled (or withdrawn,
expired), visibility (public, members only, organisation hidden), budget and deadline."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_

from ..content.kinds import Filter, ItemKind, register, review_steps, transitions
from ..db import utcnow
from ..errors import ServiceError
from .forms import NeedForm
from .models import NEED_KINDS, NEED_STATUSES, XINJIANG_LOCATIONS, Need, need_sectors

# Deadlines are calendar dates; the network keeps official (Beijing) time for them.
DEADLINE_ZONE = ZoneInfo("Asia/Shanghai")


def today(now: datetime | None = None) -> date:
    """Today's date in Beijing time, against which deadlines are judged."""
    return (now or utcnow()).astimezone(DEADLINE_ZONE).date()


class NeedKind(ItemKind):
    name, plural, model, sectors_table = "need", "needs", Need, need_sectors
    order = 20
    statuses = NEED_STATUSES
    public = frozenset({"open", "in_talks", "fulfilled", "expired", "withdrawn"})
    listed = frozenset({"open", "in_talks"})
    live = listed
    matchable = listed
    transitions = transitions(
        *review_steps("open"),
        ("in_talks", {"open"}, "in_talks", "owner", "admin"),
        ("open", {"in_talks"}, "open", "owner", "admin"),
        ("fulfilled", {"open", "in_talks"}, "fulfilled", "owner", "admin"),
        ("withdrawn", {"open", "in_talks"}, "withdrawn", "owner", "admin"),
        ("expired", {"open", "in_talks"}, "expired", "system"),
    )
    lifecycle_targets = ("in_talks", "open", "fulfilled", "withdrawn")
    text_fields = ("title_zh", "title_en", "description_zh", "description_en")
    searchable_fields = ("title_zh", "title_en", "description_zh", "description_en")
    body_field = "description"
    create_roles = ("enterprise",)
    sorts = {
        "newest": lambda: (Need.published_at.desc().nulls_last(), Need.id.desc()),
        "deadline": lambda: (Need.deadline.asc(), Need.id.desc()),
        "budget": lambda: (Need.budget_max_cny.desc().nulls_last(), Need.id.desc()),
    }
    filters = (
        Filter("kind", lambda v: Need.kind == v, NEED_KINDS),
        Filter("location", lambda v: Need.location == v, XINJIANG_LOCATIONS),
    )
    form = NeedForm
    json_fields = ("kind", "title_zh", "title_en", "description_zh", "description_en", "budget_min_cny",
                   "budget_max_cny", "location", "deadline", "visibility")
    messages = {
        "create": _l("Publish a need"),
        "filter_label": _l("Filter needs"),
        "none_found": _l("No need matches. Try another word or fewer filters."),
        "edit_title": _l("Edit need"),
        "live_edit_warning": _l("This need is public: after your edit it goes back to review and stays hidden until an administrator approves it."),
        "languages_hint": _l("Write in Chinese, English or both: at least one language for the title and for the description."),
        "label": _l("Need"),
        "label_plural": _l("Needs"),
        "preview": _l("Preview: only you and the administrators see this need until it is approved."),
        "body_zh": _l("Description (中文)"),
        "body_en": _l("Description (English)"),
        "status_updated": _l("The need's status is updated."),
        "create_refused": _l("Only enterprises publish needs."),
        "edit_refused": _l("Only the owner edits this need."),
        "not_editable": _l("This need can no longer be edited."),
        "delete_refused": _l("Only the owner deletes this need."),
    }

    def validate(self, data: dict, *, item=None, actor=None) -> None:
        low, high = data.get("budget_min_cny"), data.get("budget_max_cny")
        if low is not None and high is not None and low > high:
            raise ServiceError(_l("The upper budget must not be below the lower one."), "budget_max_cny")

    def before_submit(self, item) -> None:
        if item.deadline <= today():
            raise ServiceError(_l("The deadline has passed: set a new one before submitting."), "deadline")

    def visibility_clause(self, viewer):
        """Members-only needs need an approved member; drafts and pending ones only their
        owner (and admins, pending)."""
        public = Need.status.in_(self.public)
        if viewer is not None and viewer.is_authenticated:
            if viewer.is_admin:
                return or_(Need.status != "draft", Need.owner_id == viewer.id)
            if viewer.can_publish:
                return or_(public, Need.owner_id == viewer.id)
            return or_(and_(public, Need.visibility != "members"), Need.owner_id == viewer.id)
        return and_(public, Need.visibility != "members")

    def listing_clause(self, viewer):
        return self.visibility_clause(viewer)

    def organisation_clause(self, organisation_key: str):
        # Anonymous needs never reveal their organisation, not even through a filter.
        return and_(Need.visibility != "anonymous", super().organisation_clause(organisation_key))

    def shows_organisation(self, item, viewer) -> bool:
        """Anonymous needs hide their organisation from everyone but admins and the owner."""
        if item.visibility != "anonymous":
            return True
        return bool(viewer is not None and viewer.is_authenticated
                    and (viewer.is_admin or item.owner_id == viewer.id))

    def form_options(self) -> dict:
        return {"today": today()}


NEEDS = register(NeedKind)
