"""The content core: the registry's transition table drives the role matrix of every
kind's lifecycle routes; one signal per change reaches its subscribers; the unit of
work commits once per request and nothing of a refused action is saved; the package
structure has no import cycle and commits only where the unit of work is."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from collab.audit import AuditEntry
from collab.content.kinds import KINDS, ItemKind, all_kinds
from collab.content.models import StatusChange
from collab.content.signals import item_changed
from collab.extensions import db
from collab.notifications.models import Notification

from content_factories import EVENT_PATHS, NEED_PATHS, PROJECT_PATHS

all_kinds()  # load the registry before the parametrisations read it
PACKAGE = Path(__file__).resolve().parent.parent / "collab"
FACTORY_PATHS = {"project": PROJECT_PATHS, "need": NEED_PATHS, "event": EVENT_PATHS}
ROLES = ("owner", "admin", "other_member", "visitor")


def _steps():
    """Every transition a person makes (the system's are jobs), with each role."""
    for kind in KINDS.values():
        for transition in kind.transitions.values():
            if transition.parties == {"system"}:
                continue
            for role in ROLES:
                yield pytest.param(kind.name, transition.name, role, id=f"{kind.name}-{transition.name}-{role}")


def _allowed(kind: ItemKind, name: str, role: str) -> bool:
    parties = kind.transitions[name].parties
    return (role == "owner" and "owner" in parties) or (role == "admin" and "admin" in parties)


def _source(kind: ItemKind, name: str) -> str:
    """A source status the factories can reach."""
    return sorted(kind.transitions[name].sources & set(FACTORY_PATHS[kind.name]))[0]


def _request(client, kind: ItemKind, item, name: str):
    """The route a person uses for the step: submit, review, or the lifecycle form."""
    if name == "submit":
        return client.post(f"/en/{kind.plural}/{item.id}/submit")
    if name in ("approve", "reject"):
        return client.post(f"/en/admin/reviews/{kind.name}/{item.id}",
                           data={"decision": name, "reason": "incomplete", "note": "More detail, please."})
    return client.post(f"/en/{kind.plural}/{item.id}/transition", data={"to": name, "note": "step"})


@pytest.fixture
def kind_owner(create_user, organiser):
    """kind_owner(kind_name) -> a user who may create items of the kind (a new one each call)."""

    def make(kind_name: str):
        if kind_name == "event":
            return organiser()
        return create_user(role="center" if kind_name == "project" else "enterprise")

    return make


@pytest.fixture
def make_item(make_project, make_need, make_event):
    """make_item(kind_name, owner, status, **fields) -> an item of that kind."""
    makers = {"project": make_project, "need": make_need, "event": make_event}

    def make(kind_name: str, owner, status: str = "draft", **fields):
        return makers[kind_name](owner, status, **fields)

    return make


def _fields_for(kind_name: str, name: str) -> dict:
    """What a step needs of the item beyond its status: an event is held once it began."""
    if kind_name == "event" and name == "held":
        from datetime import timedelta

        from collab.db import utcnow

        start = utcnow() - timedelta(hours=2)
        return {"starts_at": start, "ends_at": start + timedelta(hours=1), "registration_deadline": start}
    return {}


def _give_landing(project) -> None:
    from collab.projects.models import Landing

    db.session.add(Landing(project_id=project.id, city="hami", landed_on=utcnow_date(), company_name="Co",
                           investment_cny=0, jobs=0))
    db.session.commit()
    db.session.expire(project)


def utcnow_date():
    from collab.db import utcnow

    return utcnow().date()


@pytest.mark.parametrize("kind_name, name, role", list(_steps()))
def test_the_transition_table_decides_who_may_make_each_step(client, kind_owner, login, make_admin, make_item,
                                                             kind_name, name, role):
    kind = KINDS[kind_name]
    owner = kind_owner(kind_name)
    item = make_item(kind_name, owner, _source(kind, name), **_fields_for(kind_name, name))
    if kind_name == "project" and name == "landed":
        _give_landing(item)  # the step asks for its landing record (tests/test_landings.py)
    before = (item.status, db.session.scalar(select(func.count(StatusChange.id))))
    if role == "owner":
        login(owner)
    elif role == "admin":
        login(make_admin())
    elif role == "other_member":
        login(kind_owner(kind_name))
    response = _request(client, kind, item, name)
    db.session.expire_all()
    changes = db.session.scalar(select(func.count(StatusChange.id)))
    if _allowed(kind, name, role):
        assert response.status_code == 302
        assert item.status == kind.transitions[name].target
        assert changes == before[1] + 1
    else:
        # Refused: visitors are sent to log in; who may not even see the item gets 404.
        # (The review is in the admin area, closed to everyone else before any item is read.)
        hidden = name not in ("approve", "reject") and (
            (role == "other_member" and item.status not in kind.public) or (role == "admin" and item.status == "draft"))
        expected = 302 if role == "visitor" else 404 if hidden else 403
        assert response.status_code == expected
        if role == "visitor":
            assert "/login" in response.headers["Location"]
        assert (item.status, changes) == before  # nothing changed in the database


@pytest.mark.parametrize("kind_name", list(KINDS))
def test_every_kind_names_its_statuses_consistently(kind_name):
    kind = KINDS[kind_name]
    statuses = set(kind.statuses)
    assert kind.listed <= kind.public <= statuses and kind.live <= kind.public and kind.matchable <= kind.live
    for transition in kind.transitions.values():
        assert transition.sources <= statuses and transition.target in statuses
        assert transition.parties <= {"owner", "admin", "system"}
    assert set(kind.lifecycle_targets) <= set(kind.transitions)
    assert "newest" in kind.sorts
    for name in ("create_refused", "edit_refused", "not_editable", "delete_refused", "status_updated", "label",
                 "label_plural", "create", "none_found"):
        assert name in kind.messages, name
    for name, message in kind.messages.items():
        assert type(message).__name__ == "LazyString", name


@pytest.mark.parametrize("kind_name", list(KINDS))
def test_each_kind_messages_exist_in_chinese(app, kind_name):
    from flask_babel import force_locale

    kind = KINDS[kind_name]
    with app.test_request_context(), force_locale("zh_Hans"):
        for name, message in kind.messages.items():
            assert re.search(r"[\u4e00-\u9fff]", str(message)), (name, str(message))


def test_one_signal_per_change_reaches_every_subscriber(app, create_user, make_admin, make_need):
    from collab.content import services
    from collab.content.reviews import decide

    owner = create_user(role="enterprise", locale="zh")
    need = make_need(owner, "pending_review")
    seen = []

    def listen(kind, **details):
        seen.append((kind.name, details["event"], details["transition"]))

    item_changed.connect(listen)
    try:
        admin = make_admin()
        decide(need, "approve", admin)
        services.transition_item(need, "in_talks", admin, note="talking")
        db.session.commit()
    finally:
        item_changed.disconnect(listen)
    assert seen == [("need", "status", "approve"), ("need", "status", "in_talks")]
    notes = list(db.session.scalars(select(Notification.kind).where(Notification.user_id == owner.id)))
    assert notes == ["review_approved", "status_changed"]
    audit = list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.target_id == need.id)))
    assert audit == ["need.open", "need.in_talks"]


