"""Membership: who belongs to which organisation, the admins' decisions on
memberships and proposed organisations, and telling admins about new members."""
from __future__ import annotations

from sqlalchemy import func, select

from .. import audit
from ..extensions import db
from ..mail.service import send_email
from ..orgs.models import Organisation, Sector
from .models import User


def live_counts() -> dict[str, int]:
    return {
        "organisations": db.session.scalar(select(func.count(Organisation.id)).where(Organisation.status == "approved")) or 0,
        "members": db.session.scalar(select(func.count(User.id)).where(User.membership_status == "approved")) or 0,
        "offshore_incubators": db.session.scalar(select(func.count(Organisation.id)).where(
            Organisation.status == "approved", Organisation.kind == "offshore_incubator")) or 0,
        "sectors": db.session.scalar(select(func.count(Sector.code))) or 0,
    }


def decide_organisation(org: Organisation, approve: bool, actor) -> None:
    """Approve or reject a proposed organisation; its pending members follow."""
    org.status = "approved" if approve else "rejected"
    audit.record(actor, "organisation.approved" if approve else "organisation.rejected", "organisation", org.id)
    if not approve:
        for user in db.session.scalars(select(User).where(User.organisation_id == org.id, User.membership_status == "pending")):
            decide_membership(user, False, actor)
    db.session.flush()


def decide_membership(user, approve: bool, actor) -> None:
    """Approve or decline a pending membership and tell the member in their language."""
    user.membership_status = "approved" if approve else "rejected"
    if approve and user.organisation and not user.organisation.is_approved:
        user.organisation.status = "approved"
        audit.record(actor, "organisation.approved", "organisation", user.organisation.id)
    audit.record(actor, "membership.approved" if approve else "membership.rejected", "user", user.id,
                 organisation_id=user.organisation_id)
    send_email(user, "membership_decided", approved=approve, organisation=user.organisation)
    db.session.flush()


def pending_memberships(limit: int = 100):
    return list(db.session.scalars(
        select(User).where(User.membership_status == "pending").order_by(User.created_at).limit(limit)
    ))


def admins() -> list[User]:
    return list(db.session.scalars(select(User).where(User.roles.contains("admin"), User.is_enabled.is_(True)).limit(50)))


def notify_admins_of_membership(user: User) -> int:
    """E-mail each admin, in their own language, that a membership awaits review."""
    if user.membership_status != "pending":
        return 0
    recipients = [admin for admin in admins() if admin.is_admin]
    for admin in recipients:
        send_email(admin, "membership_pending", member=user, organisation=user.organisation)
    return len(recipients)
