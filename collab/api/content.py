"""API for every content kind (projects, needs, …), reviews and search: one set of
handlers built from the kinds' registry, with the same services and permissions as the
pages and the same forms for validation."""
from __future__ import annotations

from datetime import date, datetime, timezone

from flask import jsonify, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, literal, select, union_all
from werkzeug.datastructures import MultiDict

from ..content import services as content
from ..content.kinds import KINDS, ItemKind, all_kinds, kind_of
from ..content.reviews import decide
from ..content.views import ReviewForm, TransitionForm
from ..db import MAX_ID, paginate_entities
from ..extensions import db
from ..forms import _CONTROL, select_choices
from ..orgs.models import Sector
from ..search.index import snippet
from ..search.tokens import query_tokens
from . import bp
from .auth import token_required
from .errors import ApiError
from .routes import json_body, listing, page_args
from .serializers import iso

MAX_QUERY = 100

# The JSON types of form fields beyond str and int: a list of codes, a list of ids, and
# an instant (ISO 8601 with its offset).
IDS, INSTANT = "ids", "instant"

TYPE_MESSAGES = {
    str: _l("Text is expected here."),
    int: _l("A whole number is expected here."),
    list: _l("A list of codes is expected here."),
    IDS: _l("A list of whole numbers is expected here."),
    INSTANT: _l("Give an ISO 8601 time with its offset, such as 2026-12-01T10:00:00+06:00."),
}


def _org_json(org):
    return {"id": org.id, "key": org.key, "name_zh": org.name_zh, "name_en": org.name_en} if org else None


def item_json(item, viewer) -> dict:
    """An item in the API's shape: the kind's own fields, then what every item has; an
    item that hides its organisation hides its owner too."""
    kind = kind_of(item)
    shown = kind.shows_organisation(item, viewer)
    return {
        "id": item.id, "status": item.status, **kind.to_json(item), "sectors": item.sector_codes,
        "organisation": _org_json(item.organisation) if shown else None, "organisation_hidden": not shown,
        "owner_id": item.owner_id if shown else None,
        "created_at": iso(item.created_at), "updated_at": iso(item.updated_at), "published_at": iso(item.published_at),
    }


# --- input ----------------------------------------------------------------------------

def _json_type(form_class, name: str):
    """The JSON type a form field takes, read from the field itself: whole numbers for
    integer fields and single choices coerced to int (a host organisation's id), lists of
    ids for multiple choices coerced to int (featured projects), lists of codes for other
    multiple choices, ISO 8601 instants for date-and-time fields, text otherwise."""
    from wtforms import DateTimeField, IntegerField, SelectMultipleField, widgets
    from wtforms.meta import DefaultMeta

    field = getattr(form_class, name).bind(form=None, name=name, _meta=DefaultMeta())  # a throw-away instance
    by_int = getattr(field, "coerce", None) is int
    if isinstance(field, SelectMultipleField):
        return IDS if by_int else list
    if isinstance(field, IntegerField) or by_int:
        return int
    if isinstance(field.widget, widgets.DateTimeLocalInput) and not isinstance(field, DateTimeField):
        return INSTANT  # a wall-clock input on the page that also takes an offset (events' MomentField)
    return str


def _field_types(form_class) -> dict:
    """The JSON type of each writable field of a form (``_json_type``)."""
    return {name: _json_type(form_class, name) for name in (*form_class.FIELDS, "sectors")}


def parse_instant(value) -> datetime | None:
    """An ISO 8601 time with its offset (``Z`` for UTC) as an aware datetime, else None."""
    if not isinstance(value, str) or not value.strip() or len(value) > 40:
        return None
    text = value.strip()
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
        if parsed.tzinfo is None:
            return None
        parsed.astimezone(timezone.utc)  # an instant near year 1 or 9999 may not exist in UTC
    except (ValueError, OverflowError):
        return None
    return parsed




