"""Organisations of the network, the sector taxonomy and indicator definitions."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, JSON, String, Text, Float, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, utcnow
from ..extensions import db

ORG_KINDS = ("xinjiang_base", "offshore_incubator", "international_partner",
             "enterprise", "university", "investor")
ORG_STATUSES = ("proposed", "approved", "rejected")


class Organisation(db.Model):
    __tablename__ = "organisations"
    __table_args__ = (
        Index("ix_organisations_status_kind", "status", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="approved")
    name_zh: Mapped[str | None] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    city_zh: Mapped[str | None] = mapped_column(String(100))
    city_en: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str] = mapped_column(String(2), default="CN", index=True)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    description_zh: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    website: Mapped[str | None] = mapped_column(String(300))
    facts: Mapped[dict] = mapped_column(JSON, default=dict)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"), index=True)
    # Lower-cased names and cities for the directory search (a small table, LIKE is fine).
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    parent: Mapped[Organisation | None] = relationship(remote_side=[id])
    # Approved and pending members, by name (read-only: memberships change on the user).
    # Named by string so this package needs nothing from collab.auth, which builds on it.
    members = relationship(
        "User", viewonly=True, lazy="select", order_by="User.display_name",
        primaryjoin="and_(Organisation.id == foreign(User.organisation_id), "
                    "User.membership_status.in_(['approved', 'pending']))")

    def refresh_search_text(self) -> None:
        parts = [self.key, self.name_zh, self.name_en, self.city_zh, self.city_en, self.country]
        self.search_text = " ".join(p for p in parts if p).lower()

    @property
    def is_approved(self) -> bool:
        return self.status == "approved"


class Sector(db.Model):
    __tablename__ = "sectors"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    zh: Mapped[str] = mapped_column(String(100))
    en: Mapped[str] = mapped_column(String(100))
    keywords_zh: Mapped[list] = mapped_column(JSON, default=list)
    keywords_en: Mapped[list] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(default=0)


class Indicator(db.Model):
    __tablename__ = "indicators"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    level: Mapped[str] = mapped_column(String(16))
    unit: Mapped[str] = mapped_column(String(32))
    zh: Mapped[str] = mapped_column(String(200))
    en: Mapped[str] = mapped_column(String(200))
    baseline_2020: Mapped[float | None] = mapped_column(Float)
    target_2023: Mapped[float | None] = mapped_column(Float)
    position: Mapped[int] = mapped_column(default=0)


class IndicatorTarget(db.Model):
    """A target an organisation's own plan publishes for an indicator over a span of
    years (喀什 2021–2023, 达坂城 2023–2025, the Ürümqi base's 2021–2023 table): the value
    to reach by the end of the span, or reached in total over it when ``cumulative`` (累计)."""

    __tablename__ = "indicator_targets"
    __table_args__ = (
        UniqueConstraint("organisation_id", "code", "start_year", "end_year", name="uq_indicator_targets_span"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(ForeignKey("indicators.code", ondelete="CASCADE"))
    start_year: Mapped[int]
    end_year: Mapped[int]
    baseline: Mapped[float | None] = mapped_column(Float)
    target: Mapped[float] = mapped_column(Float)
    cumulative: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str | None] = mapped_column(Text)
