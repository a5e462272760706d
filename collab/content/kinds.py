"""The registry of item kinds: what the content core knows of each kind of reviewable,
lifecycle-bearing item (projects, needs, and the kinds to come) so that one set of
services, web views and API views serves them all.

A kind is a subclass of ``ItemKind`` living in its own feature package
(``collab/projects/kind.py``, ``collab/needs/kind.py``) and registered with
``register``; the content core never imports those packages. Adding a kind means:
a model with the shared columns (owner, organisation, status, review_return_status,
the ``*_at`` stamps, sectors), a form, templates that extend ``content/*.html``, and a
kind class naming its statuses, transitions, filters and hooks.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Iterable

from sqlalchemy import or_, select


@dataclass(frozen=True)
class Transition:
    """A legal step: from any of ``sources`` to ``target``, made by one of ``parties``
    (the item's ``owner``, an ``admin``, or the ``system``: scheduled jobs)."""

    name: str
    sources: frozenset[str]
    target: str
    parties: frozenset[str]


def transitions(*steps: tuple) -> dict[str, Transition]:
    """``(name, sources, target, *parties)`` tuples as a transition table."""
    return {name: Transition(name, frozenset(sources), target, frozenset(parties))
            for name, sources, target, *parties in steps}


def review_steps(published: str) -> tuple[tuple, ...]:
    """The steps every kind shares: submit, withdraw, and the review that publishes."""
    return (
        ("submit", {"draft", "rejected"}, "pending_review", "owner"),
        ("withdraw", {"pending_review"}, "draft", "owner"),
        ("approve", {"pending_review"}, published, "admin"),
        ("reject", {"pending_review"}, "rejected", "admin"),
    )


@dataclass(frozen=True)
class Filter:
    """A listing filter read from the query string.

    ``choices`` (codes) makes it a coded filter: the pages ignore an unknown code, the
    API answers 400 listing the known ones; without choices it is free text, cut to
    ``max_length``. ``clause(value)`` is the SQL condition it adds.
    """

    name: str
    clause: Callable[[str], Any]
    choices: tuple[str, ...] | None = None
    max_length: int = 100


# Review statuses every kind shares (the review queue and lifecycle rules use them).
REVIEW_STATUSES = frozenset({"draft", "pending_review", "rejected"})


class ItemKind:
    """One kind of content item. Subclasses set the class attributes and override the
    hooks whose default does not fit."""

    name: ClassVar[str]                 # "project": item_type, and the URL's <name>_id
    order: ClassVar[int]                # where the kind comes in lists of every kind (review queue, search)
    plural: ClassVar[str]               # "projects": blueprint, URL and API path
    model: ClassVar[type]
    sectors_table: ClassVar[Any]        # the item ↔ sector association table
    statuses: ClassVar[tuple[str, ...]]
    public: ClassVar[frozenset[str]]    # readable by visitors (history included)
    listed: ClassVar[frozenset[str]]    # in the default listing
    live: ClassVar[frozenset[str]]      # public and current: an edit sends it back to review
    closed: ClassVar[frozenset[str]] = frozenset()  # finished: no longer editable
    matchable: ClassVar[frozenset[str]]  # the matching engine ranks these
    transitions: ClassVar[dict[str, Transition]]
    lifecycle_targets: ClassVar[tuple[str, ...]]  # steps offered on the page and through the API
    text_fields: ClassVar[tuple[str, ...]]        # free text: empty means none
    searchable_fields: ClassVar[tuple[str, ...]]
    body_field: ClassVar[str]                     # the bilingual body: "summary", "description"
    create_roles: ClassVar[tuple[str, ...]]
    sorts: ClassVar[dict[str, Callable[[], tuple]]]  # "newest" first; callables give order_by clauses
    filters: ClassVar[tuple[Filter, ...]] = ()
    form: ClassVar[type]
    json_fields: ClassVar[tuple[str, ...]]
    new_item_defaults: ClassVar[dict] = {}
    # Reviewed kinds go through an admin's review before they are public, and an edit of a
    # live item goes back to it; an unreviewed kind (events) is published by its owners.
    reviewed: ClassVar[bool] = True
    submit_step: ClassVar[str] = "submit"   # the step "save and submit" (or "save and publish") makes
    # Translated refusals (lazy strings), per kind because they name it.
    messages: ClassVar[dict[str, Any]]

    @property
    def editable(self) -> frozenset[str]:
        return (REVIEW_STATUSES | self.live) - self.closed

    @property
    def id_arg(self) -> str:
        return f"{self.name}_id"

    # --- hooks ---------------------------------------------------------------------

    def owns(self, item, user) -> bool:
        """Whether ``user`` acts as the item's owner (edits it, makes the owner's steps)."""
        return bool(user is not None and getattr(user, "is_authenticated", False) and item.owner_id == user.id)

    def may_create(self, user) -> bool:
        return bool(user is not None and user.is_authenticated
                    and (user.is_admin or user.has_role(*self.create_roles)))

    def validate(self, data: dict, *, item=None, actor=None) -> None:
        """Rules across fields that a service must hold whatever the caller (a form or not);
        ``item`` is None for a new item."""

    def before_transition(self, item, name: str, actor) -> None:
        """Refuse a legal step that the item's own data rules out now (e.g. holding an
        event before it began)."""

    def before_submit(self, item) -> None:
        """Refuse a submission that cannot be reviewed (e.g. a deadline already passed)."""

    def before_delete(self, item) -> Callable[[], None] | None:
        """Work to do once the item's rows are gone (e.g. remove its files)."""
        return None

    def visibility_clause(self, viewer):
        """SQL condition for the items ``viewer`` may read: public ones, their own, and
        for admins everything submitted."""
        model = self.model
        if viewer is not None and viewer.is_authenticated:
            if viewer.is_admin:
                return or_(model.status != "draft", model.owner_id == viewer.id)
            return or_(model.status.in_(self.public), model.owner_id == viewer.id)
        return model.status.in_(self.public)

    def listing_clause(self, viewer):
        """Extra condition on listings beyond the listed statuses (None: nothing more)."""
        return None

    def search(self, statement, q: str):
        """Restrict a listing to items matching ``q``: the bilingual search index."""
        from ..search.index import filter_by_query

        return filter_by_query(statement, self.model, q)

    def organisation_clause(self, organisation_key: str):
        from ..orgs.models import Organisation

        return self.model.organisation_id.in_(select(Organisation.id).where(Organisation.key == organisation_key))

    def shows_organisation(self, item, viewer) -> bool:
        """Whether ``viewer`` may see who published ``item``."""
        return True

    def form_options(self) -> dict:
        """Keyword arguments the kind's form takes (e.g. today's date for a deadline)."""
        return {}

    def detail_context(self, item, viewer) -> dict:
        """What the kind's detail page shows beyond the shared parts."""
        return {}

    def listing_context(self) -> dict:
        """What the kind's listing page needs beyond the shared parts (filter options)."""
        return {}

    def to_json(self, item) -> dict:
        """The kind's own fields in the API's shape."""
        from datetime import date

        data = {}
        for name in self.json_fields:
            value = getattr(item, name)
            data[name] = value.isoformat() if isinstance(value, date) else value
        return data

    def detail_json(self, item) -> dict:
        """What the API's detail of an item adds beyond the shared fields and history."""
        return {}

    def __repr__(self) -> str:
        return f"<ItemKind {self.name}>"


KINDS: dict[str, ItemKind] = {}


def register(kind_class: type[ItemKind]) -> ItemKind:
    """Register a kind (used as a class decorator); the instance is what callers use."""
    kind = kind_class()
    assert kind.model.item_type == kind.name, "a kind's model names its kind in item_type"
    KINDS[kind.name] = kind
    ordered = sorted(KINDS.values(), key=lambda k: k.order)
    KINDS.clear()
    KINDS.update((k.name, k) for k in ordered)
    return kind


def kind_named(name: str) -> ItemKind:
    if name not in KINDS:
        _load_kinds()
    return KINDS[name]


def _load_kinds() -> None:
    # The kinds register themselves when collab.models (every feature's models and
    # kinds) is imported, which create_app does; code used without an app (or after
    # importing a single kind's module) loads them all here.
    import importlib

    importlib.import_module("collab.models")


def kind_of(item) -> ItemKind:
    return KINDS[item.item_type]


def all_kinds() -> Iterable[ItemKind]:
    _load_kinds()
    return KINDS.values()
