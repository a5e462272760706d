"""Schema objects that live only in migrations, not in the ORM metadata.

The search index is dialect-specific (an FTS5 table on SQLite, a text[] column with a
GIN index on PostgreSQL), so Alembic's autogenerate must not propose dropping it."""

MIGRATION_ONLY_PREFIXES = ("search_",)


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic filter: leave the search index tables to their hand-written migration."""
    if type_ == "table" and name and name.startswith(MIGRATION_ONLY_PREFIXES):
        return False
    table = getattr(obj, "table", None)
    if table is not None and table.name.startswith(MIGRATION_ONLY_PREFIXES):
        return False
    return True
