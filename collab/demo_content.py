"""Demo projects, needs and events (collab/data/demo_content.json), in several lifecycle
states. Idempotent: an item whose owner already has one with the same title is skipped."""
from __future__ import annotations

import json
from datetime import datetime, time, timedelta, timezone
from importlib import resources
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select

from .auth.models import User
from .content import services as content
from .content.kinds import kind_of
from .content.models import StatusChange
from .content.signals import item_was
from .db import utcnow
from .extensions import db
from .needs.kind import today
from .needs.models import Need
from .orgs.models import Organisation
from .projects.models import Project

# Status reached through review from draft, in order.
_PROJECT_PATH = ("pending_review", "published")
_NEED_PATH = ("pending_review", "open")


def _staff(org: Organisation, role: str, password: str) -> User:
    """The organisation's demo member with ``role`` (an existing one, or a new staff account)."""
    from .auth.services import create_user

    user = db.session.scalar(select(User).where(User.organisation_id == org.id, User.roles.contains(role),
                                                User.membership_status == "approved").order_by(User.id))
    if user is None:
        user = create_user(email=f"staff-{org.key}@collab.demo", password=password, role=role,
                           display_name=org.name_zh or org.name_en, locale="zh" if org.country == "CN" else "en",
                           timezone=org.timezone, organisation=org)
    return user


def _exists(model, owner: User, item: dict) -> bool:
    titles = [t for t in (item.get("title_zh"), item.get("title_en")) if t]
    return bool(db.session.scalar(select(model.id).where(
        model.owner_id == owner.id, or_(*(getattr(model, f"title_{l}") == item.get(f"title_{l}")
                                          for l in ("zh", "en") if item.get(f"title_{l}"))))) if titles else False)


def _history(item, owner: User, admin: User | None, entry: dict, path: tuple[str, ...]) -> None:
    """Write the item's recorded history with plausible dates, ending at its demo status."""
    now = utcnow()
    published_days = entry.get("published_days_ago")
    published_at = now - timedelta(days=published_days) if published_days is not None else None
    created_at = (published_at or now - timedelta(days=3)) - timedelta(days=5)
    item.created_at = item.updated_at = created_at
    steps = [("draft", owner, created_at, None)]
    target = entry["status"]
    if target != "draft":
        steps.append(("pending_review", owner, created_at + timedelta(days=2), None))
    if published_at is not None:
        steps.append((path[1], admin, published_at, None))
        for later in entry.get("history") or []:
            note = later.get("note_zh") if owner.locale == "zh" else later.get("note_en")
            steps.append((later["to"], owner, now - timedelta(days=later["days_ago"]), note or None))
        if steps[-1][0] != target:
            steps.append((target, owner, now - timedelta(days=1), None))
    previous = None
    for status, actor, at, note in steps:
        db.session.add(StatusChange(item_type=item.item_type, item_id=item.id, from_status=previous, to_status=status,
                                    actor_id=actor.id if actor else None, note=note, created_at=at))
        previous = status
    item.status = target
    item.submitted_at = created_at + timedelta(days=2) if target != "draft" else None
    item.published_at = published_at


def _data() -> dict:
    return json.loads(resources.files("collab.data").joinpath("demo_content.json").read_text(encoding="utf-8"))


def load_content_demo(password: str) -> dict[str, int]:
    data = _data()
    admin = db.session.scalar(select(User).where(User.roles.contains("admin")).order_by(User.id))
    for entry in data["enterprises"]:
        if not db.session.scalar(select(Organisation.id).where(Organisation.key == entry["key"])):
            org = Organisation(status="approved", facts={}, **entry)
            org.refresh_search_text()
            db.session.add(org)
    db.session.flush()
    orgs = {o.key: o for o in db.session.scalars(select(Organisation))}
    created = {"projects": 0, "needs": 0}
    for entry in data["projects"]:
        owner = _staff(orgs[entry["org"]], "center", password)
        if _exists(Project, owner, entry):
            continue
        project = Project(owner_id=owner.id, organisation_id=owner.organisation_id, status="draft",
                          title_zh=entry["title_zh"], title_en=entry["title_en"], summary_zh=entry["summary_zh"],
                          summary_en=entry["summary_en"], stage=entry["stage"], direction=entry["direction"],
                          funding_sought_cny=entry["funding_sought_cny"], team_size=entry["team_size"],
                          ip_status=entry["ip_status"], seeks=entry["seeks"], city=entry["city"])
        project.sectors = content.sectors_by_code(entry["sectors"])
        db.session.add(project)
        db.session.flush()
        _history(project, owner, admin, entry, _PROJECT_PATH)
        item_was(kind_of(project), project, "created", owner)
        created["projects"] += 1
    for entry in data["needs"]:
        owner = _staff(orgs[entry["enterprise"]], "enterprise", password)
        if _exists(Need, owner, entry):
            continue
        need = Need(owner_id=owner.id, organisation_id=owner.organisation_id, status="draft", kind=entry["kind"],
                    title_zh=entry["title_zh"], title_en=entry["title_en"], description_zh=entry["description_zh"],
                    description_en=entry["description_en"], budget_min_cny=entry["budget_min_cny"],
                    budget_max_cny=entry["budget_max_cny"], location=entry["location"],
                    deadline=today() + timedelta(days=entry["deadline_days"]), visibility=entry["visibility"])
        need.sectors = content.sectors_by_code(entry["sectors"])
        db.session.add(need)
        db.session.flush()
        _history(need, owner, admin, entry, _NEED_PATH)
        item_was(kind_of(need), need, "created", owner)
        created["needs"] += 1
    db.session.flush()
    return created


