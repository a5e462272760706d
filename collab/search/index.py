"""The search index: one document per project and need, kept in step by the services
that change them, queried through an index on both databases (never a Python scan)."""
from __future__ import annotations

import re

from markupsafe import Markup, escape
from sqlalchemy import select, text
from sqlalchemy.sql import Select

from ..extensions import db
from .tokens import document_tokens, highlight_terms, query_tokens

SEARCHABLE_FIELDS = {
    "project": ("title_zh", "title_en", "summary_zh", "summary_en", "city"),
    "need": ("title_zh", "title_en", "description_zh", "description_en"),
}


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def item_text(item) -> str:
    parts = [getattr(item, field) or "" for field in SEARCHABLE_FIELDS[item.item_type]]
    # Sector names in both languages make 光伏 find an item filed under new energy only in English.
    for sector in item.sectors:
        parts += [sector.zh, sector.en]
    return "\n".join(parts)


def index_item(item) -> None:
    """(Re)index one project or need in the current transaction."""
    tokens = document_tokens(item_text(item))
    remove_item(item.item_type, item.id)
    if _dialect() == "sqlite":
        db.session.execute(
            text("INSERT INTO search_fts (tokens, item_type, item_id) VALUES (:tokens, :type, :id)"),
            {"tokens": " ".join(tokens), "type": item.item_type, "id": item.id},
        )
    else:
        db.session.execute(
            text("INSERT INTO search_documents (item_type, item_id, tokens) VALUES (:type, :id, :tokens)"),
            {"tokens": tokens, "type": item.item_type, "id": item.id},
        )


def remove_item(item_type: str, item_id: int) -> None:
    table = "search_fts" if _dialect() == "sqlite" else "search_documents"
    db.session.execute(text(f"DELETE FROM {table} WHERE item_type = :type AND item_id = :id"),
                       {"type": item_type, "id": item_id})


def matching_ids(item_type: str, query: str):
    """A subquery of item ids whose documents contain every token of ``query``, or None
    when the query has no searchable token."""
    tokens = query_tokens(query)
    if not tokens:
        return None
    if _dialect() == "sqlite":
        match = " AND ".join('"' + token.replace('"', "") + '"' for token in tokens)
        return (select(text("item_id")).select_from(text("search_fts"))
                .where(text("search_fts MATCH :match AND item_type = :type"))
                .params(match=match, type=item_type))
    return (select(text("item_id")).select_from(text("search_documents"))
            .where(text("item_type = :type AND tokens @> CAST(:tokens AS text[])"))
            .params(tokens=tokens, type=item_type))


def filter_by_query(statement: Select, model, query: str) -> Select:
    """Restrict a listing to items matching ``query`` (through the index)."""
    ids = matching_ids(model.item_type, query)
    if ids is None:
        return statement
    return statement.where(model.id.in_(ids))


def snippet(value: str | None, query: str, width: int = 160) -> Markup:
    """An escaped excerpt of ``value`` around the first query term, terms wrapped in <mark>."""
    if not value:
        return Markup("")
    terms = [t for t in highlight_terms(query) if t]
    lowered = value.lower()
    first = min((i for i in (lowered.find(t) for t in terms) if i >= 0), default=0)
    start = max(first - width // 3, 0)
    excerpt = value[start:start + width]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + width < len(value) else ""
    if not terms:
        return Markup(escape(prefix + excerpt + suffix))
    pattern = re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE)
    out, last = [], 0
    for match in pattern.finditer(excerpt):
        out.append(escape(excerpt[last:match.start()]))
        out.append(Markup("<mark>{}</mark>").format(match.group(0)))
        last = match.end()
    out.append(escape(excerpt[last:]))
    return Markup(escape(prefix)) + Markup("").join(out) + Markup(escape(suffix))
