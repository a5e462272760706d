"""Projects (项目): posted by offshore centers (or enterprises) for incubation and landing."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Index, JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..content.models import ContentItem, sectors_table
from ..db import UTCDateTime, utcnow
from ..extensions import db

PROJECT_STAGES = ("idea", "prototype", "early_revenue", "growth")
PROJECT_DIRECTIONS = ("offshore_to_xinjiang", "xinjiang_to_offshore", "international")
PROJECT_STATUSES = ("draft", "pending_review", "published", "in_incubation", "landed", "graduated",
                    "rejected", "closed")
IP_STATUSES = ("none", "pending", "granted", "licensed")
PROJECT_SEEKS = ("landing_site", "partners", "capital", "talent", "market")

project_sectors = sectors_table("project", "projects")


class Project(ContentItem, db.Model):
    __tablename__ = "projects"
    __table_args__ = (
        Index("ix_projects_status_published_at", "status", "published_at"),
        Index("ix_projects_owner_status", "owner_id", "status"),
        Index("ix_projects_status_funding", "status", "funding_sought_cny"),
        # Each filter with status and the sort key; (status, city) covers the city choices.
        Index("ix_projects_stage_status", "stage", "status", "published_at"),
        Index("ix_projects_direction_status", "direction", "status", "published_at"),
        Index("ix_projects_status_city", "status", "city"),
    )

    summary_zh: Mapped[str | None] = mapped_column(Text)
    summary_en: Mapped[str | None] = mapped_column(Text)
    stage: Mapped[str] = mapped_column(String(16))
    direction: Mapped[str] = mapped_column(String(32))
    funding_sought_cny: Mapped[int | None] = mapped_column(BigInteger)
    team_size: Mapped[int | None]
    ip_status: Mapped[str] = mapped_column(String(16), default="none")
    seeks: Mapped[list] = mapped_column(JSON, default=list)
    city: Mapped[str | None] = mapped_column(String(100))
    sectors = relationship("Sector", secondary=project_sectors, lazy="selectin", order_by="Sector.position")
    attachments = relationship("ProjectAttachment", back_populates="project", cascade="all, delete-orphan",
                               order_by="ProjectAttachment.id")
    # Read on the project's page and the reports; listings never touch it.
    landing = relationship("Landing", back_populates="project", uselist=False, cascade="all, delete-orphan",
                           lazy="select")

    item_type = "project"  # its kind's name in the content registry


ATTACHMENT_KINDS = ("business_plan", "pitch_deck", "other")


class ProjectAttachment(db.Model):
    __tablename__ = "project_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="other")
    filename: Mapped[str] = mapped_column(String(200))  # as the uploader named it (shown, never used as a path)
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)  # random name under instance/uploads
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    project = relationship("Project", back_populates="attachments")


LANDING_STATUSES = ("pending", "confirmed", "questioned")


class Landing(db.Model):
    """落地: where, when and as what company a project landed in Xinjiang, and the
    receiving base's answer. Only confirmed landings count in reports and dashboards."""

    __tablename__ = "landings"
    __table_args__ = (
        CheckConstraint("investment_cny >= 0 AND jobs >= 0", name="figures_non_negative"),
        CheckConstraint("status IN ('pending', 'confirmed', 'questioned')", name="status_valid"),
        Index("ix_landings_base_status", "base_id", "status", "landed_on"),
        Index("ix_landings_via_status", "via_id", "status", "landed_on"),
        Index("ix_landings_status_landed_on", "status", "landed_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), unique=True)
    city: Mapped[str] = mapped_column(String(32))  # a key of needs.models.XINJIANG_LOCATIONS
    # The receiving Xinjiang base, and the organisation the project landed through (its
    # own when it landed: the offshore incubator); kept if either is later deleted.
    base_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    via_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    landed_on: Mapped[date] = mapped_column(Date)
    company_name: Mapped[str] = mapped_column(String(200))
    investment_cny: Mapped[int] = mapped_column(BigInteger, default=0)  # planned
    jobs: Mapped[int] = mapped_column(default=0)  # planned
    status: Mapped[str] = mapped_column(String(16), default="pending")
    review_note: Mapped[str | None] = mapped_column(Text)  # the base's note when it confirms or questions
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    project = relationship("Project", back_populates="landing")
    base = relationship("Organisation", foreign_keys=[base_id], lazy="joined")
    via = relationship("Organisation", foreign_keys=[via_id], lazy="joined")

    @property
    def is_confirmed(self) -> bool:
        return self.status == "confirmed"
