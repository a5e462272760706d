"""Account commands an operator runs: create-admin, create-user, demo."""
from __future__ import annotations

import pytest
from flask_babel import gettext
from sqlalchemy import select

from collab.auth.models import User
from collab.demo import DEMO_PASSWORD, DEMO_USERS
from collab.extensions import db
from collab.orgs.models import Organisation, Sector
from conftest import count_rows


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def run(*args):
        return runner.invoke(args=list(args))

    return run


def fetch_user(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def test_create_admin(cli, client):
    result = cli("create-admin", "Boss@Example.com", "--password", "admin-pass-42", "--name", "管委会 王主任")
    assert result.exit_code == 0, result.output
    assert "boss@example.com" in result.output
    admin = fetch_user("boss@example.com")
    assert admin.is_admin and admin.display_name == "管委会 王主任"
    assert admin.password_hash != "admin-pass-42"
    response = client.post("/en/login", data={"email": "boss@example.com", "password": "admin-pass-42"})
    assert response.status_code == 302
    assert client.get("/en/admin/").status_code == 200


def test_create_user_is_an_approved_member(cli, client):
    result = cli("create-user", "staff@example.com", "--role", "center", "--org", "shenzhen-offshore",
                 "--password", "center-pass-7", "--name", "Li Wei", "--locale", "en", "--timezone", "Asia/Urumqi")
    assert result.exit_code == 0, result.output
    user = fetch_user("staff@example.com")
    assert user.role_list == ["center"]
    assert user.organisation.key == "shenzhen-offshore"
    assert user.membership_status == "approved" and user.can_publish
    assert (user.display_name, user.locale, user.timezone) == ("Li Wei", "en", "Asia/Urumqi")
    assert client.post("/en/login", data={"email": "staff@example.com", "password": "center-pass-7"}).status_code == 302


@pytest.mark.parametrize("args, complaint", [
    (["--role", "center", "--org", "no-such-org"], "no-such-org"),
    (["--role", "center", "--org", "shenzhen-offshore", "--timezone", "Mars/Olympus"], "Mars/Olympus"),
    (["--role", "hacker"], "hacker"),
    (["--role", "mentor", "--locale", "fr"], "fr"),
    (["--role"], None),
])
def test_create_user_refuses_bad_options_and_creates_nothing(cli, args, complaint):
    users_before = count_rows(User)
    result = cli("create-user", "someone@example.com", "--password", "some-pass-12", *args)
    assert result.exit_code != 0
    if complaint:
        assert complaint in result.output
    assert count_rows(User) == users_before
    assert fetch_user("someone@example.com") is None


@pytest.mark.parametrize("command", [["create-admin"], ["create-user", "--role", "mentor"]])
def test_duplicate_email_is_refused_whatever_its_case(cli, create_user, command):
    create_user(email="taken@example.com", role="mentor")
    users_before = count_rows(User)
    result = cli(command[0], "TAKEN@example.COM", "--password", "other-pass-1", *command[1:])
    assert result.exit_code != 0
    assert gettext("An account with this e-mail address already exists.") in result.output
    assert count_rows(User) == users_before
    assert fetch_user("taken@example.com").role_list == ["mentor"]


@pytest.mark.parametrize("email, password, complaint", [
    ("not-an-address", "admin-pass-42", "EMAIL"),
    ("boss@example.com", "short", "--password"),
    ("boss@example.com", "onlyletters", "--password"),
])
def test_create_admin_refuses_a_bad_address_or_weak_password(cli, email, password, complaint):
    users_before = count_rows(User)
    result = cli("create-admin", email, "--password", password)
    assert result.exit_code != 0
    assert complaint in result.output
    assert count_rows(User) == users_before
    assert fetch_user(email) is None


def test_create_user_refuses_a_weak_password(cli):
    result = cli("create-user", "weak@example.com", "--role", "mentor", "--password", "1234")
    assert result.exit_code != 0
    assert fetch_user("weak@example.com") is None


def test_password_is_required_off_a_terminal(cli):
    users_before = count_rows(User)
    result = cli("create-admin", "boss@example.com")
    assert result.exit_code != 0
    assert "--password" in result.output
    assert count_rows(User) == users_before


def test_demo_is_idempotent_and_its_users_can_log_in(app, cli):
    first = cli("demo")
    assert first.exit_code == 0, first.output
    counts = (count_rows(User), count_rows(Organisation), count_rows(Sector))
    assert all(fetch_user(email) for email, *_rest in DEMO_USERS)

    second = cli("demo")
    assert second.exit_code == 0, second.output
    assert "demo_users_created=0" in second.output
    assert (count_rows(User), count_rows(Organisation), count_rows(Sector)) == counts

    for email, role, *_rest in DEMO_USERS:
        browser = app.test_client()
        response = browser.post("/en/login", data={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email
        user = fetch_user(email)
        assert user.role_list == [role]
        assert user.can_publish, email


def test_demo_if_empty_leaves_a_used_database_alone(cli, create_user):
    create_user()
    users_before = count_rows(User)
    result = cli("demo", "--if-empty")
    assert result.exit_code == 0
    assert "not loaded" in result.output
    assert count_rows(User) == users_before


def test_a_command_runs_as_one_unit_of_work_and_a_failure_keeps_nothing(app, cli, monkeypatch):
    """Every command commits once when it returns and rolls back when it fails, so one that
    fails half-way leaves nothing behind; no command body commits."""
    import collab.demo
    from collab.auth.services import create_user
    from collab.db import in_write_scope

    scopes = []

    def half_then_fail():
        scopes.append(in_write_scope())
        create_user(email="half@example.com", password="half-pass-1", role="mentor")
        raise RuntimeError("the load broke half-way")

    monkeypatch.setattr(collab.demo, "load_demo", half_then_fail)
    result = cli("demo")
    assert result.exit_code != 0 and isinstance(result.exception, RuntimeError)
    assert scopes == [True]  # a write scope: SQLite takes its write lock at BEGIN
    assert fetch_user("half@example.com") is None

    monkeypatch.setattr(collab.demo, "load_demo", lambda: {"users": len([
        create_user(email="whole@example.com", password="whole-pass-1", role="mentor")])})
    assert cli("demo").exit_code == 0
    db.session.remove()  # committed, not merely flushed in the test's session
    assert fetch_user("whole@example.com") is not None
