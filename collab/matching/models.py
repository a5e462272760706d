"""Precomputed matches, introductions (对接) and each user's match preferences."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Float, ForeignKey, Index, JSON, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, utcnow
from ..extensions import db


class Match(db.Model):
    """A project and a need the engine paired, with its score and reasons. Pages read
    these rows; they never score the whole database per request."""

    __tablename__ = "matches"
    __table_args__ = (
        UniqueConstraint("need_id", "project_id", name="uq_matches_pair"),
        Index("ix_matches_need_score", "need_id", "score"),
        Index("ix_matches_project_score", "project_id", "score"),
        Index("ix_matches_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[dict] = mapped_column(JSON, default=dict)
    # When the pair first matched (kept across refreshes: "new since your last visit").
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    need = relationship("Need", lazy="joined")
    project = relationship("Project", lazy="joined")


INTRODUCTION_STATUSES = ("proposed", "accepted", "declined", "meeting_held", "agreement_signed")
DECLINE_REASONS = ("not_relevant", "too_early", "budget", "already_solved", "other")
# 技术合同 kinds as the technology market registers them, then investment and other deals.
CONTRACT_TYPES = ("technology_transfer", "technology_development", "technology_service", "technology_consulting",
                  "investment", "other")


class Introduction(db.Model):
    """对接: one side's expressed interest in a matched pair, and what came of it."""

    __tablename__ = "introductions"
    __table_args__ = (
        UniqueConstraint("need_id", "project_id", name="uq_introductions_pair"),
        Index("ix_introductions_status_created", "status", "created_at"),
        Index("ix_introductions_signed_on", "signed_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    initiator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    initiator_side: Mapped[str] = mapped_column(String(8))  # "need" | "project"
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="proposed")
    decline_reason: Mapped[str | None] = mapped_column(String(20))
    decline_note: Mapped[str | None] = mapped_column(Text)
    score: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    meeting_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The contract a signing records (签约); the other party confirms it, and only
    # confirmed contracts count in reports.
    contract_type: Mapped[str | None] = mapped_column(String(32))
    contract_value_cny: Mapped[int | None] = mapped_column(BigInteger)
    signed_on: Mapped[date | None] = mapped_column(Date)
    contract_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    contract_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    contract_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    need = relationship("Need", lazy="joined")
    project = relationship("Project", lazy="joined")
    initiator = relationship("User", lazy="joined", foreign_keys=[initiator_id])

    item_type = "introduction"


class MatchPreference(db.Model):
    """Per user: the weekly digest switch and the marks for "new since"."""

    __tablename__ = "match_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    digest_enabled: Mapped[bool] = mapped_column(default=True)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DigestSend(db.Model):
    """One row per user and digest period: the claim that makes the digest idempotent."""

    __tablename__ = "digest_sends"
    __table_args__ = (UniqueConstraint("user_id", "period", name="uq_digest_sends_user_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(16))
    match_count: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
