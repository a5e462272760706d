"""Services shared by projects and needs: permissions, transitions with their recorded
history, sectors, and telling owners what happened."""
from __future__ import annotations

from sqlalchemy import select

from .. import audit
from ..db import utcnow
from ..extensions import db
from ..orgs.models import Sector
from .lifecycle import transitions_for
from .models import StatusChange


class ContentError(Exception):
    """A refused action; ``status`` is the HTTP status a view should answer with."""

    status = 400

    def __init__(self, message, code: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.code = code


class NotAllowed(ContentError):
    status = 403


class WrongState(ContentError):
    status = 409


def is_owner(item, user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and item.owner_id == user.id)


def party_of(item, user) -> set[str]:
    """Which lifecycle parties ``user`` is for ``item``."""
    parties = set()
    if is_owner(item, user):
        parties.add("owner")
    if user is not None and getattr(user, "is_authenticated", False) and user.is_admin:
        parties.add("admin")
    return parties


def allowed_transitions(item, user) -> list[str]:
    """Names of the transitions ``user`` may make on ``item`` now."""
    parties = party_of(item, user)
    return [t.name for t in transitions_for(item.item_type).values()
            if item.status in t.sources and parties & t.parties]


def apply_transition(item, name: str, actor, *, note: str | None = None, reason_code: str | None = None,
                     system: bool = False) -> StatusChange:
    """Move ``item`` along a legal transition and record who, when and why."""
    from flask_babel import lazy_gettext as _l

    transition = transitions_for(item.item_type).get(name)
    if transition is None:
        raise WrongState(_l("This status change is not possible."), "invalid_transition")
    parties = {"system"} if system else party_of(item, actor)
    if not parties & transition.parties:
        raise NotAllowed(_l("You are not allowed to make this change."))
    if item.status not in transition.sources:
        raise WrongState(_l("This status change is not possible from the current status."), "invalid_transition")
    target = transition.target
    if name == "approve" and item.review_return_status:
        target = item.review_return_status  # an approved edit returns where it was
    return record_change(item, target, actor, note=note, reason_code=reason_code)


def record_change(item, target: str, actor, *, note: str | None = None, reason_code: str | None = None) -> StatusChange:
    """Set the status and append the history entry."""
    now = utcnow()
    change = StatusChange(item_type=item.item_type, item_id=item.id, from_status=item.status, to_status=target,
                          actor_id=getattr(actor, "id", None), note=note or None, reason_code=reason_code)
    item.status = target
    if target == "pending_review":
        item.submitted_at = now
    elif item.review_return_status is None and target in ("published", "open"):
        item.published_at = item.published_at or now
    # An edit of a live item that is withdrawn or rejected keeps where it returns to: once
    # resubmitted and approved it goes back to its lifecycle status, not to the start.
    if target not in ("pending_review", "draft", "rejected"):
        item.review_return_status = None
    db.session.add(change)
    if getattr(actor, "is_admin", False) and not is_owner(item, actor):
        audit.record(actor, f"{item.item_type}.{target}", item.item_type, item.id, reason=reason_code)
    db.session.flush()
    if item.id is not None and change.from_status is not None:
        # Publishing, editing or closing changes what the item matches (stored top lists).
        from ..matching.store import refresh_item

        refresh_item(item)
    return change


def send_back_to_review(item, actor) -> None:
    """An edit to a live item is reviewed again; approval returns it to where it was."""
    previous = item.status
    record_change(item, "pending_review", actor, note=None)
    item.review_return_status = previous


def history(item) -> list[StatusChange]:
    """The item's recorded transitions, oldest first."""
    return list(db.session.scalars(
        select(StatusChange).where(StatusChange.item_type == item.item_type, StatusChange.item_id == item.id)
        .order_by(StatusChange.created_at, StatusChange.id)
    ))


def sectors_by_code(codes) -> list[Sector]:
    codes = list(dict.fromkeys(codes or []))
    if not codes:
        return []
    found = {s.code: s for s in db.session.scalars(select(Sector).where(Sector.code.in_(codes)))}
    unknown = [c for c in codes if c not in found]
    if unknown:
        from flask_babel import lazy_gettext as _l

        raise ContentError(_l("Unknown sector: %(codes)s", codes=", ".join(unknown)), "unknown_sector")
    return [found[c] for c in codes]


def sector_choices() -> list[tuple[str, str]]:
    from ..i18n import current_lang

    lang = current_lang()
    return [(s.code, s.zh if lang == "zh" else s.en)
            for s in db.session.scalars(select(Sector).order_by(Sector.position))]
