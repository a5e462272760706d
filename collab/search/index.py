"""The search index: one document per content item, kept in step with the items by the
content core's change signal, queried through an index on both databases (never a
Python scan)."""
from __future__ import annotations

import re

from markupsafe import Markup, escape
from sqlalchemy import bindparam, literal_column, select, text
from sqlalchemy.sql import Select

from ..extensions import db
from .tokens import document_tokens, highlight_terms, query_tokens

def _dialect() -> str:
    return db.session.get_bind().dialect.name


def item_text(item, fields) -> str:
    parts = [getattr(item, field) or "" for field in fields]
    # Sector names in both languages make 光伏 find an item filed under new energy only in English.
    for sector in item.sectors:
        parts += [sector.zh, sector.en]
    return "\n".join(parts)


def fts_rowid(item_type: str, item_id: int) -> int:
    """SQLite: a document's rowid encodes its item (id * 2, plus 1 for a need), so a search
    reads ids straight from the full-text index, not from a stored column per match
    (4.7 ms against 0.7 ms for 650 matches, bench/listing.py), and removal is a key lookup."""
    return item_id * 2 + (1 if item_type == "need" else 0)


def on_item_changed(kind, *, item, event: str, **_details) -> None:
    """Subscriber of ``content.signals.item_changed``: index what was written, drop what was deleted
    (kinds without searchable fields search their own small table instead)."""
    if not kind.searchable_fields:
        return
    if event in ("created", "edited"):
        index_item(item, kind.searchable_fields)
    elif event == "deleted":
        remove_item(kind.name, item.id)


def index_item(item, fields) -> None:
    """(Re)index one item's ``fields`` (and sectors) in the current transaction."""
    tokens = document_tokens(item_text(item, fields))
    remove_item(item.item_type, item.id)
    if _dialect() == "sqlite":
        db.session.execute(
            text("INSERT INTO search_fts (rowid, tokens, item_type, item_id) VALUES (:rowid, :tokens, :type, :id)"),
            {"rowid": fts_rowid(item.item_type, item.id), "tokens": " ".join(tokens), "type": item.item_type,
             "id": item.id},
        )
    else:
        db.session.execute(
            text("INSERT INTO search_documents (item_type, item_id, tokens) VALUES (:type, :id, :tokens)"),
            {"tokens": tokens, "type": item.item_type, "id": item.id},
        )


def remove_item(item_type: str, item_id: int) -> None:
    if _dialect() == "sqlite":
        db.session.execute(text("DELETE FROM search_fts WHERE rowid = :rowid"), {"rowid": fts_rowid(item_type, item_id)})
        return
    db.session.execute(text("DELETE FROM search_documents WHERE item_type = :type AND item_id = :id"),
                       {"type": item_type, "id": item_id})


def matching_ids(item_type: str, query: str):
    """A subquery of item ids whose documents contain every token of ``query``, or None
    when the query has no searchable token."""
    tokens = query_tokens(query)
    if not tokens:
        return None
    # Unique parameters: the API's search puts a project and a need subquery in one
    # statement, where shared names would bind both to the last value given.
    if _dialect() == "sqlite":
        match = " AND ".join('"' + token.replace('"', "") + '"' for token in tokens)
        return (select(literal_column("rowid / 2").label("item_id")).select_from(text("search_fts"))
                .where(text("search_fts MATCH :match AND rowid % 2 = :kind").bindparams(
                    bindparam("match", match, unique=True),
                    bindparam("kind", fts_rowid(item_type, 0), unique=True))))
    return (select(text("item_id")).select_from(text("search_documents"))
            .where(text("item_type = :type AND tokens @> CAST(:tokens AS text[])").bindparams(
                bindparam("tokens", tokens, unique=True), bindparam("type", item_type, unique=True))))


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