def _whole_number(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _an_id(value) -> bool:
    return _whole_number(value) and -MAX_ID <= value <= MAX_ID


def _of_type(value, expected) -> bool:
    if expected is list:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if expected == IDS:
        return isinstance(value, list) and all(_an_id(v) for v in value)
    if expected is int:
        return _whole_number(value)
    if expected == INSTANT:
        return parse_instant(value) is not None
    return isinstance(value, expected)


def _checked_body(types: dict, defaults: dict | None = None) -> dict:
    """The JSON object's known fields, each of its declared type (or null); a 400 names
    every field of the wrong type. Unknown fields are ignored; ``defaults`` fill the
    fields the object leaves out."""
    data = json_body()
    body, fields = dict(defaults or {}), {}
    for name, expected in types.items():
        if name not in data:
            continue
        value = data[name]
        if value is not None and not _of_type(value, expected):
            fields[name] = [TYPE_MESSAGES[expected]]
            continue
        body[name] = value
    if fields:
        raise ApiError(400, "validation_error", fields=fields)
    return body


def _multidict(data: dict) -> MultiDict:
    """Form data from checked JSON values (null means empty)."""
    pairs = []
    for key, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            if item is not None:
                pairs.append((key, str(item)))
    return MultiDict(pairs)


def _validated(form_class, data: dict, **kwargs):
    """Validate with the web page's form: the same rules, the same translated messages."""
    form = form_class(formdata=_multidict(data), meta={"csrf": False}, **kwargs)
    if hasattr(form, "sectors"):
        form.sectors.choices = select_choices(content.sector_choices())
    if not form.validate():
        fields = {name: errors for name, errors in form.errors.items() if name not in ("save", "submit_for_review")}
        raise ApiError(400, "validation_error", fields=fields)
    return form


def _current(item, form_class) -> dict:
    """An item's editable values in form terms, so a PATCH validates the whole result."""
    values = {name: getattr(item, name) for name in form_class.FIELDS}
    values["sectors"] = item.sector_codes
    for name, value in values.items():
        if isinstance(value, date):  # dates, and instants (with their offset)
            values[name] = value.isoformat()
    return values


def _text_arg(name: str, max_length: int = MAX_QUERY) -> str | None:
    """A free-text query parameter (stripped), refused when it carries control characters."""
    value = (request.args.get(name) or "").strip()
    if _CONTROL.search(value):
        raise ApiError(400, "validation_error", fields={name: [_l("This text contains characters that are not allowed.")]})
    return value[:max_length] or None


def _choice_arg(name: str, allowed) -> str | None:
    """A coded query parameter; an unknown code is a 400 that lists the known ones."""
    value = _text_arg(name, 64)
    if value is not None and value not in allowed:
        raise ApiError(400, "validation_error", fields={
            name: [_l("Choose one of: %(choices)s.", choices=", ".join(allowed))]})
    return value


def _sector_arg() -> str | None:
    value = _text_arg("sector", 64)
    if value is not None and not db.session.scalar(select(Sector.code).where(Sector.code == value)):
        raise ApiError(400, "validation_error", fields={"sector": [_l("Unknown sector: %(codes)s", codes=value)]})
    return value


def _owned(item):
    if item is None:
        raise ApiError(404)
    if not content.is_owner(item, current_user):
        raise ApiError(403)
    return item


def _transition_args(kind: ItemKind) -> tuple[str, str | None]:
    data = json_body()
    target, note = data.get("to"), data.get("note")
    fields = {}
    allowed = (*kind.lifecycle_targets, "withdraw")
    if target not in allowed:
        fields["to"] = [_l("Choose one of: %(choices)s.", choices=", ".join(allowed))]
    if note is not None and not isinstance(note, str):
        fields["note"] = [TYPE_MESSAGES[str]]
    if fields:
        raise ApiError(400, "validation_error", fields=fields)
    form = _validated(TransitionForm, {"to": target, "note": note})
    return target, form.note.data or None


def _change_json(change, show_actor: bool = True) -> dict:
    return {"from": change.from_status, "to": change.to_status, "at": iso(change.created_at),
            "actor_id": change.actor_id if show_actor else None, "note": change.note, "reason": change.reason_code}


# --- every kind -----------------------------------------------------------------------

def _filters(kind: ItemKind) -> dict:
    """The listing's query parameters; an unknown code is a 400 naming the known ones."""
    filters = {"sector": _sector_arg(), "organisation": _text_arg("organisation", 64),
               "status": _choice_arg("status", [s for s in kind.statuses if s in kind.public]),
               "q": _text_arg("q"), "sort": _choice_arg("sort", tuple(kind.sorts)) or "newest"}
    for item_filter in kind.filters:
        filters[item_filter.name] = (_choice_arg(item_filter.name, item_filter.choices) if item_filter.choices
                                     else _text_arg(item_filter.name, item_filter.max_length))
    return filters


def get_visible(kind: ItemKind, item_id: int):
    """The item if the caller may read it, else None (an id no database holds too)."""
    return content.get_visible(kind, item_id, current_user) if 0 < item_id <= MAX_ID else None


def _visible(kind: ItemKind, item_id: int):
    item = get_visible(kind, item_id)
    if item is None:
        raise ApiError(404)
    return item


def _validated_item(kind: ItemKind, data: dict):
    return _validated(kind.form, data, **kind.form_options())


def _detail_json(item) -> dict:
    data = item_json(item, current_user)
    # Who moved an item that hides its organisation would name its author: hidden too.
    data["history"] = [_change_json(c, show_actor=not data["organisation_hidden"]) for c in content.history(item)]
    return data


class KindApi:
    """What one kind's API does beyond the shared operations. A feature's API module puts
    a subclass in ``KIND_APIS`` under the kind's name (collab/api/events.py does) before
    ``register_content_api`` runs; kinds without one get these defaults."""

    def filters(self, kind: ItemKind) -> tuple[dict, list]:
        """The listing's filters (``content.listing_query`` keywords) from the query string,
        and any further SQL conditions."""
        return _filters(kind), []

    def create_defaults(self, user) -> dict:
        """Values of fields a create request may leave out."""
        return {}

    def detail_json(self, item, viewer) -> dict:
        """What the detail adds for this caller."""
        return {}

    def transition(self, item, target: str, note: str | None, body: dict, viewer) -> None:
        """Make the lifecycle step ``target``; ``body`` is the whole request (projects read
        the landing record of ``"to": "landed"`` from it)."""
        content.transition_item(item, target, viewer, note)


KIND_APIS: dict[str, KindApi] = {}


def content_api(kind: ItemKind) -> None:
    """Register the seven operations on ``kind`` under /api/v1/<plural>."""
    collection, member = f"/{kind.plural}", f"/{kind.plural}/<int:item_id>"
    types = _field_types(kind.form)
    hooks = KIND_APIS.get(kind.name) or KindApi()

    def list_items():
        """Items visible to the caller, filtered, searched and sorted."""
        page, per_page = page_args()
        filters, conditions = hooks.filters(kind)
        statement = content.listing_query(kind, current_user, **filters)
        if conditions:
            statement = statement.where(*conditions)
        items, total = paginate_entities(statement, kind.model, page, per_page)
        return listing([item_json(item, current_user) for item in items], page, per_page, total)

    @token_required
    def create_item():
        """Create a draft (the roles the kind names)."""
        if not kind.may_create(current_user):
            raise ApiError(403)
        form = _validated_item(kind, _checked_body(types, hooks.create_defaults(current_user)))
        item = content.create_item(kind, current_user, form.data_for_model())
        return jsonify(item_json(item, current_user)), 201

    def get_item(item_id: int):
        """One item, if visible to the caller, with its history."""
        item = _visible(kind, item_id)
        return jsonify({**_detail_json(item), **kind.detail_json(item), **hooks.detail_json(item, current_user)})

    @token_required
    def patch_item(item_id: int):
        """Edit (owner); a live item goes back to review."""
        item = _owned(get_visible(kind, item_id))
        form = _validated_item(kind, {**_current(item, kind.form), **_checked_body(types)})
        content.update_item(item, form.data_for_model(), current_user)
        return jsonify(item_json(item, current_user))

    @token_required
    def delete_item(item_id: int):
        """Delete a draft (owner)."""
        item = _owned(get_visible(kind, item_id))
        content.delete_draft(item, current_user)
        return "", 204

    @token_required
    def submit_item(item_id: int):
        """Draft → pending review (owner)."""
        item = _owned(get_visible(kind, item_id))
        content.submit_item(item, current_user)
        return jsonify(item_json(item, current_user))

    @token_required
    def transition_item(item_id: int):
        """A lifecycle step {"to", "note"} by the owner or an admin."""
        item = _visible(kind, item_id)
        if not content.party_of(item, current_user):
            raise ApiError(403)
        target, note = _transition_args(kind)
        hooks.transition(item, target, note, json_body(), current_user)
        return jsonify(item_json(item, current_user))

    name, plural = kind.name, kind.plural
    bp.add_url_rule(collection, f"list_{plural}", list_items, methods=["GET"])
    bp.add_url_rule(collection, f"create_{name}", create_item, methods=["POST"])
    bp.add_url_rule(member, f"get_{name}", get_item, methods=["GET"])
    bp.add_url_rule(member, f"patch_{name}", patch_item, methods=["PATCH"])
    bp.add_url_rule(member, f"delete_{name}", delete_item, methods=["DELETE"])
    bp.add_url_rule(f"{member}/submit", f"submit_{name}", submit_item, methods=["POST"])
    bp.add_url_rule(f"{member}/transition", f"transition_{name}", transition_item, methods=["POST"])


# --- reviews -----------------------------------------------------------------------------

def _review_json(item) -> dict:
    body = item_json(item, current_user)
    return {"type": item.item_type, **body, "submitted_at": iso(item.submitted_at),
            "edit_of_live_item": item.review_return_status is not None}


@bp.get("/reviews")
@token_required
def list_reviews():
    """The moderation queue (admins): pending projects, then needs, oldest submission first."""
    if not current_user.is_admin:
        raise ApiError(403)
    page, per_page = page_args()
    reviewed = tuple(k.name for k in all_kinds() if k.reviewed)
    kind = _choice_arg("kind", reviewed)
    models = [KINDS[kind].model] if kind else [KINDS[k].model for k in reviewed]
    pending = {model: model.status == "pending_review" for model in models}
    counts = {model: db.session.scalar(select(func.count()).select_from(model).where(where))
              for model, where in pending.items()}
    # One page across the kinds: skip whole kinds before the offset, then fill the page.
    offset, items = (page - 1) * per_page, []
    for model, where in pending.items():
        if offset >= counts[model]:
            offset -= counts[model]
            continue
        items += db.session.scalars(select(model).where(where).order_by(model.submitted_at, model.id)
                                    .offset(offset).limit(per_page - len(items)))
        offset = 0
        if len(items) >= per_page:
            break
    return listing([_review_json(item) for item in items], page, per_page, sum(counts.values()))


@bp.post("/reviews/<kind>/<int:item_id>")
@token_required
def review(kind: str, item_id: int):
    """Approve or reject a pending item {"decision", "reason", "note"} (admins)."""
    if not current_user.is_admin:
        raise ApiError(403)
    item_kind = KINDS.get(kind)
    if item_kind is not None and not item_kind.reviewed:
        item_kind = None
    item = db.session.get(item_kind.model, item_id) if item_kind else None
    if item is None or item.status == "draft":
        raise ApiError(404)
    data = json_body()
    fields = {}
    if data.get("decision") not in ("approve", "reject"):
        fields["decision"] = [_l("Choose one of: %(choices)s.", choices="approve, reject")]
    for name in ("reason", "note"):
        if data.get(name) is not None and not isinstance(data[name], str):
            fields[name] = [TYPE_MESSAGES[str]]
    if fields:
        raise ApiError(400, "validation_error", fields=fields)
    form = _validated(ReviewForm, {name: data.get(name) for name in ("decision", "reason", "note")})
    if item.status != "pending_review":
        raise ApiError(409)
    decide(item, form.decision.data, current_user, reason_code=form.reason.data or None, note=form.note.data or None)
    return jsonify(_review_json(item))


# --- search ----------------------------------------------------------------------------------

def _best_snippet(item, q: str) -> str:
    """An excerpt of the item's body in the language that contains the query, terms marked."""
    body = kind_of(item).body_field
    texts = [t for t in (getattr(item, f"{body}_zh"), getattr(item, f"{body}_en")) if t]
    for text in texts:
        marked = snippet(text, q)
        if "<mark>" in marked:
            return str(marked)
    return str(snippet(texts[0], q)) if texts else ""


@bp.get("/search")
def search():
    """Items of every kind visible to the caller matching q, in both languages, newest first."""
    page, per_page = page_args()
    q = _text_arg("q")
    if not q:
        raise ApiError(400, "validation_error", fields={"q": [_l("Type a word to search for.")]})
    if not query_tokens(q):  # punctuation only: nothing can match, and nothing should be listed
        return listing([], page, per_page, 0)
    # One query pages through every kind together; the page's items are then loaded by id.
    kinds = [kind for kind in all_kinds() if kind.searchable_fields]  # the kinds in the search index
    parts = [content.listing_query(kind, current_user, q=q).order_by(None).with_only_columns(
                 literal(kind.name).label("type"), kind.model.id.label("id"), kind.model.published_at.label("at"))
             for kind in kinds]
    hits = union_all(*parts).subquery()
    total = db.session.scalar(select(func.count()).select_from(hits))
    rows = db.session.execute(select(hits.c.type, hits.c.id)
                              .order_by(hits.c.at.desc().nulls_last(), hits.c.type.desc(), hits.c.id.desc())
                              .limit(per_page).offset((page - 1) * per_page)).all()
    loaded = {}
    for kind in kinds:
        ids = [item_id for row_kind, item_id in rows if row_kind == kind.name]
        if ids:
            loaded.update({(kind.name, item.id): item
                           for item in db.session.scalars(select(kind.model).where(kind.model.id.in_(ids)))})
    items = []
    for kind_name, item_id in rows:
        item = loaded[(kind_name, item_id)]
        items.append({"type": kind_name, "id": item.id, "title_zh": item.title_zh, "title_en": item.title_en,
                      "snippet": _best_snippet(item, q), "status": item.status})
    return listing(items, page, per_page, int(total or 0))


def register_content_api() -> None:
    """The operations on every registered kind."""
    for kind in all_kinds():
        content_api(kind)
