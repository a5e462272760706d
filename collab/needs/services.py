"""Needs: writing, submitting, lifecycle, expiry, visibility and listing."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select

from ..content import services as content
from ..content.lifecycle import NEED_LIFECYCLE_TARGETS, editable_statuses, live_statuses
from ..db import paginate_entities, utcnow
from ..extensions import db
from ..orgs.models import Organisation
from ..search.index import filter_by_query, index_item, remove_item
from .models import LISTED_NEED_STATUSES, PUBLIC_NEED_STATUSES, Need, need_sectors

TEXT_FIELDS = ("title_zh", "title_en", "description_zh", "description_en")
SORTS = ("newest", "deadline", "budget")
# Deadlines are calendar dates; the network keeps official (Beijing) time for them.
DEADLINE_ZONE = ZoneInfo("Asia/Shanghai")


def today(now: datetime | None = None) -> date:
    """Today's date in Beijing time, against which deadlines are judged."""
    return (now or utcnow()).astimezone(DEADLINE_ZONE).date()


def may_create(user) -> bool:
    return bool(user.is_authenticated and (user.is_admin or user.has_role("enterprise")))


def _apply(need: Need, data: dict) -> None:
    budget_min, budget_max = data.get("budget_min_cny"), data.get("budget_max_cny")
    if budget_min is not None and budget_max is not None and budget_min > budget_max:
        raise content.ContentError(_l("The upper budget must not be below the lower one."), "budget")
    for field, value in data.items():
        if field == "sectors":
            need.sectors = content.sectors_by_code(value)
        elif field in TEXT_FIELDS:
            setattr(need, field, value or None)
        else:
            setattr(need, field, value)


def create_need(owner, data: dict) -> Need:
    """A new draft need of ``owner``'s enterprise."""
    if not may_create(owner):
        raise content.NotAllowed(_l("Only enterprises publish needs."))
    need = Need(owner_id=owner.id, organisation_id=owner.organisation_id, status="draft")
    db.session.add(need)
    _apply(need, data)
    db.session.flush()
    content.record_change(need, "draft", owner)
    index_item(need)
    return need


def update_need(need: Need, data: dict, actor) -> Need:
    """Edit a need; an edit to an open need goes back to review."""
    if not content.is_owner(need, actor):
        raise content.NotAllowed(_l("Only the owner edits this need."))
    if need.status not in editable_statuses("need"):
        raise content.WrongState(_l("This need can no longer be edited."))
    _apply(need, data)
    if need.status in live_statuses("need"):
        content.send_back_to_review(need, actor)
    db.session.flush()
    index_item(need)
    return need


def submit_need(need: Need, actor) -> None:
    if content.is_owner(need, actor) and not actor.can_publish:
        raise content.NotAllowed(_l("Your membership must be approved before you can publish."))
    if need.deadline <= today():
        raise content.ContentError(_l("The deadline has passed: set a new one before submitting."), "deadline")
    content.apply_transition(need, "submit", actor)


def delete_draft(need: Need, actor) -> None:
    if not content.is_owner(need, actor):
        raise content.NotAllowed(_l("Only the owner deletes this need."))
    if need.status != "draft":
        raise content.WrongState(_l("Only drafts can be deleted."))
    if need.published_at is not None:  # a withdrawn edit of a public need
        raise content.WrongState(_l("This item was public and keeps its history: close or withdraw it instead."))
    remove_item("need", need.id)
    db.session.delete(need)
    db.session.flush()


def transition_need(need: Need, name: str, actor, note: str | None = None):
    """A lifecycle step (in talks, reopen, fulfilled, withdrawn, withdraw from review)."""
    if name not in (*NEED_LIFECYCLE_TARGETS, "withdraw"):
        # Approval and rejection go through the review (with its reason), expiry through the job.
        raise content.WrongState(_l("This status change is not possible."), "invalid_transition")
    change = content.apply_transition(need, name, actor, note=note)
    if actor.is_admin and not content.is_owner(need, actor):
        from ..notifications.services import notify

        notify(need.owner, "status_changed", item_type="need", item_id=need.id,
               title_zh=need.title_zh, title_en=need.title_en, to_status=need.status)
    return change


