"""listing indexes: filter columns together with status and publication time; search rowids

bench/listing.py (10,000 projects and needs on SQLite) found filtered listings and the
city filter's choices scanning rows for columns their indexes lacked. Each filter
column's index now carries status (and the sort key), the cities come from a covering
(status, city) index, and the needs index carries visibility, which every visitor's
listing tests. On SQLite the search documents are re-keyed: rowid = item id * 2 (+1 for
a need), so searches read ids from the full-text index itself (collab/search/index.py).

Revision ID: 7c41e9a2d5b8
Revises: 3889556f14cf
Create Date: 2026-11-23 07:10:00

"""
from alembic import op

import collab.db  # noqa: F401  (the project's migrations import it for UTCDateTime)


revision = '7c41e9a2d5b8'
down_revision = '3889556f14cf'
branch_labels = None
depends_on = None

# (table, old single-column or narrower indexes, new composite indexes)
CHANGES = (
    ("projects",
     {"ix_projects_stage": ["stage"], "ix_projects_direction": ["direction"], "ix_projects_city": ["city"]},
     {"ix_projects_stage_status": ["stage", "status", "published_at"],
      "ix_projects_direction_status": ["direction", "status", "published_at"],
      "ix_projects_status_city": ["status", "city"]}),
    ("needs",
     {"ix_needs_kind": ["kind"], "ix_needs_location": ["location"],
      "ix_needs_status_published_at": ["status", "published_at"]},
     {"ix_needs_kind_status": ["kind", "status", "published_at"],
      "ix_needs_location_status": ["location", "status", "published_at"],
      "ix_needs_status_published_visibility": ["status", "published_at", "visibility"]}),
)


def upgrade():
    for table, old, new in CHANGES:
        for name in old:
            op.drop_index(name, table_name=table)
        for name, columns in new.items():
            op.create_index(name, table, columns, unique=False)
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE search_fts_keyed USING fts5("
                   "tokens, item_type UNINDEXED, item_id UNINDEXED, tokenize = 'unicode61 remove_diacritics 0')")
        op.execute("INSERT INTO search_fts_keyed (rowid, tokens, item_type, item_id) "
                   "SELECT item_id * 2 + (item_type = 'need'), tokens, item_type, item_id FROM search_fts")
        op.execute("DROP TABLE search_fts")
        op.execute("ALTER TABLE search_fts_keyed RENAME TO search_fts")


def downgrade():
    # The keyed search rowids stay: the earlier code never reads rowids.
    for table, old, new in CHANGES:
        for name in new:
            op.drop_index(name, table_name=table)
        for name, columns in old.items():
            op.create_index(name, table, columns, unique=False)
