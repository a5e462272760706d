"""mentors and bookings: profiles, availability, bookings (no double booking), .ics in the outbox

Revision ID: 5b7e2c9d41a3
Revises: 22ae0d0a03df
Create Date: 2026-11-23 08:00:00

Hand-written for the mentors feature only. On PostgreSQL it also adds the btree_gist
extension and an exclusion constraint that rejects overlapping live bookings of one
mentor (the backstop behind the row lock in collab/mentors/bookings.py); SQLite has no
such constraint and relies on BEGIN IMMEDIATE plus the partial unique index.
"""
from alembic import op
import sqlalchemy as sa

import collab.db


# revision identifiers, used by Alembic.
revision = '5b7e2c9d41a3'
down_revision = '22ae0d0a03df'
branch_labels = None
depends_on = None

LIVE = "status IN ('requested', 'confirmed')"


def upgrade():
    op.create_table('mentor_profiles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('headline_zh', sa.String(length=200), nullable=True),
    sa.Column('headline_en', sa.String(length=200), nullable=True),
    sa.Column('bio_zh', sa.Text(), nullable=True),
    sa.Column('bio_en', sa.Text(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('city_zh', sa.String(length=100), nullable=True),
    sa.Column('city_en', sa.String(length=100), nullable=True),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('languages', sa.String(length=64), nullable=False),
    sa.Column('offers_online', sa.Boolean(), nullable=False),
    sa.Column('meeting_link', sa.String(length=300), nullable=True),
    sa.Column('offers_in_person', sa.Boolean(), nullable=False),
    sa.Column('base_id', sa.Integer(), nullable=True),
    sa.Column('session_minutes', sa.Integer(), nullable=False),
    sa.Column('buffer_minutes', sa.Integer(), nullable=False),
    sa.Column('min_notice_hours', sa.Integer(), nullable=False),
    sa.Column('horizon_days', sa.Integer(), nullable=False),
    sa.Column('monthly_cap', sa.Integer(), nullable=True),
    sa.Column('auto_confirm', sa.Boolean(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', collab.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', collab.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('buffer_minutes >= 0 AND min_notice_hours >= 0 AND horizon_days > 0', name=op.f('ck_mentor_profiles_rules_valid')),
    sa.CheckConstraint('session_minutes > 0', name=op.f('ck_mentor_profiles_session_positive')),
    sa.ForeignKeyConstraint(['base_id'], ['organisations.id'], name=op.f('fk_mentor_profiles_base_id_organisations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_mentor_profiles_organisation_id_organisations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_mentor_profiles_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentor_profiles')),
    sa.UniqueConstraint('user_id', name=op.f('uq_mentor_profiles_user_id'))
    )
    with op.batch_alter_table('mentor_profiles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mentor_profiles_base_id'), ['base_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mentor_profiles_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('bookings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=64), nullable=False),
    sa.Column('mentor_id', sa.Integer(), nullable=False),
    sa.Column('booker_id', sa.Integer(), nullable=False),
    sa.Column('start_at', collab.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('end_at', collab.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('topic', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('rescheduled_from_id', sa.Integer(), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.Column('confirmed_at', collab.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancelled_by_id', sa.Integer(), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=True),
    sa.Column('cancelled_at', collab.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', collab.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('rating', sa.SmallInteger(), nullable=True),
    sa.Column('feedback', sa.Text(), nullable=True),
    sa.Column('feedback_at', collab.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('mentor_notes', sa.Text(), nullable=True),
    sa.Column('follow_up', sa.Text(), nullable=True),
    sa.Column('reminded_24h_at', collab.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reminded_1h_at', collab.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', collab.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', collab.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('requested', 'confirmed', 'declined', 'cancelled', 'completed', 'no_show')", name=op.f('ck_bookings_status_valid')),
    sa.CheckConstraint('end_at > start_at', name=op.f('ck_bookings_end_after_start')),
    sa.CheckConstraint('rating IS NULL OR (rating >= 1 AND rating <= 5)', name=op.f('ck_bookings_rating_range')),
    sa.ForeignKeyConstraint(['booker_id'], ['users.id'], name=op.f('fk_bookings_booker_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['cancelled_by_id'], ['users.id'], name=op.f('fk_bookings_cancelled_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['mentor_id'], ['mentor_profiles.id'], name=op.f('fk_bookings_mentor_id_mentor_profiles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rescheduled_from_id'], ['bookings.id'], name=op.f('fk_bookings_rescheduled_from_id_bookings'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bookings')),
    sa.UniqueConstraint('uid', name=op.f('uq_bookings_uid'))
    )
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.create_index('ix_bookings_booker_start', ['booker_id', 'start_at'], unique=False)
        batch_op.create_index('ix_bookings_mentor_start', ['mentor_id', 'start_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_bookings_rescheduled_from_id'), ['rescheduled_from_id'], unique=False)
        batch_op.create_index('ix_bookings_status_start', ['status', 'start_at'], unique=False)
        batch_op.create_index('uq_bookings_live_slot', ['mentor_id', 'start_at'], unique=True, sqlite_where=sa.text(LIVE), postgresql_where=sa.text(LIVE))

    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            "ALTER TABLE bookings ADD CONSTRAINT ex_bookings_no_overlap EXCLUDE USING gist "
            f"(mentor_id WITH =, tstzrange(start_at, end_at) WITH &&) WHERE ({LIVE})"
        )

    op.create_table('mentor_exceptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mentor_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('start_minute', sa.Integer(), nullable=True),
    sa.Column('end_minute', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.CheckConstraint("(start_minute IS NULL AND end_minute IS NULL AND kind = 'blocked') OR (start_minute >= 0 AND end_minute <= 1440 AND start_minute < end_minute)", name=op.f('ck_mentor_exceptions_minutes_valid')),
    sa.CheckConstraint("kind IN ('extra', 'blocked')", name=op.f('ck_mentor_exceptions_kind_valid')),
    sa.ForeignKeyConstraint(['mentor_id'], ['mentor_profiles.id'], name=op.f('fk_mentor_exceptions_mentor_id_mentor_profiles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentor_exceptions'))
    )
    with op.batch_alter_table('mentor_exceptions', schema=None) as batch_op:
        batch_op.create_index('ix_mentor_exceptions_mentor_day', ['mentor_id', 'day'], unique=False)

    op.create_table('mentor_sectors',
    sa.Column('mentor_id', sa.Integer(), nullable=False),
    sa.Column('sector_code', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['mentor_id'], ['mentor_profiles.id'], name=op.f('fk_mentor_sectors_mentor_id_mentor_profiles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sector_code'], ['sectors.code'], name=op.f('fk_mentor_sectors_sector_code_sectors'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('mentor_id', 'sector_code', name=op.f('pk_mentor_sectors'))
    )
    with op.batch_alter_table('mentor_sectors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mentor_sectors_sector_code'), ['sector_code'], unique=False)

    op.create_table('mentor_windows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mentor_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.SmallInteger(), nullable=False),
    sa.Column('start_minute', sa.Integer(), nullable=False),
    sa.Column('end_minute', sa.Integer(), nullable=False),
    sa.CheckConstraint('start_minute >= 0 AND end_minute <= 1440 AND start_minute < end_minute', name=op.f('ck_mentor_windows_minutes_valid')),
    sa.CheckConstraint('weekday >= 0 AND weekday <= 6', name=op.f('ck_mentor_windows_weekday_valid')),
    sa.ForeignKeyConstraint(['mentor_id'], ['mentor_profiles.id'], name=op.f('fk_mentor_windows_mentor_id_mentor_profiles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentor_windows'))
    )
    with op.batch_alter_table('mentor_windows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mentor_windows_mentor_id'), ['mentor_id'], unique=False)

    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ics', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('ics')

    with op.batch_alter_table('mentor_windows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mentor_windows_mentor_id'))

    op.drop_table('mentor_windows')
    with op.batch_alter_table('mentor_sectors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mentor_sectors_sector_code'))

    op.drop_table('mentor_sectors')
    with op.batch_alter_table('mentor_exceptions', schema=None) as batch_op:
        batch_op.drop_index('ix_mentor_exceptions_mentor_day')

    op.drop_table('mentor_exceptions')
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE bookings DROP CONSTRAINT IF EXISTS ex_bookings_no_overlap")
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_index('uq_bookings_live_slot', sqlite_where=sa.text(LIVE), postgresql_where=sa.text(LIVE))
        batch_op.drop_index('ix_bookings_status_start')
        batch_op.drop_index(batch_op.f('ix_bookings_rescheduled_from_id'))
        batch_op.drop_index('ix_bookings_mentor_start')
        batch_op.drop_index('ix_bookings_booker_start')

    op.drop_table('bookings')
    with op.batch_alter_table('mentor_profiles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mentor_profiles_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_mentor_profiles_base_id'))

    op.drop_table('mentor_profiles')