def expire_overdue(now: datetime | None = None) -> int:
    """Expire open needs whose deadline has passed; each owner is told exactly once.

    Idempotent: each need is claimed by a conditional update (status still what we
    read), so a second or concurrent run finds nothing left to do."""
    from sqlalchemy import update

    from ..auth.models import User
    from ..content.models import StatusChange
    from ..notifications.services import notify

    cutoff = today(now)
    due = db.session.execute(select(Need.id, Need.status).where(
        Need.status.in_(("open", "in_talks")), Need.deadline < cutoff).order_by(Need.id).limit(1000)).all()
    expired = 0
    for need_id, previous in due:
        claimed = db.session.execute(
            update(Need).where(Need.id == need_id, Need.status == previous)
            .values(status="expired", updated_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        if not claimed:
            continue
        db.session.add(StatusChange(item_type="need", item_id=need_id, from_status=previous, to_status="expired"))
        need = db.session.get(Need, need_id)
        db.session.refresh(need)
        notify(db.session.get(User, need.owner_id), "need_expired", dedupe_key=f"need_expired:{need_id}",
               item_type="need", item_id=need_id, title_zh=need.title_zh, title_en=need.title_en)
        expired += 1
    db.session.flush()
    return expired


# --- reading -------------------------------------------------------------------

def visibility_clause(viewer):
    """SQL condition for the needs ``viewer`` may read: members-only needs need an
    approved member; drafts and pending ones only their owner (and admins, pending)."""
    public = Need.status.in_(PUBLIC_NEED_STATUSES)
    if viewer is not None and viewer.is_authenticated:
        if viewer.is_admin:
            return or_(Need.status != "draft", Need.owner_id == viewer.id)
        if viewer.can_publish:
            return or_(public, Need.owner_id == viewer.id)
        return or_(and_(public, Need.visibility != "members"), Need.owner_id == viewer.id)
    return and_(public, Need.visibility != "members")


def get_visible(need_id: int, viewer) -> Need | None:
    return db.session.scalar(select(Need).where(Need.id == need_id, visibility_clause(viewer)))


def shows_organisation(need: Need, viewer) -> bool:
    """Anonymous needs hide their organisation from everyone but admins and the owner."""
    if need.visibility != "anonymous":
        return True
    return bool(viewer is not None and viewer.is_authenticated and (viewer.is_admin or need.owner_id == viewer.id))


def listing(viewer, *, page=1, per_page=20, **filters) -> tuple[list[Need], int]:
    """One page of needs visible to ``viewer``, with filters, search and sorting."""
    return paginate_entities(listing_query(viewer, **filters), Need, page, per_page)


def listing_query(viewer, *, kind=None, sector=None, location=None, organisation=None, status=None, q=None,
                  sort="newest"):
    """The select behind ``listing`` (the API's search merges it with the projects')."""
    statement = select(Need).where(visibility_clause(viewer))
    if status in PUBLIC_NEED_STATUSES:
        statement = statement.where(Need.status == status)
    else:
        statement = statement.where(Need.status.in_(LISTED_NEED_STATUSES))
    if kind:
        statement = statement.where(Need.kind == kind)
    if sector:
        statement = statement.where(Need.id.in_(
            select(need_sectors.c.need_id).where(need_sectors.c.sector_code == sector)))
    if location:
        statement = statement.where(Need.location == location)
    if organisation:
        # Anonymous needs never reveal their organisation, not even through a filter.
        statement = statement.where(Need.visibility != "anonymous", Need.organisation_id.in_(
            select(Organisation.id).where(Organisation.key == organisation)))
    if q:
        statement = filter_by_query(statement, Need, q)
    if sort == "deadline":
        statement = statement.order_by(Need.deadline.asc(), Need.id.desc())
    elif sort == "budget":
        statement = statement.order_by(Need.budget_max_cny.desc().nulls_last(), Need.id.desc())
    else:
        statement = statement.order_by(Need.published_at.desc().nulls_last(), Need.id.desc())
    return statement


def owned_by(user, statuses=None) -> list[Need]:
    statement = select(Need).where(Need.owner_id == user.id)
    if statuses:
        statement = statement.where(Need.status.in_(statuses))
    return list(db.session.scalars(statement.order_by(Need.updated_at.desc()).limit(200)))
