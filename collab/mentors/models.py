"""Mentors and their bookings: profiles, availability rules and bookings (docs/DESIGN.md §2, §4).

Slots are never stored: they are computed from the rules here and the live bookings.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from sqlalchemy import (Boolean, CheckConstraint, Column, Date, ForeignKey, Index, Integer, SmallInteger, String,
                        Table, Text, text)
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from ..auth.models import User
from ..db import UTCDateTime, utcnow
from ..extensions import db
from ..orgs.models import Organisation, Sector

# A live booking holds its slot: a pending request blocks it exactly like a confirmed one.
LIVE_STATUSES = ("requested", "confirmed")
BOOKING_STATUSES = ("requested", "confirmed", "declined", "cancelled", "completed", "no_show")
LIVE_SQL = "status IN ('requested', 'confirmed')"
MODES = ("online", "in_person")
# Languages mentors of the network speak; codes are ISO 639-1.
MENTOR_LANGUAGES = ("zh", "en", "ru", "ug", "uz", "kk", "ky", "tg", "ur")
SESSION_LENGTHS = (30, 45, 60, 90, 120)
EXCEPTION_KINDS = ("extra", "blocked")


def new_uid() -> str:
    return f"{uuid.uuid4().hex}@collab"


mentor_sectors = Table(
    "mentor_sectors", db.metadata,
    Column("mentor_id", ForeignKey("mentor_profiles.id", ondelete="CASCADE"), primary_key=True),
    Column("sector_code", ForeignKey("sectors.code", ondelete="CASCADE"), primary_key=True, index=True),
)


class MentorProfile(db.Model):
    __tablename__ = "mentor_profiles"
    __table_args__ = (
        CheckConstraint("session_minutes > 0", name="session_positive"),
        CheckConstraint("buffer_minutes >= 0 AND min_notice_hours >= 0 AND horizon_days > 0", name="rules_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    headline_zh: Mapped[str | None] = mapped_column(String(200))
    headline_en: Mapped[str | None] = mapped_column(String(200))
    bio_zh: Mapped[str | None] = mapped_column(Text)
    bio_en: Mapped[str | None] = mapped_column(Text)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"), index=True)
    city_zh: Mapped[str | None] = mapped_column(String(100))
    city_en: Mapped[str | None] = mapped_column(String(100))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    # Space-separated codes from MENTOR_LANGUAGES (a handful per mentor; filtered with LIKE).
    languages: Mapped[str] = mapped_column(String(64), default="zh")
    offers_online: Mapped[bool] = mapped_column(Boolean, default=True)
    meeting_link: Mapped[str | None] = mapped_column(String(300))
    offers_in_person: Mapped[bool] = mapped_column(Boolean, default=False)
    # The base (an organisation of the network) where in-person sessions take place.
    base_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"), index=True)
    session_minutes: Mapped[int] = mapped_column(Integer, default=60)
    buffer_minutes: Mapped[int] = mapped_column(Integer, default=15)
    min_notice_hours: Mapped[int] = mapped_column(Integer, default=12)
    horizon_days: Mapped[int] = mapped_column(Integer, default=30)
    # Sessions one booker may hold with this mentor per calendar month of the mentor's zone.
    monthly_cap: Mapped[int | None] = mapped_column(Integer)
    auto_confirm: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(lazy="joined")
    organisation: Mapped[Organisation | None] = relationship(foreign_keys=[organisation_id])
    base: Mapped[Organisation | None] = relationship(foreign_keys=[base_id])
    sectors: Mapped[list[Sector]] = relationship(secondary=mentor_sectors, order_by=Sector.position)
    windows: Mapped[list[MentorWindow]] = relationship(
        back_populates="mentor", cascade="all, delete-orphan",
        order_by="(MentorWindow.weekday, MentorWindow.start_minute)")
    exceptions: Mapped[list[MentorException]] = relationship(
        back_populates="mentor", cascade="all, delete-orphan",
        order_by="(MentorException.day, MentorException.start_minute)")

    @property
    def language_list(self) -> list[str]:
        return self.languages.split()

    @property
    def modes(self) -> list[str]:
        return [m for m, on in (("online", self.offers_online), ("in_person", self.offers_in_person)) if on]

    @property
    def display_name(self) -> str:
        return self.user.display_name


class MentorWindow(db.Model):
    """A weekly recurring window, as wall-clock minutes of the mentor's own zone."""

    __tablename__ = "mentor_windows"
    __table_args__ = (
        CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday_valid"),
        CheckConstraint("start_minute >= 0 AND end_minute <= 1440 AND start_minute < end_minute",
                        name="minutes_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("mentor_profiles.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(SmallInteger)  # 0 = Monday, as datetime.weekday()
    start_minute: Mapped[int] = mapped_column(Integer)
    end_minute: Mapped[int] = mapped_column(Integer)

    mentor: Mapped[MentorProfile] = relationship(back_populates="windows")


class MentorException(db.Model):
    """A one-off extra window, or a blocked date (whole day, or only a part of it)."""

    __tablename__ = "mentor_exceptions"
    __table_args__ = (
        CheckConstraint("kind IN ('extra', 'blocked')", name="kind_valid"),
        CheckConstraint("(start_minute IS NULL AND end_minute IS NULL AND kind = 'blocked') OR "
                        "(start_minute >= 0 AND end_minute <= 1440 AND start_minute < end_minute)",
                        name="minutes_valid"),
        Index("ix_mentor_exceptions_mentor_day", "mentor_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("mentor_profiles.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)  # a date of the mentor's zone
    kind: Mapped[str] = mapped_column(String(8))
    start_minute: Mapped[int | None] = mapped_column(Integer)
    end_minute: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(String(200))

    mentor: Mapped[MentorProfile] = relationship(back_populates="exceptions")


class Booking(db.Model):
    """One session between a mentor and a booker; start and end are UTC instants."""

    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint("end_at > start_at", name="end_after_start"),
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating_range"),
        CheckConstraint("status IN ('requested', 'confirmed', 'declined', 'cancelled', 'completed', 'no_show')",
                        name="status_valid"),
        Index("ix_bookings_mentor_start", "mentor_id", "start_at"),
        Index("ix_bookings_booker_start", "booker_id", "start_at"),
        Index("ix_bookings_status_start", "status", "start_at"),
        # Same-slot races: one live booking per mentor and start, on both databases.
        Index("uq_bookings_live_slot", "mentor_id", "start_at", unique=True,
              sqlite_where=text(LIVE_SQL), postgresql_where=text(LIVE_SQL)),
        # Overlaps of different lengths: the row lock in services.book guards both
        # databases; on PostgreSQL this exclusion constraint is the backstop.
        ExcludeConstraint(
            ("mentor_id", "="), (text("tstzrange(start_at, end_at)"), "&&"),
            name="ex_bookings_no_overlap", using="gist", where=text(LIVE_SQL),
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(64), unique=True, default=new_uid)  # iCalendar UID, stable
    mentor_id: Mapped[int] = mapped_column(ForeignKey("mentor_profiles.id", ondelete="CASCADE"))
    booker_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="requested")
    topic: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    mode: Mapped[str] = mapped_column(String(16), default="online")
    # The mentor's zone when booked: the .ics and the mentor's view use it.
    timezone: Mapped[str] = mapped_column(String(64))
    sequence: Mapped[int] = mapped_column(Integer, default=0)  # iCalendar SEQUENCE, raised on each change
    rescheduled_from_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="SET NULL"),
                                                            index=True)
    decision_note: Mapped[str | None] = mapped_column(Text)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # marked completed or no-show
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    feedback: Mapped[str | None] = mapped_column(Text)
    feedback_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mentor_notes: Mapped[str | None] = mapped_column(Text)  # private to the mentor
    follow_up: Mapped[str | None] = mapped_column(Text)  # the mentor's suggestion, shown to the booker
    # Claimed atomically by the reminder job: set once, so a reminder goes out once.
    reminded_24h_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_1h_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    mentor: Mapped[MentorProfile] = relationship(lazy="joined")
    booker: Mapped[User] = relationship(foreign_keys=[booker_id], lazy="joined")
    cancelled_by: Mapped[User | None] = relationship(foreign_keys=[cancelled_by_id])
    rescheduled_from: Mapped[Booking | None] = relationship(remote_side=[id])

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    @property
    def minutes(self) -> int:
        return int((self.end_at - self.start_at) / timedelta(minutes=1))

    def is_party(self, user) -> bool:
        return bool(user and user.is_authenticated and user.id in (self.booker_id, self.mentor.user_id))


def profile_defaults(user: User) -> MentorProfile:
    """A new profile from the account: its zone, language and organisation."""
    org = user.organisation
    return MentorProfile(user=user, timezone=user.timezone or "Asia/Shanghai",
                         languages="zh en" if user.locale == "en" else "zh", organisation=org,
                         city_zh=org.city_zh if org else None, city_en=org.city_en if org else None)


@event.listens_for(Session, "before_flush")
def give_new_mentors_a_profile(session, _context, _instances) -> None:
    """Users created with the mentor role get their profile in the same flush, so
    GET /api/v1/me shows a mentor_id from the start (a role added later: ensure_profile)."""
    pending = [obj for obj in session.new if isinstance(obj, MentorProfile)]
    for obj in list(session.new):
        if isinstance(obj, User) and "mentor" in (obj.roles or "").split() \
                and not any(profile.user is obj for profile in pending):
            session.add(profile_defaults(obj))
