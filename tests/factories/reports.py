"""Indicator reports: a small network (two bases, an incubator under each, an enterprise),
the people of every role around it, and reports in any status.

``network`` gives the organisations and one user per role of the role matrices:
member (approved staff of the incubator), other_member (staff of an incubator under
the other base), base_admin (admin of the incubator's parent base), other_base_admin,
network_admin (an admin attached to no base), enterprise, and visitor (None).
``make_report(org, filer, period="2025", status="draft", values=None, reviewer=None)``
walks a report through the real services to the status asked for and commits."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from collab.extensions import db

ROLES = ("member", "other_member", "base_admin", "other_base_admin", "network_admin", "enterprise", "visitor")


@pytest.fixture
def base_admin(create_org, create_user):
    """base_admin(base=None) -> an admin whose organisation is a Xinjiang base (a new one unless given)."""

    def make(base=None, **fields):
        return create_user(role="admin", org=base or create_org(kind="xinjiang_base"), **fields)

    return make


@pytest.fixture
def network_admin(create_user):
    """network_admin() -> an admin attached to no base: reviews every organisation's reports."""

    def make(**fields):
        return create_user(role="admin", with_org=False, **fields)

    return make


@pytest.fixture
def network(create_org, create_user, base_admin, network_admin):
    """Two bases, an incubator under each, an enterprise; one person per role."""
    base = create_org(kind="xinjiang_base", name_zh="测试基地", name_en="Test Base")
    other_base = create_org(kind="xinjiang_base", name_zh="另一基地", name_en="Other Base")
    incubator = create_org(kind="offshore_incubator", parent_id=base.id, name_zh="测试孵化器", name_en="Test Incubator")
    other_incubator = create_org(kind="offshore_incubator", parent_id=other_base.id)
    enterprise_org = create_org(kind="enterprise")
    people = {
        "member": create_user(role="center", org=incubator, display_name="Incubator Member"),
        "other_member": create_user(role="center", org=other_incubator),
        "base_admin": base_admin(base, display_name="Base Admin"),
        "other_base_admin": base_admin(other_base),
        "network_admin": network_admin(display_name="Network Admin"),
        "enterprise": create_user(role="enterprise", org=enterprise_org),
        "visitor": None,
    }
    return SimpleNamespace(base=base, other_base=other_base, incubator=incubator, other_incubator=other_incubator,
                           enterprise_org=enterprise_org, people=people, **people)


@pytest.fixture
def make_report(app):
    """make_report(org, filer, period="2025", status="draft", values=None, reviewer=None, units=None)
    -> Report, committed (submitted → returned/accepted reviewed by ``reviewer``)."""
    from collab.reports import services

    def make(org, filer, period="2025", status="draft", values=None, reviewer=None, units=None, comment=None):
        with app.test_request_context("/en/"):
            report = services.create_report(org, period, values if values is not None else {"new_jobs": 12},
                                            filer, units=units)
            if status in ("submitted", "returned", "accepted"):
                services.submit_report(report, filer)
            if status in ("returned", "accepted"):
                assert reviewer is not None, "a reviewed report needs its reviewer"
                decision = "accept" if status == "accepted" else "return"
                services.review_report(report, decision, reviewer,
                                       comment or ("Fix the jobs figure" if decision == "return" else None))
            db.session.commit()
            return report

    return make
