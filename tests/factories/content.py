"""Projects and needs in any status, the reviewing admin, and who is asking.

Items are written through the services (so they are indexed and carry their history)
and then moved to the wanted status with ``content.record_change``, as a real lifecycle
would have. The plain helpers (``project_data``, ``need_data``, ``ROLES``, ``page`` …)
stay in tests/content_factories.py."""
from __future__ import annotations

import pytest

from collab.extensions import db

from content_factories import EVENT_PATHS, NEED_PATHS, PROJECT_PATHS, _walk as walk, event_data, need_data, project_data


@pytest.fixture
def make_admin(create_user):
    """One admin per test (created on first use), the reviewer in factory histories."""
    holder = {}

    def get():
        if "admin" not in holder:
            holder["admin"] = create_user(role="admin", display_name="Reviewer Admin")
        return holder["admin"]

    return get


def _item_factory(kind_name: str, data, paths, make_admin):
    """make(owner, status="draft", **fields) -> an item of the kind, committed, its history walked."""
    from collab.content import services
    from collab.content.kinds import kind_named

    def make(owner, status="draft", **fields):
        item = services.create_item(kind_named(kind_name), owner, data(**fields))
        walk(item, paths[status], owner, make_admin() if paths[status] else None)
        db.session.commit()
        return item

    return make


@pytest.fixture
def make_project(app, make_admin):
    """make_project(owner, status="draft", **fields) -> Project, committed."""
    return _item_factory("project", project_data, PROJECT_PATHS, make_admin)


@pytest.fixture
def make_need(app, make_admin):
    """make_need(owner, status="draft", **fields) -> Need, committed."""
    return _item_factory("need", need_data, NEED_PATHS, make_admin)


@pytest.fixture
def make_event(app, make_admin):
    """make_event(owner, status="published", **fields) -> Event, committed (owner: an admin or
    the host organisation's staff; the host is the owner's organisation unless given)."""
    from collab.content import services
    from collab.content.kinds import kind_named

    def make(owner, status="published", **fields):
        event = services.create_item(kind_named("event"), owner, event_data(**fields))
        walk(event, EVENT_PATHS[status], owner, owner)
        db.session.commit()
        return event

    return make


@pytest.fixture
def organiser(create_user, create_org):
    """organiser(kind="xinjiang_base") -> an approved staff member of a new host organisation."""

    def make(kind="xinjiang_base", **user_fields):
        org = create_org(kind=kind)
        return create_user(role="center", org=org, **user_fields)

    return make


@pytest.fixture
def act_as(as_role, login):
    """act_as(role, owner) -> the user now logged in (None for a visitor); "owner" logs in ``owner``."""

    def become(role, owner=None):
        if role == "owner":
            login(owner)
            return owner
        return as_role(role)

    return become
