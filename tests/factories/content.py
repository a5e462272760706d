"""Projects and needs in any status, the reviewing admin, and who is asking.

Items are written through the services (so they are indexed and carry their history)
and then moved to the wanted status with ``content.record_change``, as a real lifecycle
would have. The plain helpers (``project_data``, ``need_data``, ``ROLES``, ``page`` …)
stay in tests/content_factories.py."""
from __future__ import annotations

import pytest

from collab.extensions import db

from content_factories import NEED_PATHS, PROJECT_PATHS, _walk as walk, need_data, project_data


@pytest.fixture
def make_admin(create_user):
    """One admin per test (created on first use), the reviewer in factory histories."""
    holder = {}

    def get():
        if "admin" not in holder:
            holder["admin"] = create_user(role="admin", display_name="Reviewer Admin")
        return holder["admin"]

    return get


@pytest.fixture
def make_project(app, make_admin):
    """make_project(owner, status="draft", **fields) -> Project, committed."""
    from collab.content import services
    from collab.projects.kind import PROJECTS

    def make(owner, status="draft", **fields):
        project = services.create_item(PROJECTS, owner, project_data(**fields))
        walk(project, PROJECT_PATHS[status], owner, make_admin() if PROJECT_PATHS[status] else None)
        db.session.commit()
        return project

    return make


@pytest.fixture
def make_need(app, make_admin):
    """make_need(owner, status="draft", **fields) -> Need, committed."""
    from collab.content import services
    from collab.needs.kind import NEEDS

    def make(owner, status="draft", **fields):
        need = services.create_item(NEEDS, owner, need_data(**fields))
        walk(need, NEED_PATHS[status], owner, make_admin() if NEED_PATHS[status] else None)
        db.session.commit()
        return need

    return make


@pytest.fixture
def act_as(create_user, login, client):
    """act_as(role, owner) -> the user now logged in (None for a visitor); "owner" logs in ``owner``."""

    def become(role, owner=None):
        if role == "visitor":
            return None
        if role == "owner":
            user = owner
        elif role == "pending":
            user = create_user(role="enterprise", approved=False)
        else:
            user = create_user(role=role)
        login(user)
        return user

    return become
