"""An organisation's indicator report for a quarter or a year, in versions."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, JSON, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, utcnow
from ..extensions import db

REPORT_STATUSES = ("draft", "submitted", "returned", "accepted")
OPEN_STATUSES = ("draft", "submitted", "returned")
OPEN_SQL = "status IN ('draft', 'submitted', 'returned')"


class Report(db.Model):
    """指标填报: one version of an organisation's figures for a period ("2026" or "2026-Q3").

    ``values`` holds each indicator's figure in the indicator's own unit (元, 亿元, m², …:
    conversion happens on input, never on reading); ``prefilled`` what the platform knew
    when the report was last refreshed, as ``{code: {"value", "source"}}``. An accepted
    version is locked; a correction is a new version (``previous_id``) and the accepted
    one stays readable until the new one is accepted (then ``superseded_at`` is set).
    """

    __tablename__ = "indicator_reports"
    __table_args__ = (
        UniqueConstraint("organisation_id", "period", "version", name="uq_indicator_reports_version"),
        # One version in the works per organisation and period, on both databases.
        Index("uq_indicator_reports_open", "organisation_id", "period", unique=True,
              sqlite_where=text(OPEN_SQL), postgresql_where=text(OPEN_SQL)),
        Index("ix_indicator_reports_status_submitted", "status", "submitted_at"),
        Index("ix_indicator_reports_year_status", "year", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(7))  # "2026" | "2026-Q3"
    year: Mapped[int]
    quarter: Mapped[int | None]  # None for a year's report
    version: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    values: Mapped[dict] = mapped_column(JSON, default=dict)
    prefilled: Mapped[dict] = mapped_column(JSON, default=dict)
    review_comment: Mapped[str | None] = mapped_column(Text)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("indicator_reports.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organisation = relationship("Organisation", lazy="joined")

    item_type = "report"  # its history lives in status_changes under this name

    @property
    def is_locked(self) -> bool:
        return self.status in ("submitted", "accepted")

    @property
    def is_current(self) -> bool:
        """The accepted version that counts (not replaced by a later accepted one)."""
        return self.status == "accepted" and self.superseded_at is None
