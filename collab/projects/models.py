"""Projects (项目): posted by offshore centers (or enterprises) for incubation and landing."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, JSON, String, Text
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