# --- events ---------------------------------------------------------------------------------

def _item_by_ref(data: dict, ref: str):
    """The demo project (``p…``) or need (``n…``) of a ref, found by its title."""
    entries, model = (data["projects"], Project) if ref.startswith("p") else (data["needs"], Need)
    entry = next(e for e in entries if e["ref"] == ref)
    title = "title_zh" if entry.get("title_zh") else "title_en"
    return db.session.scalar(select(model).where(getattr(model, title) == entry[title]).order_by(model.id))


def _local(entry: dict, now: datetime, clock: str) -> datetime:
    """``clock`` on the event's day (``day`` days from today, in the event's zone), in UTC."""
    zone = ZoneInfo(entry["timezone"])
    day = now.astimezone(zone).date() + timedelta(days=entry["day"])
    return datetime.combine(day, time.fromisoformat(clock), tzinfo=zone).astimezone(timezone.utc)


def load_event_demo(password: str) -> dict[str, int]:
    """Two held events (registrations, attendance, a held one-to-one schedule) and two
    published upcoming ones, days relative to today, hosted by real organisations and
    organised by their demo staff. Written through the content services (history, audit);
    past registrations, attendance and meetings are plain rows, as a finished day leaves
    them; on upcoming events the demo accounts one logs in with (collab.demo.DEMO_USERS)
    register through the events service, so they find its notice, and the others are rows
    (the demo's outbox stays small). Idempotent: an event its organiser already has is skipped."""
    from .demo import DEMO_USERS
    from .events.kind import EVENTS
    from .events.models import Event

    data = _data()
    now = utcnow()
    orgs = {o.key: o for o in db.session.scalars(select(Organisation))}
    login_accounts = {email for email, *_rest in DEMO_USERS}
    created = {"events": 0, "event_registrations": 0, "event_meetings": 0}
    for entry in data.get("events", ()):
        organiser = _staff(orgs[entry["host"]], "center", password)
        if _exists(Event, organiser, entry):
            continue
        starts_at, ends_at = _local(entry, now, entry["start"]), _local(entry, now, entry["end"])
        deadline = starts_at - timedelta(days=entry["deadline_days_before"])
        items = {ref: _item_by_ref(data, ref) for ref in (*entry["featured_projects"], *entry["featured_needs"])}
        event = content.create_item(EVENTS, organiser, {
            "type": entry["type"], "organisation_id": orgs[entry["host"]].id,
            **{f: entry[f] for f in ("title_zh", "title_en", "description_zh", "description_en", "place_zh",
                                     "place_en", "online_url", "timezone", "capacity", "meeting_minutes",
                                     "tables", "sectors")},
            "starts_at": starts_at, "ends_at": ends_at, "registration_deadline": deadline,
            "featured_project_ids": [items[r].id for r in entry["featured_projects"] if items[r]],
            "featured_need_ids": [items[r].id for r in entry["featured_needs"] if items[r]],
        })
        users = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(entry["registrants"])))}
        if entry["status"] == "held":
            created["event_registrations"] += _held_event(event, entry, organiser, users, deadline)
            created["event_meetings"] += _held_meetings(event, entry, users, items, deadline)
        else:
            created["event_registrations"] += _upcoming_event(event, entry, organiser, users, items, now, login_accounts)
        created["events"] += 1
    db.session.flush()
    return created


