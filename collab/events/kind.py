"""Events (对接会, 路演, …) as a content kind: no review — the organisers (admins and the
host organisation's approved staff) publish them — then cancelled or held, with history."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, or_

from ..content.kinds import Filter, ItemKind, register, transitions
from ..db import MAX_ID, utcnow
from ..errors import ServiceError
from .forms import HOST_KINDS, EventForm, _published_ids, host_choices
from .models import EVENT_STATUSES, EVENT_TYPES, Event, event_sectors

WHEN = ("upcoming", "past")


def _when(value: str):
    now = utcnow()
    return Event.ends_at >= now if value == "upcoming" else Event.ends_at < now


def _upcoming_first() -> tuple:
    """Upcoming events soonest first, then past ones, the latest first."""
    now = utcnow()
    upcoming = Event.ends_at >= now
    return (case((upcoming, 0), else_=1), case((upcoming, Event.starts_at), else_=None).asc(),
            Event.starts_at.desc(), Event.id.desc())


class EventKind(ItemKind):
    name, plural, model, sectors_table = "event", "events", Event, event_sectors
    order = 30
    statuses = EVENT_STATUSES
    public = frozenset({"published", "cancelled", "held"})
    listed = public
    live = frozenset({"published"})
    closed = frozenset({"cancelled", "held"})
    matchable = frozenset()
    reviewed = False
    submit_step = "publish"
    transitions = transitions(
        ("publish", {"draft"}, "published", "owner", "admin"),
        ("cancel", {"published"}, "cancelled", "owner", "admin"),
        ("held", {"published"}, "held", "owner", "admin"),
    )
    lifecycle_targets = ("publish", "cancel", "held")
    text_fields = ("title_zh", "title_en", "description_zh", "description_en", "place_zh", "place_en", "online_url")
    searchable_fields = ()  # a small table: searched by its own LIKE, not the shared index
    body_field = "description"
    create_roles = ()
    sorts = {
        "newest": _upcoming_first,
        "soonest": lambda: (Event.starts_at.asc(), Event.id.asc()),
        "latest": lambda: (Event.starts_at.desc(), Event.id.desc()),
    }
    filters = (
        Filter("type", lambda v: Event.type == v, EVENT_TYPES),
        Filter("when", _when, WHEN),
    )
    form = EventForm
    json_fields = ("type", "title_zh", "title_en", "description_zh", "description_en", "organisation_id", "timezone",
                   "place_zh", "place_en", "online_url", "capacity", "meeting_minutes", "tables")
    messages = {
        "create": _l("Create an event"),
        "filter_label": _l("Filter events"),
        "none_found": _l("No event matches. Try fewer filters."),
        "edit_title": _l("Edit event"),
        "live_edit_warning": _l("This event is published: registrants are told when its time or place changes."),
        "languages_hint": _l("Write in Chinese, English or both: at least one language for the title and for the description."),
        "label": _l("Event"),
        "label_plural": _l("Events"),
        "preview": _l("Preview: only the organisers see this event until it is published."),
        "draft_preview": _l("Preview of the draft: only the organisers see it. Publish it when it is ready."),
        "saved_live": _l("The event is saved and published."),
        "saved_draft": _l("Saved as a draft. Preview it below, then publish it."),
        "body_zh": _l("Description (中文)"),
        "body_en": _l("Description (English)"),
        "status_updated": _l("The event's status is updated."),
        "create_refused": _l("Only administrators and the staff of a base, an offshore incubator or a partner station create events."),
        "edit_refused": _l("Only the organisers edit this event."),
        "not_editable": _l("A cancelled or held event can no longer be edited."),
        "delete_refused": _l("Only the organisers delete this event."),
    }

    # --- who ----------------------------------------------------------------------

    def owns(self, item, user) -> bool:
        """Organisers: admins, the creator, and the host organisation's approved staff."""
        if user is None or not getattr(user, "is_authenticated", False):
            return False
        if user.is_admin or item.owner_id == user.id:
            return True
        return bool(user.can_publish and item.organisation_id is not None
                    and user.organisation_id == item.organisation_id)

    def may_create(self, user) -> bool:
        if user is None or not user.is_authenticated:
            return False
        return bool(user.is_admin or (user.can_publish and user.organisation.kind in HOST_KINDS))

    def visibility_clause(self, viewer):
        public = Event.status.in_(self.public)
        if viewer is not None and viewer.is_authenticated:
            if viewer.is_admin:
                return Event.id.is_not(None)
            mine = Event.owner_id == viewer.id
            if viewer.can_publish and viewer.organisation_id is not None:
                return or_(public, mine, Event.organisation_id == viewer.organisation_id)
            return or_(public, mine)
        return public

    def listing_clause(self, viewer):
        return None

    # --- rules ----------------------------------------------------------------------

    def validate(self, data: dict, *, item=None, actor=None) -> None:
        from ..i18n import is_valid_timezone

        def current(name):
            return data[name] if name in data else getattr(item, name, None)

        zone = current("timezone")
        if zone is not None and not is_valid_timezone(zone):
            raise ServiceError(_l("Choose a valid time zone, such as Asia/Urumqi."), "timezone")
        start, end, deadline = current("starts_at"), current("ends_at"), current("registration_deadline")
        if start is None:
            raise ServiceError(_l("Give the start as a date and time."), "starts_at")
        if end is None or end <= start:
            raise ServiceError(_l("The end must come after the start."), "ends_at")
        if deadline is not None and deadline > start:
            raise ServiceError(_l("Registration must close before the event starts."), "registration_deadline")
        capacity = current("capacity")
        if capacity is None or capacity < 1:
            raise ServiceError(_l("Give between 1 and 100,000 places."), "capacity")
        if "organisation_id" in data and (item is None or data["organisation_id"] != item.organisation_id):
            if data["organisation_id"] not in {org_id for org_id, _name in host_choices(actor)}:
                raise ServiceError(_l("Choose the host organisation."), "organisation_id")
        for field, kind_name in (("featured_project_ids", "project"), ("featured_need_ids", "need")):
            ids = set(data.get(field) or [])
            storable = [i for i in ids if isinstance(i, int) and 0 < i <= MAX_ID]
            if ids and ids - _published_ids(kind_name, storable):
                message = (_l("Only published projects can be featured: %(ids)s.", ids="…") if kind_name == "project"
                           else _l("Only open public needs can be featured: %(ids)s.", ids="…"))
                raise ServiceError(message, field)

    def before_submit(self, item) -> None:
        if item.starts_at <= utcnow():
            raise ServiceError(_l("The event has already begun: set a new start before publishing."), "starts_at")

    def before_transition(self, item, name: str, actor) -> None:
        if name == "held" and item.starts_at > utcnow():
            raise ServiceError(_l("An event can be marked as held once it has begun."), "to", code="wrong_state",
                               status=409)
        if name == "publish":
            self.before_submit(item)

    def search(self, statement, q: str):
        """Titles and places, in both languages (a LIKE over a small table)."""
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        fields = (Event.title_zh, Event.title_en, Event.place_zh, Event.place_en, Event.description_zh,
                  Event.description_en)
        return statement.where(or_(*(field.ilike(pattern, escape="\\") for field in fields)))

    # --- pages ----------------------------------------------------------------------

    def listing_context(self) -> dict:
        from ..i18n import localized_text
        from .services import hosts_with_events, place_counts

        return {"host_options": [(org.key, localized_text(org, "name")) for org in hosts_with_events()],
                "place_counts": place_counts}

    def detail_context(self, item, viewer) -> dict:
        from .views import event_detail_context

        return event_detail_context(item, viewer)

    def to_json(self, item) -> dict:
        from ..db import iso

        data = super().to_json(item)
        for name in ("starts_at", "ends_at", "registration_deadline", "schedule_generated_at"):
            data[name] = iso(getattr(item, name))
        data["featured_project_ids"] = item.featured_project_ids
        data["featured_need_ids"] = item.featured_need_ids
        return data

    def detail_json(self, item) -> dict:
        from .services import counts

        return {"registrations": counts(item)}


EVENTS = register(EventKind)
