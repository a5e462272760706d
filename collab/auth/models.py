"""People: accounts, their roles and organisation membership, API tokens."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, utcnow
from ..extensions import db
from ..orgs.models import Organisation

ROLES = ("enterprise", "center", "mentor", "admin")
SELF_SERVICE_ROLES = ("enterprise", "center", "mentor")
MEMBERSHIP_STATUSES = ("none", "pending", "approved", "rejected")


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        Index("ix_users_org_membership", "organisation_id", "membership_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(100))
    locale: Mapped[str] = mapped_column(String(8), default="zh")
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    # Space-separated; a center staff member may also be a mentor (docs/DESIGN.md §1).
    roles: Mapped[str] = mapped_column(String(64), default="")
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    membership_status: Mapped[str] = mapped_column(String(16), default="none")
    # Rotated on logout, password change and disabling: a replayed cookie then fails.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    is_enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation | None] = relationship(foreign_keys=[organisation_id], lazy="joined")

    # Flask-Login
    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.is_enabled

    @property
    def role_list(self) -> list[str]:
        return self.roles.split()

    def has_role(self, *roles: str) -> bool:
        return any(r in self.role_list for r in roles)

    def add_role(self, role: str) -> None:
        if role not in self.role_list:
            self.roles = " ".join([*self.role_list, role])

    @property
    def is_admin(self) -> bool:
        return "admin" in self.role_list

    @property
    def can_publish(self) -> bool:
        """Approved members of an approved organisation publish; everyone else browses."""
        if self.is_admin:
            return True
        return (self.membership_status == "approved" and self.organisation is not None
                and self.organisation.is_approved)


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Only a SHA-256 of the token is stored; the token itself is shown once.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    def is_valid(self, now: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now and self.user.is_enabled