def _backdate(event, organiser, created_at, steps) -> None:
    """The event's history as it happened: created at ``created_at``, then ``steps``
    (status, transition, when) through ``content.record_change``."""
    changes = [db.session.scalar(select(StatusChange).where(
        StatusChange.item_type == "event", StatusChange.item_id == event.id).order_by(StatusChange.id))]
    for status, transition, _at in steps:
        changes.append(content.record_change(event, status, organiser, transition=transition))
    for change, at in zip(changes, [created_at, *(at for _s, _t, at in steps)]):
        change.created_at = at
    db.session.flush()
    event.created_at = created_at
    event.published_at = steps[0][2] if steps else None
    event.updated_at = steps[-1][2] if steps else created_at


def _held_event(event, entry, organiser, users, deadline) -> int:
    """Published a month before, registrations before the deadline, marked held after it ended."""
    from .events.models import Registration

    published_at = deadline - timedelta(days=26)
    _backdate(event, organiser, published_at - timedelta(days=2),
              [("published", "publish", published_at), ("held", "held", event.ends_at + timedelta(hours=2))])
    made = 0
    window = deadline - published_at
    registrants = [users[e] for e in entry["registrants"] if e in users]
    for sequence, user in enumerate(registrants, start=1):
        at = published_at + window * sequence / (len(registrants) + 1)
        cancelled = user.email in entry["cancelled"]
        db.session.add(Registration(
            event_id=event.id, user_id=user.id, sequence=sequence, created_at=at,
            status="cancelled" if cancelled else "registered", registered_at=at,
            cancelled_at=at + timedelta(days=2) if cancelled else None,
            attended=None if cancelled else user.email not in entry["absent"],
            reminder_sent_at=None if cancelled else event.starts_at - timedelta(hours=24)))
        made += 1
    return made


def _held_meetings(event, entry, users, items, deadline) -> int:
    """The one-to-one schedule the day ran on (slot ``s`` starts ``s × meeting_minutes`` in)."""
    from .events.models import Meeting

    made = 0
    for meeting in entry["meetings"]:
        item, participant = items.get(meeting["item"]), users.get(meeting["participant"])
        if item is None or participant is None:
            continue
        start = event.starts_at + timedelta(minutes=meeting["slot"] * event.meeting_minutes)
        db.session.add(Meeting(
            event_id=event.id, slot=meeting["slot"], table_number=meeting["table"], starts_at=start,
            ends_at=start + timedelta(minutes=event.meeting_minutes),
            project_id=item.id if isinstance(item, Project) else None,
            need_id=item.id if isinstance(item, Need) else None, participant_id=participant.id,
            host_id=item.owner_id, mutual=meeting["mutual"], score=meeting["score"], status="scheduled",
            created_at=deadline + timedelta(hours=3)))
        made += 1
    if made:
        event.schedule_generated_at = deadline + timedelta(hours=3)
    return made


def _upcoming_event(event, entry, organiser, users, items, now, login_accounts) -> int:
    """Published through the service a few days ago; registrations since, and wishes."""
    from .events import services as events
    from .events.models import Registration, Wish

    content.submit_item(event, organiser)  # draft → published, as the organiser's button does
    published_at = now - timedelta(days=6)
    change = db.session.scalars(select(StatusChange).where(
        StatusChange.item_type == "event", StatusChange.item_id == event.id).order_by(StatusChange.id)).all()
    change[0].created_at, change[-1].created_at = published_at - timedelta(days=1), published_at
    event.created_at, event.published_at = published_at - timedelta(days=1), published_at
    registrants = [users[e] for e in entry["registrants"] if e in users]
    rows = [u for u in registrants if u.email not in login_accounts]
    made = 0
    for sequence, user in enumerate(rows, start=1):
        at = published_at + (now - published_at) * sequence / (len(rows) + 2)
        db.session.add(Registration(event_id=event.id, user_id=user.id, sequence=sequence, status="registered",
                                    created_at=at, registered_at=at))
        made += 1
    db.session.flush()
    for user in registrants:
        if user.email in login_accounts:
            events.register(event, user, now=now)
            made += 1
    for wish in entry.get("wishes", ()):
        user, item = users.get(wish["user"]), items.get(wish["item"])
        if user is not None and item is not None:
            db.session.add(Wish(event_id=event.id, user_id=user.id, item_type=item.item_type, item_id=item.id,
                                created_at=now - timedelta(days=1)))
    db.session.flush()
    event.updated_at = published_at
    return made
