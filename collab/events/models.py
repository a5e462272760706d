"""Matchmaking events (对接会, 路演, talent days, trainings, competitions), their
registrations with a waiting list, and the one-to-one meetings of a matchmaking day."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..content.models import ContentItem, sectors_table
from ..db import UTCDateTime, utcnow
from ..extensions import db

EVENT_TYPES = ("matchmaking", "roadshow", "talent", "training", "competition")
EVENT_STATUSES = ("draft", "published", "cancelled", "held")
REGISTRATION_STATUSES = ("registered", "waitlisted", "cancelled")
MEETING_STATUSES = ("scheduled", "cancelled")

event_sectors = sectors_table("event", "events")


def _featured_table(item_type: str, items_table: str) -> Table:
    """The projects (or needs) an event features."""
    return Table(
        f"event_{items_table}", db.metadata,
        Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
        Column(f"{item_type}_id", ForeignKey(f"{items_table}.id", ondelete="CASCADE"), primary_key=True, index=True),
    )


event_projects = _featured_table("project", "projects")
event_needs = _featured_table("need", "needs")


def _by_ids(model, ids) -> list:
    ids = list(dict.fromkeys(ids or []))
    if not ids:
        return []
    from sqlalchemy import select

    return list(db.session.scalars(select(model).where(model.id.in_(ids)).order_by(model.id)))


class Event(ContentItem, db.Model):
    """An event hosted by an organisation (``organisation_id``); ``owner`` created it."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_status_starts", "status", "starts_at"),
        Index("ix_events_type_status_starts", "type", "status", "starts_at"),
        Index("ix_events_org_status_starts", "organisation_id", "status", "starts_at"),
    )

    type: Mapped[str] = mapped_column(String(16))
    description_zh: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Urumqi")  # the event's own zone
    place_zh: Mapped[str | None] = mapped_column(String(200))
    place_en: Mapped[str | None] = mapped_column(String(200))
    online_url: Mapped[str | None] = mapped_column(String(300))
    capacity: Mapped[int] = mapped_column()
    registration_deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    meeting_minutes: Mapped[int] = mapped_column(default=20)
    tables: Mapped[int] = mapped_column(default=0)
    schedule_generated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    sectors = relationship("Sector", secondary=event_sectors, lazy="selectin", order_by="Sector.position")
    featured_projects = relationship("Project", secondary=event_projects, lazy="selectin", order_by="Project.id")
    featured_needs = relationship("Need", secondary=event_needs, lazy="selectin", order_by="Need.id")

    item_type = "event"  # its kind's name in the content registry

    @property
    def featured_project_ids(self) -> list[int]:
        return [p.id for p in self.featured_projects]

    @featured_project_ids.setter
    def featured_project_ids(self, ids) -> None:
        from ..projects.models import Project

        self.featured_projects = _by_ids(Project, ids)

    @property
    def featured_need_ids(self) -> list[int]:
        return [n.id for n in self.featured_needs]

    @featured_need_ids.setter
    def featured_need_ids(self, ids) -> None:
        from ..needs.models import Need

        self.featured_needs = _by_ids(Need, ids)

    @property
    def has_meetings(self) -> bool:
        """Matchmaking days schedule one-to-one meetings when they have tables."""
        return self.type == "matchmaking" and self.tables > 0


class Registration(db.Model):
    """A person's place at an event, or on its waiting list (in ``sequence`` order)."""

    __tablename__ = "event_registrations"
    __table_args__ = (
        UniqueConstraint("event_id", "user_id", name="uq_event_registrations_event_user"),
        Index("ix_event_registrations_event_status_sequence", "event_id", "status", "sequence"),
        Index("ix_event_registrations_user_status", "user_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    # Arrival order within the event (taken under the event's lock): the waiting list's order.
    sequence: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when the place was given
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attended: Mapped[bool | None] = mapped_column()
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship(lazy="joined")
    user = relationship("User", lazy="joined")


class Wish(db.Model):
    """A registrant's wish to meet a featured project or need at a matchmaking day."""

    __tablename__ = "event_wishes"
    __table_args__ = (
        UniqueConstraint("event_id", "user_id", "item_type", "item_id", name="uq_event_wishes"),
        Index("ix_event_wishes_event", "event_id", "item_type", "item_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    item_type: Mapped[str] = mapped_column(String(16))  # "project" | "need"
    item_id: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Meeting(db.Model):
    """A one-to-one meeting: a participant meets the owner of a featured project or need
    in a slot at a table (numbered from 1)."""

    __tablename__ = "event_meetings"
    __table_args__ = (
        Index("ix_event_meetings_event_slot", "event_id", "slot", "table_number"),
        Index("ix_event_meetings_participant", "participant_id", "event_id"),
        Index("ix_event_meetings_host", "host_id", "event_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    slot: Mapped[int] = mapped_column()
    table_number: Mapped[int] = mapped_column()
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    need_id: Mapped[int | None] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))  # who asked
    host_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))  # the item's owner
    mutual: Mapped[bool] = mapped_column(default=False)
    score: Mapped[float] = mapped_column(default=0.0)
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship()
    project = relationship("Project", lazy="joined")
    need = relationship("Need", lazy="joined")
    participant = relationship("User", foreign_keys=[participant_id], lazy="joined")
    host = relationship("User", foreign_keys=[host_id], lazy="joined")

    @property
    def item(self):
        return self.project if self.project_id is not None else self.need

    @property
    def participant_ids(self) -> list[int]:
        return [self.participant_id, self.host_id]