def test_the_unit_of_work_commits_once_and_rolls_back_refusals(app, create_user, login, client, monkeypatch):
    from collab.content import services
    from collab.errors import ServiceError
    from collab.projects.models import Project

    owner = create_user(role="center")
    login(owner)
    real_create = services.create_item

    def create_then_refuse(kind, user, data):
        real_create(kind, user, data)  # flushed: the row exists in the transaction
        raise ServiceError("refused after writing", "title_en")

    monkeypatch.setattr(services, "create_item", create_then_refuse)
    response = client.post("/en/projects/new", data={"title_en": "Half-saved?", "summary_en": "No.",
                                                     "stage": "idea", "direction": "offshore_to_xinjiang",
                                                     "ip_status": "none", "save": "1"})
    assert response.status_code == 200 and b"refused after writing" in response.data
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Project.id))) == 0
    assert db.session.scalar(select(func.count(StatusChange.id))) == 0


# --- structure ----------------------------------------------------------------------------

def _imports_by_package() -> dict[str, set[str]]:
    """Feature package -> the feature packages its modules import (collab.x.y counts as x)."""
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE)
        if len(relative.parts) < 2:
            continue  # top-level modules (the app factory, models, subscribers) wire the packages
        package = relative.parts[0]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            targets = []
            if isinstance(node, ast.ImportFrom):
                if node.level == 0 and (node.module or "").startswith("collab."):
                    targets = [node.module.split(".")[1]]
                elif node.level == 2 and node.module:
                    targets = [node.module.split(".")[0]]
            for target in targets:
                if (PACKAGE / target).is_dir() and target != package:
                    graph.setdefault(package, set()).add(target)
    return graph


def test_packages_import_each_other_without_a_cycle():
    graph = _imports_by_package()
    state: dict[str, str] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = "open"
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                raise AssertionError("import cycle: " + " -> ".join([*trail, node, target]))
            if target not in state:
                visit(target, [*trail, node])
        state[node] = "done"

    for package in sorted(graph):
        if package not in state:
            visit(package, [])
    assert "content" in graph and not graph["content"] & {"projects", "needs", "matching", "api"}


def test_only_the_unit_of_work_commits():
    committing = {str(path.relative_to(PACKAGE)) for path in PACKAGE.rglob("*.py")
                  if "session.commit()" in path.read_text(encoding="utf-8")}
    assert committing <= {"unit_of_work.py", "mail/service.py"}, committing
    faked = [str(path.relative_to(PACKAGE)) for path in PACKAGE.rglob("*.py")
             if "test_request_context" in path.read_text(encoding="utf-8")]
    assert faked == []


# One wiring test per route of every kind: the owner reaches each page and action.
WIRING = {  # endpoint -> (method, expected status for the owner of a draft)
    "listing": ("GET", 200), "create": ("GET", 200), "detail": ("GET", 200), "edit": ("GET", 200),
    "submit": ("POST", 302), "transition": ("POST", 302), "delete": ("POST", 302),
}


@pytest.mark.parametrize("kind_name", list(KINDS))
def test_every_route_of_a_kind_is_wired(app, client, kind_owner, login, make_item, kind_name):
    kind = KINDS[kind_name]
    owner = kind_owner(kind_name)
    item = make_item(kind_name, owner)
    login(owner)
    rules = {rule.endpoint.split(".", 1)[1]: rule for rule in app.url_map.iter_rules()
             if rule.endpoint.startswith(f"{kind.plural}.")}
    assert set(WIRING) <= set(rules), set(WIRING) - set(rules)
    for endpoint, (method, expected) in WIRING.items():
        url = rules[endpoint].rule.replace("<lang:lang>", "en").replace(f"<int:{kind.id_arg}>", str(item.id))
        data = {"to": "withdraw"} if endpoint == "transition" else {}
        response = client.open(url, method=method, data=data)
        assert response.status_code == expected, (endpoint, response.status_code)
    api = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")}
    assert {f"api.list_{kind.plural}", f"api.create_{kind.name}", f"api.get_{kind.name}", f"api.patch_{kind.name}",
            f"api.delete_{kind.name}", f"api.submit_{kind.name}", f"api.transition_{kind.name}"} <= api
