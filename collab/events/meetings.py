"""One-to-one meetings of a matchmaking day: wishes, the platform's suggestions, the
schedule (collab/events/schedule.py places them), moving and cancelling meetings, and
each person's agenda.

Who takes part in the schedule: the registered people (not the waiting list) and the
owners of the featured projects and needs, who present their items whether or not they
registered (the organisers featured their items, which invites them) — unless they
cancelled a registration for the event, which says they are not coming. Only
registrants (registered or waiting) choose whom they want to meet; a waiting
registrant's wishes count once they have a place (or present an item themselves).

A wish's score is the best stored match score between the wished item and the wisher's
own projects and needs (0 when they do not match); mutual wishes (the item's owner
wished one of the wisher's items) come first. Services flush; the unit of work commits.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select

from ..db import MAX_ID, utcnow
from ..errors import NotAllowed, NotFound, ServiceError, WrongState
from ..extensions import db
from .models import Event, Meeting, Registration, Wish
from .schedule import Item as PlanItem, Wish as PlanWish, mutual_wishes, schedule_meetings

ITEM_TYPES = ("project", "need")
FIELDS = {"project": "project_ids", "need": "need_ids"}
WISHING = ("registered", "waitlisted")
# A day of 09:00–17:00 in 10-minute meetings; more would not fit a printed agenda.
MAX_SLOTS = 48
SUGGESTIONS_SHOWN = 5


def _models() -> dict:
    from ..needs.models import Need
    from ..projects.models import Project

    return {"project": Project, "need": Need}


def _kind(item_type: str):
    from ..content.kinds import kind_named

    return kind_named(item_type)


def strong_score() -> float:
    """A "strong" match: one good enough for the weekly digest (MATCH_DIGEST_THRESHOLD)."""
    return float(current_app.config["MATCH_DIGEST_THRESHOLD"])


def valid_ids(values) -> list[int]:
    """Whole numbers that can be ids, without repeats, in their order."""
    return list(dict.fromkeys(v for v in values or [] if isinstance(v, int) and not isinstance(v, bool)
                              and 0 < v <= MAX_ID))


def _lock(event: Event) -> None:
    db.session.execute(select(Event.id).where(Event.id == event.id).with_for_update())


def _authenticated(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def require_meetings(event: Event) -> None:
    """Refuse (409) what only a matchmaking day with tables has."""
    if not event.has_meetings:
        raise WrongState(_l("This event has no one-to-one meetings: only matchmaking days with tables have them."),
                         code="no_meetings")


# --- featured items -----------------------------------------------------------------------

def _available(item, item_type: str) -> bool:
    """A featured item still on show: published (or open), and public for a need."""
    if item.status not in _kind(item_type).listed:
        return False
    return item_type != "need" or item.visibility == "public"


def featured_items(event: Event, item_type: str) -> list:
    """The event's featured projects (or needs) that are still on show, by id."""
    items = event.featured_projects if item_type == "project" else event.featured_needs
    return [item for item in items if _available(item, item_type)]


# --- wishes -------------------------------------------------------------------------------

def wishes_open(event: Event, now: datetime | None = None) -> bool:
    """Wishes change until the event begins."""
    return event.has_meetings and event.status == "published" and (now or utcnow()) < event.starts_at


def wishes_of(event: Event, user) -> dict[str, list[int]]:
    """The ids ``user`` wishes to meet at ``event``, by item type."""
    wished = {item_type: [] for item_type in ITEM_TYPES}
    if not _authenticated(user):
        return wished
    for item_type, item_id in db.session.execute(
            select(Wish.item_type, Wish.item_id).where(Wish.event_id == event.id, Wish.user_id == user.id)
            .order_by(Wish.item_type, Wish.item_id)):
        wished.setdefault(item_type, []).append(item_id)
    return wished


def may_wish(event: Event, user, registration: Registration | None = None) -> bool:
    if not _authenticated(user):
        return False
    if registration is None:
        from .services import registration_of

        registration = registration_of(event, user)
    return registration is not None and registration.status in WISHING


