"""Moderation: the admin queue of items awaiting review, and its decisions."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..errors import NotAllowed, ServiceError
from .labels import REVIEW_REASONS
from . import services
from .kinds import all_kinds


def queue(limit: int = 100) -> dict[str, list]:
    """Pending items of every kind, oldest submission first."""
    return {kind.name: services.pending_review(kind, limit) for kind in all_kinds() if kind.reviewed}


def decide(item, decision: str, admin, *, reason_code: str | None = None, note: str | None = None) -> None:
    """Approve or reject a pending item; the owner is told in their language, with the
    reason (the notification subscribes to the change)."""
    if not admin.is_admin:
        raise NotAllowed(_l("Only administrators review posts."))
    if decision == "approve":
        services.apply_transition(item, "approve", admin, note=note)
    elif decision == "reject":
        if reason_code not in REVIEW_REASONS:
            raise ServiceError(_l("Pick a reason for the rejection."), "reason")
        if reason_code == "other" and not note:
            raise ServiceError(_l("Explain the reason in a few words."), "note")
        services.apply_transition(item, "reject", admin, note=note, reason_code=reason_code)
    else:
        raise ServiceError(_l("Decide to approve or reject."), "decision")
