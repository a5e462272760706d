"""Administration: who is told about new members, and the outbox reader."""
from __future__ import annotations

from sqlalchemy import select

from ..auth.models import User
from ..db import paginate
from ..extensions import db
from ..mail.models import OutboxMessage
from ..mail.service import send_email


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


def outbox_page(page: int, per_page: int = 25):
    return paginate(select(OutboxMessage).order_by(OutboxMessage.id.desc()), page, per_page)