def wish_errors(event: Event, user, project_ids, need_ids) -> dict[str, list]:
    """What is wrong with a set of wishes, by field (empty when they can be saved)."""
    errors: dict[str, list] = {}
    for item_type, ids in (("project", project_ids), ("need", need_ids)):
        featured = {item.id: item for item in featured_items(event, item_type)}
        ids = list(ids or [])
        unknown = [i for i in ids if i not in featured]
        own = [i for i in ids if i in featured and featured[i].owner_id == user.id]
        name = FIELDS[item_type]
        if unknown:
            shown = ", ".join(str(i) for i in unknown)[:100]
            errors[name] = [_l("Only the projects featured at this event can be chosen: %(ids)s.", ids=shown)
                            if item_type == "project" else
                            _l("Only the needs featured at this event can be chosen: %(ids)s.", ids=shown)]
        elif own:
            errors[name] = [_l("You present this project yourself: choose the ones you want to meet.")
                            if item_type == "project" else
                            _l("You present this need yourself: choose the ones you want to meet.")]
    return errors


def set_wishes(event: Event, user, project_ids, need_ids, now: datetime | None = None) -> dict[str, list[int]]:
    """Replace ``user``'s wishes at ``event`` with these featured projects and needs."""
    if not may_wish(event, user):
        raise NotAllowed(_l("Register for the event to choose whom you want to meet."))
    require_meetings(event)
    if not wishes_open(event, now):
        raise WrongState(_l("Wishes can be changed until the event begins."), code="wishes_closed")
    project_ids, need_ids = list(dict.fromkeys(project_ids or [])), list(dict.fromkeys(need_ids or []))
    errors = wish_errors(event, user, project_ids, need_ids)
    if errors:
        name, messages = next(iter(errors.items()))
        raise ServiceError(messages[0], name)
    wanted = {("project", i) for i in project_ids} | {("need", i) for i in need_ids}
    existing = {(w.item_type, w.item_id): w for w in db.session.scalars(
        select(Wish).where(Wish.event_id == event.id, Wish.user_id == user.id))}
    for key, wish in existing.items():
        if key not in wanted:
            db.session.delete(wish)
    for item_type, item_id in sorted(wanted - set(existing)):
        db.session.add(Wish(event_id=event.id, user_id=user.id, item_type=item_type, item_id=item_id))
    db.session.flush()
    return wishes_of(event, user)


# --- what the platform suggests ------------------------------------------------------------

@dataclass(frozen=True)
class Suggestion:
    """A featured item that matches one of the viewer's own: its best stored match."""

    item_type: str
    item: object
    match: object  # collab.matching.models.Match: its score and reasons
    own_item: object  # the viewer's project or need it matches

    @property
    def score(self) -> float:
        return self.match.score


def suggestions_for(event: Event, user, limit: int = 10) -> list[Suggestion]:
    """Featured items matching ``user``'s own published projects and needs, best first
    (two queries: featured projects against their needs, featured needs against their projects)."""
    if not _authenticated(user) or not event.has_meetings:
        return []
    from ..matching.models import Match
    from ..matching.store import min_display_score

    models = _models()
    floor = min_display_score()
    found: dict[tuple[str, int], Suggestion] = {}
    for item_type, other_type in (("project", "need"), ("need", "project")):
        featured = {item.id: item for item in featured_items(event, item_type) if item.owner_id != user.id}
        if not featured:
            continue
        other = models[other_type]
        own_column, featured_column = ((Match.need_id, Match.project_id) if item_type == "project"
                                       else (Match.project_id, Match.need_id))
        matches = db.session.scalars(
            select(Match).join(other, other.id == own_column)
            .where(featured_column.in_(list(featured)), other.owner_id == user.id,
                   other.status.in_(_kind(other_type).matchable), Match.score >= floor)
            .order_by(Match.score.desc(), Match.id))
        for match in matches:
            item_id = match.project_id if item_type == "project" else match.need_id
            key = (item_type, item_id)
            if key not in found:
                own = match.need if item_type == "project" else match.project
                found[key] = Suggestion(item_type, featured[item_id], match, own)
    ranked = sorted(found.values(), key=lambda s: (-s.score, s.item_type, s.item.id))
    return ranked[:limit]


@dataclass(frozen=True)
class FeaturedSuggestion:
    """An item an organiser might feature: its strong matches with what is featured."""

    item_type: str
    item: object
    strong_matches: int
    best_score: float
    among_featured: bool  # counted among the featured items of the other side (else overall)


