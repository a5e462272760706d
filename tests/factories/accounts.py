"""Organisations, users, logging in, the outbox."""
from __future__ import annotations

import pytest

from collab.extensions import db

from plugins.settings import PASSWORD


@pytest.fixture
def create_org(app):
    """create_org(kind=..., status=..., key=...) -> Organisation."""
    from collab.orgs.models import Organisation

    counter = {"n": 0}

    def make(kind="enterprise", status="approved", key=None, name_zh=None, name_en=None, **fields):
        counter["n"] += 1
        n = counter["n"]
        org = Organisation(
            key=key or f"test-org-{n}", kind=kind, status=status,
            name_zh=name_zh if name_zh is not None else f"测试机构{n}",
            name_en=name_en if name_en is not None else f"Test Organisation {n}",
            city_zh="喀什", city_en="Kashgar", country="CN", timezone="Asia/Urumqi", facts={}, **fields,
        )
        org.refresh_search_text()
        db.session.add(org)
        db.session.commit()
        return org

    return make


@pytest.fixture
def create_user(app, create_org):
    """create_user(role=..., approved=True, org=None, ...) -> User; password is PASSWORD."""
    from collab.auth.models import User
    from collab.auth.services import hash_password

    counter = {"n": 0}

    def make(role="enterprise", approved=True, org=None, email=None, locale="en",
             timezone="Asia/Shanghai", display_name=None, password=PASSWORD, with_org=True):
        counter["n"] += 1
        n = counter["n"]
        if org is None and with_org and role in ("enterprise", "center"):
            org = create_org(kind="enterprise" if role == "enterprise" else "offshore_incubator")
        user = User(
            email=email or f"{role}{n}@example.test", password_hash=hash_password(password),
            display_name=display_name or f"{role.title()} {n}", locale=locale, timezone=timezone,
            roles=role, organisation=org,
            membership_status=("approved" if approved else "pending") if org else "none",
        )
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def login(client):
    """login(user, password=PASSWORD) logs the test client in through the real form."""

    def do(user, password=PASSWORD, lang="en"):
        # Someone signed in already: sign out first, so a test can switch between people.
        if client.get_cookie(client.application.config.get("SESSION_COOKIE_NAME", "session")) is not None:
            client.post(f"/{lang}/logout")
        response = client.post(f"/{lang}/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.data[:500]
        return response

    return do


@pytest.fixture
def outbox(app):
    """outbox() -> every e-mail written so far, oldest first."""
    from sqlalchemy import select

    from collab.mail.models import OutboxMessage

    def read():
        db.session.expire_all()
        return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))

    return read


@pytest.fixture
def as_role(create_user, login):
    """as_role("visitor" | "enterprise" | "center" | "mentor" | "admin" | "pending") -> user or None."""

    def become(role):
        if role == "visitor":
            return None
        if role == "pending":
            user = create_user(role="enterprise", approved=False)
        else:
            user = create_user(role=role)
        login(user)
        return user

    return become