def suggest_featured(project_ids, need_ids, limit: int = 10) -> dict[str, list[FeaturedSuggestion]]:
    """Published projects and open public needs to feature, by their number of strong
    matches with the featured items of the other side — or with any item, while that side
    has none featured — then by their best score. Already featured ones are left out."""
    from ..matching.models import Match

    models = _models()
    chosen = {"project": valid_ids(project_ids), "need": valid_ids(need_ids)}
    strong = strong_score()
    result: dict[str, list[FeaturedSuggestion]] = {}
    for item_type, other_type in (("project", "need"), ("need", "project")):
        model = models[item_type]
        own_column, other_column = ((Match.project_id, Match.need_id) if item_type == "project"
                                    else (Match.need_id, Match.project_id))
        count, best = func.count(Match.id).label("strong"), func.max(Match.score).label("best")
        statement = (select(own_column, count, best).join(model, model.id == own_column)
                     .where(Match.score >= strong, model.status.in_(_kind(item_type).listed)))
        if item_type == "need":
            statement = statement.where(model.visibility == "public")
        if chosen[item_type]:
            statement = statement.where(own_column.not_in(chosen[item_type]))
        among = bool(chosen[other_type])
        if among:
            statement = statement.where(other_column.in_(chosen[other_type]))
        rows = db.session.execute(statement.group_by(own_column)
                                  .order_by(count.desc(), best.desc(), own_column).limit(limit)).all()
        items = {item.id: item for item in db.session.scalars(
            select(model).where(model.id.in_([row[0] for row in rows])))} if rows else {}
        result[item_type] = [FeaturedSuggestion(item_type, items[item_id], strong_count, float(best_score), among)
                             for item_id, strong_count, best_score in rows if item_id in items]
    return result


# --- the schedule -------------------------------------------------------------------------

def slot_count(event: Event) -> int:
    """How many meetings fit end to end between the start and the end (at most MAX_SLOTS)."""
    minutes = event.meeting_minutes or 0
    if minutes <= 0 or event.ends_at <= event.starts_at:
        return 0
    return min(MAX_SLOTS, int((event.ends_at - event.starts_at).total_seconds() // (minutes * 60)))


def slot_start(event: Event, slot: int) -> datetime:
    return event.starts_at + timedelta(minutes=slot * event.meeting_minutes)


def slot_times(event: Event) -> list[tuple[int, datetime, datetime]]:
    """(slot, start, end) of every slot of the day."""
    step = timedelta(minutes=event.meeting_minutes)
    return [(s, slot_start(event, s), slot_start(event, s) + step) for s in range(slot_count(event))]


@dataclass
class Plan:
    """The scheduler's input, read from the database."""

    participants: set[int]
    items: list[PlanItem]
    wishes: list[PlanWish]
    owners: dict[tuple[str, int], int] = field(default_factory=dict)


def plan_of(event: Event) -> Plan:
    """Participants, featured items with their owners, and the wishes with scores and the
    two-sided mutual flag (five queries, whatever the size of the event)."""
    from ..auth.models import User
    from ..matching.models import Match

    statuses = dict(db.session.execute(
        select(Registration.user_id, Registration.status).join(User, User.id == Registration.user_id)
        .where(Registration.event_id == event.id, User.is_enabled.is_(True))).all())
    participants = {user_id for user_id, status in statuses.items() if status == "registered"}
    owners: dict[tuple[str, int], int] = {}
    for item_type in ITEM_TYPES:
        for item in featured_items(event, item_type):
            if item.owner is not None and item.owner.is_enabled and statuses.get(item.owner_id) != "cancelled":
                owners[(item_type, item.id)] = item.owner_id
    participants |= set(owners.values())
    items = [PlanItem(key, {owner}) for key, owner in sorted(owners.items())]

    rows = [(user_id, (item_type, item_id)) for user_id, item_type, item_id in db.session.execute(
        select(Wish.user_id, Wish.item_type, Wish.item_id).where(Wish.event_id == event.id)
        .order_by(Wish.user_id, Wish.item_type, Wish.item_id))
        if user_id in participants and (item_type, item_id) in owners and owners[(item_type, item_id)] != user_id]
    scores: dict[tuple[int, tuple[str, int]], float] = {}
    models = _models()
    for item_type, other_type in (("project", "need"), ("need", "project")):
        wished = sorted({key[1] for _user, key in rows if key[0] == item_type})
        wishers = sorted({user for user, key in rows if key[0] == item_type})
        if not wished:
            continue
        other = models[other_type]
        item_column, other_column = ((Match.project_id, Match.need_id) if item_type == "project"
                                     else (Match.need_id, Match.project_id))
        for item_id, owner_id, score in db.session.execute(
                select(item_column, other.owner_id, func.max(Match.score)).join(other, other.id == other_column)
                .where(item_column.in_(wished), other.owner_id.in_(wishers))
                .group_by(item_column, other.owner_id)):
            scores[(owner_id, (item_type, item_id))] = min(1.0, max(0.0, float(score or 0.0)))
    wishes = mutual_wishes([PlanWish(user, key, scores.get((user, key), 0.0)) for user, key in rows], items)
    return Plan(participants, items, wishes, owners)


@dataclass(frozen=True)
class Generated:
    meetings: list[Meeting]
    unmet_wishes: int


def _agendas(meetings) -> dict[int, frozenset]:
    """Each person's meetings as comparable facts (when, where, with whom, about what)."""
    agendas: dict[int, set] = {}
    for m in meetings:
        fact = (m.slot, m.table_number, m.project_id, m.need_id, m.participant_id, m.host_id)
        for person in (m.participant_id, m.host_id):
            agendas.setdefault(person, set()).add(fact)
    return {person: frozenset(facts) for person, facts in agendas.items()}


def _scheduled(event: Event) -> list[Meeting]:
    return list(db.session.scalars(select(Meeting).where(Meeting.event_id == event.id,
                                                         Meeting.status == "scheduled")
                                   .order_by(Meeting.slot, Meeting.table_number, Meeting.id)))


def _check_schedulable(event: Event) -> None:
    require_meetings(event)
    if event.status != "published":
        raise WrongState(_l("The schedule can only be made for a published event."), code="wrong_state")


def generate_schedule(event: Event, now: datetime | None = None) -> Generated:
    """Make (or remake) the event's schedule: the meetings placed replace every earlier
    one, moved or cancelled ones included. Each person whose agenda is new or changed is
    told once; a regeneration that changes nobody's meetings tells nobody."""
    _lock(event)
    db.session.refresh(event)
    _check_schedulable(event)
    now = now or utcnow()
    plan = plan_of(event)
    slots = slot_count(event)
    result = schedule_meetings(plan.participants, plan.items, plan.wishes, slots=slots, tables=event.tables)
    before = _agendas(_scheduled(event))
    db.session.execute(delete(Meeting).where(Meeting.event_id == event.id), execution_options={
        "synchronize_session": "fetch"})
    wish_of = {(w.participant, w.item): w for w in plan.wishes}
    step = timedelta(minutes=event.meeting_minutes)
    meetings = []
    for placed in result.meetings:
        item_type, item_id = placed.item
        wish = wish_of[(placed.participant, placed.item)]
        start = slot_start(event, placed.slot)
        meetings.append(Meeting(
            event_id=event.id, slot=placed.slot, table_number=placed.table + 1, starts_at=start, ends_at=start + step,
            project_id=item_id if item_type == "project" else None, need_id=item_id if item_type == "need" else None,
            participant_id=placed.participant, host_id=plan.owners[placed.item], mutual=wish.mutual,
            score=wish.score, status="scheduled", created_at=now))
    db.session.add_all(meetings)
    event.schedule_generated_at = now
    db.session.flush()
    after = _agendas(meetings)
    _tell(event, [person for person, agenda in sorted(after.items()) if before.get(person) != agenda],
          dedupe=f"{event.id}:{now.isoformat()}")
    return Generated(meetings, len(result.unmet))


def _tell(event: Event, user_ids, dedupe: str | None = None) -> None:
    """Tell these people their agenda is ready (or changed): in-app and by e-mail."""
    from ..auth.models import User
    from ..notifications.services import notify
    from .notices import event_params

    if not user_ids:
        return
    params = event_params(event)
    for user in db.session.scalars(select(User).where(User.id.in_(list(user_ids)), User.is_enabled.is_(True))
                                   .order_by(User.id)):
        notify(user, "event_agenda", dedupe_key=f"event_agenda:{dedupe}:{user.id}" if dedupe else None, **params)


def unmet_wishes(event: Event, plan: Plan | None = None, meetings=None) -> list[PlanWish]:
    """The wishes the scheduled meetings do not meet, in the scheduler's priority order."""
    from .schedule import priority

    plan = plan or plan_of(event)
    meetings = _scheduled(event) if meetings is None else meetings
    met = {(m.participant_id, ("project", m.project_id) if m.project_id is not None else ("need", m.need_id))
           for m in meetings if m.status == "scheduled"}
    return sorted((w for w in plan.wishes if (w.participant, w.item) not in met), key=priority)


def schedule_of(event: Event) -> list[Meeting]:
    """Every meeting of the event, cancelled ones too, by slot and table (one query)."""
    return list(db.session.scalars(select(Meeting).where(Meeting.event_id == event.id)
                                   .order_by(Meeting.slot, Meeting.table_number, Meeting.status.desc(), Meeting.id)))


def meeting_of(event: Event, meeting_id: int) -> Meeting:
    meeting = db.session.scalar(select(Meeting).where(Meeting.id == meeting_id, Meeting.event_id == event.id)) \
        if 0 < meeting_id <= MAX_ID else None
    if meeting is None:
        raise NotFound(_l("There is no such meeting at this event."))
    return meeting


def _time_text(event: Event, slot: int) -> str:
    from flask_babel import gettext as _

    from ..i18n import current_timezone, fmt_time, zone_label

    return _("%(time)s %(zone)s", time=fmt_time(slot_start(event, slot)), zone=zone_label(current_timezone()))


def move_meeting(event: Event, meeting_id: int, slot: int, table: int) -> Meeting:
    """Move a meeting to another slot (0-based) and table (from 1); refused when the table
    is taken then or someone in the meeting has another one at that time."""
    _lock(event)
    db.session.refresh(event)
    meeting = meeting_of(event, meeting_id)
    _check_schedulable(event)
    if meeting.status != "scheduled":
        raise WrongState(_l("This meeting is cancelled: it cannot be moved."), code="meeting_cancelled")
    slots = slot_count(event)
    if not (isinstance(slot, int) and 0 <= slot < slots):
        raise ServiceError(_l("Choose a time slot from 1 to %(slots)s.", slots=slots), "slot")
    if not (isinstance(table, int) and 1 <= table <= event.tables):
        raise ServiceError(_l("Choose a table from 1 to %(tables)s.", tables=event.tables), "table")
    if (slot, table) == (meeting.slot, meeting.table_number):
        return meeting
    others = [m for m in db.session.scalars(select(Meeting).where(
        Meeting.event_id == event.id, Meeting.slot == slot, Meeting.status == "scheduled", Meeting.id != meeting.id))]
    if any(m.table_number == table for m in others):
        raise WrongState(_l("Table %(table)s is taken at %(time)s.", table=table, time=_time_text(event, slot)),
                         code="table_taken")
    people = {meeting.participant_id: meeting.participant, meeting.host_id: meeting.host}
    for other in others:
        for person_id in (other.participant_id, other.host_id):
            if person_id in people:
                raise WrongState(_l("%(name)s already has a meeting at %(time)s.",
                                    name=people[person_id].display_name, time=_time_text(event, slot)),
                                 code="person_busy")
    meeting.slot, meeting.table_number = slot, table
    meeting.starts_at = slot_start(event, slot)
    meeting.ends_at = meeting.starts_at + timedelta(minutes=event.meeting_minutes)
    db.session.flush()
    _tell(event, sorted(people))
    return meeting


def cancel_meeting(event: Event, meeting_id: int) -> Meeting:
    """Cancel a meeting; it stays on the organisers' schedule, struck through."""
    _lock(event)
    meeting = meeting_of(event, meeting_id)
    _check_schedulable(event)
    if meeting.status != "scheduled":
        raise WrongState(_l("This meeting is already cancelled."), code="meeting_cancelled")
    meeting.status = "cancelled"
    db.session.flush()
    return meeting


def shift_meetings(event: Event) -> int:
    """Recompute the times of the event's meetings from their slots (after its start or
    the meetings' length changed); returns how many moved."""
    moved = 0
    step = timedelta(minutes=event.meeting_minutes)
    for meeting in db.session.scalars(select(Meeting).where(Meeting.event_id == event.id)):
        start = slot_start(event, meeting.slot)
        if meeting.starts_at != start or meeting.ends_at != start + step:
            meeting.starts_at, meeting.ends_at = start, start + step
            moved += 1
    db.session.flush()
    return moved


# --- agendas ------------------------------------------------------------------------------

@dataclass(frozen=True)
class AgendaEntry:
    """One of a person's meetings, from their side."""

    meeting: Meeting
    presenting: bool  # True when the person presents the item (its owner)

    @property
    def other(self):
        return self.meeting.participant if self.presenting else self.meeting.host

    @property
    def item(self):
        return self.meeting.item

    @property
    def item_type(self) -> str:
        return "project" if self.meeting.project_id is not None else "need"


def agenda_of(event: Event, user) -> list[AgendaEntry]:
    """``user``'s own scheduled meetings at ``event``, in time order (one query)."""
    if not _authenticated(user):
        return []
    meetings = db.session.scalars(
        select(Meeting).where(Meeting.event_id == event.id, Meeting.status == "scheduled",
                              or_(Meeting.participant_id == user.id, Meeting.host_id == user.id))
        .order_by(Meeting.starts_at, Meeting.table_number, Meeting.id)).unique()
    return [AgendaEntry(m, m.host_id == user.id) for m in meetings]


def meeting_count(event: Event, user) -> int:
    if not _authenticated(user):
        return 0
    return db.session.scalar(select(func.count(Meeting.id)).where(
        Meeting.event_id == event.id, Meeting.status == "scheduled",
        or_(Meeting.participant_id == user.id, Meeting.host_id == user.id))) or 0


def schedule_counts(event: Event) -> dict:
    """Meetings and wishes of the event (two grouped queries)."""
    meetings = dict(db.session.execute(select(Meeting.status, func.count(Meeting.id))
                                       .where(Meeting.event_id == event.id).group_by(Meeting.status)).all())
    wishes, wishers = db.session.execute(select(func.count(Wish.id), func.count(func.distinct(Wish.user_id)))
                                         .where(Wish.event_id == event.id)).one()
    return {"scheduled": meetings.get("scheduled", 0), "cancelled": meetings.get("cancelled", 0),
            "wishes": wishes or 0, "wishers": wishers or 0}


# --- the event page ----------------------------------------------------------------------

def wishes_form(event: Event, user, formdata=None):
    """The wish form: the featured items (not the viewer's own), checked as wished."""
    from ..forms import select_choices
    from ..i18n import localized_text
    from .forms import WishesForm

    wished = wishes_of(event, user)
    form = WishesForm(formdata=formdata) if formdata is not None else WishesForm(
        project_ids=wished["project"], need_ids=wished["need"])
    form.project_ids.choices = select_choices([(p.id, localized_text(p, "title"))
                                               for p in featured_items(event, "project") if p.owner_id != user.id])
    form.need_ids.choices = select_choices([(n.id, localized_text(n, "title"))
                                            for n in featured_items(event, "need") if n.owner_id != user.id])
    return form


def meetings_context(event, viewer, registration) -> dict:
    """What the event page shows of wishes, suggestions and the viewer's agenda."""
    if not event.has_meetings:
        return {}
    from ..content.services import is_owner
    from ..content.views import ActionForm

    context: dict = {"meetings_panel": True, "wishes_open": wishes_open(event)}
    if registration is not None and registration.status in WISHING:
        context["wishes_form"] = wishes_form(event, viewer)
        context["suggestions"] = suggestions_for(event, viewer, limit=SUGGESTIONS_SHOWN)
    if _authenticated(viewer):
        context["presented"] = [(item_type, item) for item_type in ITEM_TYPES
                                for item in featured_items(event, item_type) if item.owner_id == viewer.id]
    context["my_meeting_count"] = meeting_count(event, viewer)
    if is_owner(event, viewer):
        context["schedule_counts"] = schedule_counts(event)
        context["schedule_form"] = ActionForm()
        context["may_generate"] = event.status == "published"
    return context
