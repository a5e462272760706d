"""Accounts through the browser: register, log in and out, passwords, profile, API tokens,
and the log-in rate limit. Every test runs on SQLite and PostgreSQL."""
from __future__ import annotations

import itertools
import re
from datetime import datetime, timedelta, timezone
from html import unescape
from urllib.parse import urljoin, urlsplit

import pytest
import time_machine
from flask_babel import force_locale, gettext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.security import check_password_hash

from collab.auth.models import ApiToken, User
from collab.extensions import db
from collab.orgs.labels import COUNTRY_LABELS
from collab.orgs.models import Organisation
from conftest import PASSWORD, count_rows

NEW_PASSWORD = "brand-new-pass-2"
FUZZ_IDS = itertools.count()
CJK = re.compile(r"[\u4e00-\u9fff]")


def register_data(**overrides) -> dict:
    data = {
        "email": "newcomer@example.com", "display_name": "Aynur Tursun", "password": "good-pass-99",
        "confirm": "good-pass-99", "locale": "en", "timezone": "Asia/Urumqi", "role": "enterprise",
        "organisation": "shenzhen-offshore", "org_name_zh": "", "org_name_en": "", "org_kind": "enterprise",
        "org_city": "", "org_country": "CN",
    }
    data.update(overrides)
    return data


def field_error(page: str, field: str) -> str | None:
    """The text of the error shown next to ``field`` (None when there is none)."""
    match = re.search(rf'id="{field}-error" class="invalid-feedback[^"]*"[^>]*>(.*?)</div>', page, re.S)
    return unescape(match.group(1)).strip() if match else None


def translated(lang: str, message: str, **params) -> str:
    """What the catalog of ``lang`` says for ``message`` (English until it is translated)."""
    with force_locale("zh_Hans" if lang == "zh" else "en"):
        return gettext(message, **params)


def user_by_email(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def reset_link(message) -> str:
    match = re.search(r"http://localhost(/\S+/password/reset/\S+)", message.body_text)
    assert match, message.body_text
    return match.group(1)


# --- register ----------------------------------------------------------------

def test_register_page_offers_self_service_roles_only(client):
    page = client.get("/en/register").get_data(as_text=True)
    assert 'name="role"' in page
    for role in ("enterprise", "center", "mentor"):
        assert f'value="{role}"' in page
    assert 'value="admin"' not in page
    assert 'value="shenzhen-offshore"' in page


@pytest.mark.parametrize("role", ["enterprise", "center", "mentor"])
def test_register_with_existing_org_awaits_approval_and_notifies_admins_in_their_language(
        client, create_user, outbox, role):
    admin_zh = create_user(role="admin", locale="zh", email="admin-zh@example.com")
    admin_en = create_user(role="admin", locale="en", email="admin-en@example.com")
    users_before, orgs_before = count_rows(User), count_rows(Organisation)

    response = client.post("/en/register", data=register_data(role=role, email="New.Comer@Example.COM"))

    assert response.status_code == 302
    assert response.headers["Location"] == "/en/"
    assert count_rows(User) == users_before + 1
    assert count_rows(Organisation) == orgs_before
    user = user_by_email("new.comer@example.com")  # stored lower-cased
    assert user.role_list == [role]
    assert user.organisation.key == "shenzhen-offshore"
    assert user.membership_status == "pending"
    assert user.can_publish is False
    assert user.timezone == "Asia/Urumqi" and user.locale == "en"

    # Logged in and browsing, with the "awaiting approval" notice.
    home = client.get("/en/")
    assert home.status_code == 200
    assert "Aynur Tursun" in home.get_data(as_text=True)
    assert "awaiting an administrator" in home.get_data(as_text=True)
    assert client.get("/en/account").status_code == 200

    messages = [m for m in outbox() if m.template == "membership_pending"]
    assert sorted(m.recipient for m in messages) == [admin_en.email, admin_zh.email]
    by_recipient = {m.recipient: m for m in messages}
    for admin in (admin_zh, admin_en):
        message = by_recipient[admin.email]
        assert message.locale == admin.locale
        assert message.subject == translated(admin.locale, "New member awaiting approval: %(name)s",
                                             name="Aynur Tursun")
        assert "new.comer@example.com" in message.body_text
    assert CJK.search(by_recipient[admin_zh.email].subject)
    assert not CJK.search(by_recipient[admin_en.email].subject)
    # Links in each message lead to the admin's own language.
    assert "/zh/admin" in by_recipient[admin_zh.email].body_text
    assert "/en/admin" in by_recipient[admin_en.email].body_text


def test_mentor_may_register_without_an_organisation(client, outbox, create_user):
    create_user(role="admin")
    response = client.post("/zh/register", data=register_data(role="mentor", organisation="", locale="zh"))
    assert response.status_code == 302
    assert response.headers["Location"] == "/zh/"
    user = user_by_email("newcomer@example.com")
    assert user.organisation is None and user.membership_status == "none"
    assert user.can_publish is False
    assert [m for m in outbox() if m.template == "membership_pending"] == []


def test_register_proposing_a_new_organisation(client, create_user, outbox):
    admin = create_user(role="admin", locale="zh")
    orgs_before = count_rows(Organisation)
    response = client.post("/en/register", data=register_data(
        role="center", organisation="__new__", org_name_zh="和田创新驿站", org_name_en="Hotan Innovation Post",
        org_kind="offshore_incubator", org_city="Hotan", org_country="CN"))

    assert response.status_code == 302
    assert count_rows(Organisation) == orgs_before + 1
    user = user_by_email("newcomer@example.com")
    org = user.organisation
    assert org.status == "proposed"
    assert (org.name_zh, org.name_en, org.kind, org.city_en, org.timezone) == (
        "和田创新驿站", "Hotan Innovation Post", "offshore_incubator", "Hotan", "Asia/Urumqi")
    assert user.membership_status == "pending" and user.can_publish is False
    # A proposed organisation is not offered to the next person who registers.
    client.post("/en/logout")
    assert f'value="{org.key}"' not in client.get("/en/register").get_data(as_text=True)
    [message] = [m for m in outbox() if m.template == "membership_pending"]
    assert message.recipient == admin.email and message.locale == "zh"


@pytest.mark.parametrize("country", sorted(COUNTRY_LABELS))
def test_register_proposing_an_organisation_in_every_offered_country(client, country):
    response = client.post("/en/register", data=register_data(
        role="center", organisation="__new__", org_name_en="Osh Partner Office",
        org_kind="international_partner", org_country=country))
    assert response.status_code == 302
    org = user_by_email("newcomer@example.com").organisation
    assert org.status == "proposed" and org.name_zh is None and org.country == country


BAD_REGISTRATIONS = [
    pytest.param({"email": ""}, "email", "This field is required.", id="empty-email"),
    pytest.param({"display_name": ""}, "display_name", "This field is required.", id="empty-name"),
    pytest.param({"password": "", "confirm": ""}, "password", "This field is required.", id="empty-password"),
    pytest.param({"email": "not-an-address"}, "email", "Invalid email address.", id="bad-email"),
    pytest.param({"email": "a" * 60 + "@" + "b" * 190 + ".test"}, "email", None, id="email-over-254"),
    pytest.param({"display_name": "x" * 101}, "display_name", "Field cannot be longer than 100 characters.",
                 id="name-over-100"),
    pytest.param({"role": "admin"}, "role", None, id="role-admin"),
    pytest.param({"role": "hacker"}, "role", None, id="role-hacker"),
    pytest.param({"organisation": "no-such-org"}, "organisation", "Choose an organisation from the list.",
                 id="unknown-org"),
    pytest.param({"role": "enterprise", "organisation": ""}, "organisation",
                 "Enterprises and centers belong to an organisation: pick one or propose a new one.",
                 id="enterprise-without-org"),
    pytest.param({"organisation": "__new__"}, "organisation", "Tell us about the new organisation below.",
                 id="new-org-without-name"),
    pytest.param({"organisation": "__new__"}, "org_name_zh", "Give the organisation's name in Chinese or English.",
                 id="new-org-name-error-next-to-name"),
    pytest.param({"organisation": "__new__", "org_name_en": "New Org", "org_kind": "spaceship"}, "org_kind",
                 "Not a valid choice.", id="new-org-bad-kind"),
    pytest.param({"display_name": "<script>alert(1)</script>"}, "display_name",
                 "Please write plain text without HTML tags.", id="script-in-name"),
    pytest.param({"display_name": "<b>Boss</b>"}, "display_name", "Please write plain text without HTML tags.",
                 id="html-in-name"),
    pytest.param({"display_name": "Aynur\x00Tursun"}, "display_name",
                 "This text contains characters that are not allowed.", id="nul-in-name"),
    pytest.param({"timezone": "Mars/Olympus"}, "timezone", "Choose a valid time zone, such as Asia/Urumqi.",
                 id="mars-timezone"),
    pytest.param({"locale": "fr"}, "locale", "Not a valid choice.", id="unknown-locale"),
    pytest.param({"password": "short1", "confirm": "short1"}, "password", "Use at least 8 characters.",
                 id="short-password"),
    pytest.param({"password": "onlyletters", "confirm": "onlyletters"}, "password",
                 "Use letters and at least one digit.", id="password-without-digit"),
    pytest.param({"confirm": "something-else-1"}, "confirm", "The passwords do not match.", id="mismatch"),
]


@pytest.mark.parametrize("overrides, field, message", BAD_REGISTRATIONS)
def test_register_refuses_bad_input_next_to_the_field(client, overrides, field, message):
    users_before, orgs_before = count_rows(User), count_rows(Organisation)

    response = client.post("/en/register", data=register_data(**overrides))

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    error = field_error(page, field)
    assert error, f"no error shown next to {field}"
    if message:
        assert message in error
    assert "<script>alert(1)</script>" not in page  # echoed input is escaped
    assert count_rows(User) == users_before
    assert count_rows(Organisation) == orgs_before
    assert client.get("/en/account").status_code == 302  # not logged in


@pytest.mark.parametrize("status", ["proposed", "rejected"])
def test_register_cannot_join_an_organisation_that_is_not_approved(client, create_org, status):
    org = create_org(status=status)
    users_before = count_rows(User)
    response = client.post("/en/register", data=register_data(organisation=org.key))
    assert response.status_code == 200
    assert field_error(response.get_data(as_text=True), "organisation") == "Choose an organisation from the list."
    assert count_rows(User) == users_before


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(["email", "display_name", "password", "confirm", "locale", "timezone", "role",
                              "organisation", "org_name_zh", "org_name_en", "org_kind", "org_city",
                              "org_country"]),
       value=st.text(max_size=300))
def test_register_never_fails_on_odd_input(app, field, value):
    """One mutated field of a valid form (docs/STACK.md: a NUL byte gave a 500 on PostgreSQL only)."""
    # A fresh address each time, so valid examples reach the database rather than "already exists".
    data = register_data(**{"email": f"fuzz{next(FUZZ_IDS)}@example.com", "organisation": "__new__",
                            "org_name_en": "Fuzz Org", field: value})
    response = app.test_client().post("/en/register", data=data)
    assert response.status_code in (200, 302), response.get_data(as_text=True)[:500]
    db.session.rollback()


def test_register_refuses_a_taken_email_whatever_its_case(client, create_user):
    create_user(email="taken@example.com")
    users_before = count_rows(User)
    response = client.post("/en/register", data=register_data(email="  TAKEN@Example.Com "))
    assert response.status_code == 200
    assert field_error(response.get_data(as_text=True), "email") == \
        "An account with this e-mail address already exists."
    assert count_rows(User) == users_before


def test_register_refusing_a_taken_email_creates_no_proposed_organisation(client, create_user):
    create_user(email="taken@example.com")
    users_before, orgs_before = count_rows(User), count_rows(Organisation)
    response = client.post("/en/register", data=register_data(
        email="taken@example.com", organisation="__new__", org_name_en="Ghost Org"))
    assert response.status_code == 200
    assert field_error(response.get_data(as_text=True), "email")
    assert (count_rows(User), count_rows(Organisation)) == (users_before, orgs_before)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_register_errors_are_in_the_page_language(client, lang):
    users_before = count_rows(User)
    response = client.post(f"/{lang}/register", data=register_data(
        password="short1", confirm="short1", timezone="Mars/Olympus", locale=lang))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'class="invalid-feedback' in page
    assert field_error(page, "password") == translated(lang, "Use at least %(n)d characters.", n=8)
    assert field_error(page, "timezone") == translated(lang, "Choose a valid time zone, such as Asia/Urumqi.")
    if lang == "en":
        assert field_error(page, "password") == "Use at least 8 characters."
    else:
        assert CJK.search(field_error(page, "password")) and CJK.search(field_error(page, "timezone"))
    assert count_rows(User) == users_before


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_required_field_message_is_in_the_page_language(client, lang):
    page = client.post(f"/{lang}/register", data=register_data(email="")).get_data(as_text=True)
    error = field_error(page, "email")
    assert error
    assert bool(CJK.search(error)) is (lang == "zh"), error


def test_logged_in_user_is_sent_home_from_register_and_login(client, as_role):
    as_role("enterprise")
    assert client.get("/en/register").headers["Location"] == "/en/"
    assert client.get("/en/login").headers["Location"] == "/en/"


# --- log in ------------------------------------------------------------------

def test_login_success_records_last_login(client, create_user):
    user = create_user(email="kashgar@example.com")
    assert user.last_login_at is None
    response = client.post("/en/login", data={"email": "Kashgar@Example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/en/"
    assert user_by_email("kashgar@example.com").last_login_at is not None
    assert client.get("/en/account").status_code == 200


@pytest.mark.parametrize("email, password", [
    ("known@example.com", "wrong-pass-1"),
    ("nobody@example.com", PASSWORD),
])
def test_login_refusal_says_the_same_for_wrong_password_and_unknown_email(client, create_user, email, password):
    create_user(email="known@example.com")
    response = client.post("/en/login", data={"email": email, "password": password})
    assert response.status_code == 200
    assert field_error(response.get_data(as_text=True), "password") == "The e-mail or password is not right."
    assert client.get("/en/account").status_code == 302


def test_disabled_user_cannot_log_in(client, create_user):
    user = create_user()
    user.is_enabled = False
    db.session.commit()
    response = client.post("/en/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 200
    assert field_error(response.get_data(as_text=True), "password") == "The e-mail or password is not right."
    assert client.get("/en/account").status_code == 302


def test_disabling_a_user_ends_their_open_session(client, create_user, login):
    user = create_user()
    login(user)
    assert client.get("/en/account").status_code == 200
    user.is_enabled = False
    db.session.commit()
    assert client.get("/en/account").status_code == 302


def test_login_requires_both_fields(client):
    page = client.post("/en/login", data={"email": "", "password": ""}).get_data(as_text=True)
    assert field_error(page, "email") == "This field is required."
    assert field_error(page, "password") == "This field is required."


def test_protected_page_sends_to_login_and_back(client, create_user):
    user = create_user()
    response = client.get("/en/account")
    assert response.status_code == 302
    assert response.headers["Location"] == "/en/login?next=/en/account"
    response = client.post("/en/login?next=/en/account", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/en/account"


@pytest.mark.parametrize("target", [
    "//evil.example", "https://evil.example", "http://evil.example/en/", "/\\evil.example",
    "\\\\evil.example", "/\t/evil.example", "javascript:alert(1)", "evil.example",
])
def test_login_never_redirects_off_site(client, create_user, target):
    user = create_user()
    response = client.post("/en/login", query_string={"next": target},
                           data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    location = response.headers["Location"]
    resolved = urlsplit(urljoin("http://localhost/en/login", location))
    assert resolved.scheme == "http" and resolved.netloc == "localhost", location
    assert "evil" not in resolved.netloc


# --- log out and replayed cookies ----------------------------------------------

def test_logout_is_post_only(client, as_role):
    as_role("enterprise")
    assert client.get("/en/logout").status_code == 405
    assert client.get("/en/account").status_code == 200  # still logged in
    response = client.post("/en/logout")
    assert response.status_code == 302
    assert client.get("/en/account").status_code == 302


def test_session_cookie_replayed_after_logout_is_refused(client, as_role, app):
    as_role("center")
    cookie_name = app.config["SESSION_COOKIE_NAME"]
    stolen = client.get_cookie(cookie_name).value
    thief = app.test_client()
    thief.set_cookie(cookie_name, stolen)
    assert thief.get("/en/account").status_code == 200  # the copy works while the session lives

    client.post("/en/logout")
    assert thief.get("/en/account").status_code == 302
    client.set_cookie(cookie_name, stolen)
    response = client.get("/en/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/en/login")


def test_password_change_on_another_client_ends_this_session(app, client, create_user, login):
    user = create_user()
    login(user)
    other = app.test_client()
    assert other.post("/en/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    stolen = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value

    response = other.post("/en/account/password", data={
        "current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302

    assert client.get("/en/account").status_code == 302
    replay = app.test_client()
    replay.set_cookie(app.config["SESSION_COOKIE_NAME"], stolen)
    assert replay.get("/en/account").status_code == 302
    assert other.get("/en/account").status_code == 200  # the browser that changed it stays in


def test_remember_cookie_replayed_after_logout_is_refused(app, client, create_user):
    user = create_user()
    client.post("/en/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    remember = client.get_cookie(app.config.get("REMEMBER_COOKIE_NAME", "remember_token"))
    assert remember is not None

    # The cookie alone signs a new browser in while the user is logged in ...
    fresh = app.test_client()
    fresh.set_cookie(remember.key, remember.value)
    assert fresh.get("/en/account").status_code == 200

    client.post("/en/logout")
    # ... and no longer once they have logged out.
    replay = app.test_client()
    replay.set_cookie(remember.key, remember.value)
    response = replay.get("/en/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/en/login")


# --- change password -----------------------------------------------------------

def test_change_password_needs_the_current_one(client, create_user, login):
    user = create_user()
    login(user)
    old_hash = user.password_hash
    response = client.post("/en/account/password", data={
        "current_password": "not-my-pass-1", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 200
    assert field_error(response.get_data(as_text=True), "current_password") == "This is not your current password."
    assert user_by_email(user.email).password_hash == old_hash


@pytest.mark.parametrize("overrides, field", [
    ({"password": "weak"}, "password"),
    ({"confirm": "other-pass-77"}, "confirm"),
    ({"current_password": ""}, "current_password"),
])
def test_change_password_refuses_bad_input(client, create_user, login, overrides, field):
    user = create_user()
    login(user)
    data = {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD, **overrides}
    if "password" in overrides:
        data["confirm"] = overrides["password"]
    response = client.post("/en/account/password", data=data)
    assert response.status_code == 200
    assert field_error(response.get_data(as_text=True), field)
    assert check_password_hash(user_by_email(user.email).password_hash, PASSWORD)


def test_change_password_keeps_this_browser_and_the_new_password_works(app, client, create_user, login):
    user = create_user()
    login(user)
    response = client.post("/en/account/password", data={
        "current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/en/account"
    assert client.get("/en/account").status_code == 200

    fresh = app.test_client()
    assert fresh.post("/en/login", data={"email": user.email, "password": PASSWORD}).status_code == 200
    assert fresh.post("/en/login", data={"email": user.email, "password": NEW_PASSWORD}).status_code == 302


# --- reset password ------------------------------------------------------------

def test_reset_request_answers_the_same_whether_or_not_the_account_exists(client, create_user, outbox):
    create_user(email="real@example.com")
    disabled = create_user(email="gone@example.com")
    disabled.is_enabled = False
    db.session.commit()

    answers = []
    for email in ("real@example.com", "ghost@example.com", "gone@example.com"):
        response = client.post("/en/password/reset", data={"email": email})
        followed = client.get(response.headers["Location"]).get_data(as_text=True)
        notice = re.search(r'<div class="alert[^"]*" role="alert">(.*?)</div>', followed, re.S).group(1)
        answers.append((response.status_code, response.headers["Location"], unescape(notice)))
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][2] == "If an account exists for that address, a reset link is on its way."
    assert [m.recipient for m in outbox()] == ["real@example.com"]


def test_reset_email_is_in_the_recipients_language_and_link_works_once(app, client, create_user, outbox):
    user = create_user(email="zh-user@example.com", locale="zh")
    other_device = app.test_client()
    assert other_device.post("/en/login", data={"email": user.email, "password": PASSWORD}).status_code == 302

    client.post("/en/password/reset", data={"email": "ZH-User@example.com"})
    [message] = outbox()
    assert message.template == "reset_password" and message.locale == "zh"
    assert message.subject == translated("zh", "Reset your Collab password")
    assert CJK.search(message.subject) and CJK.search(message.body_text)
    link = reset_link(message)
    assert link.startswith("/zh/password/reset/")

    assert client.get(link).status_code == 200
    bad = client.post(link, data={"password": "weak", "confirm": "weak"})
    assert bad.status_code == 200 and field_error(bad.get_data(as_text=True), "password")

    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/zh/login"
    assert check_password_hash(user_by_email(user.email).password_hash, NEW_PASSWORD)
    assert other_device.get("/en/account").status_code == 302  # sessions elsewhere ended

    # Single use: the same link is refused now, and the password stays.
    again = client.post(link, data={"password": "third-pass-33", "confirm": "third-pass-33"})
    assert again.status_code == 302
    assert again.headers["Location"] == "/zh/password/reset"
    assert check_password_hash(user_by_email(user.email).password_hash, NEW_PASSWORD)
    assert client.post("/en/login", data={"email": user.email, "password": NEW_PASSWORD}).status_code == 302


def test_reset_link_expires(app, client, create_user, outbox):
    user = create_user(email="late@example.com")
    start = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
    max_age = app.config["PASSWORD_RESET_MAX_AGE"]
    with time_machine.travel(start, tick=False):
        client.post("/en/password/reset", data={"email": user.email})
    link = reset_link(outbox()[-1])
    with time_machine.travel(start + timedelta(seconds=max_age - 60), tick=False):
        assert client.get(link).status_code == 200
    with time_machine.travel(start + timedelta(seconds=max_age + 1), tick=False):
        response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
        assert response.status_code == 302
        assert response.headers["Location"] == "/en/password/reset"
    assert check_password_hash(user_by_email(user.email).password_hash, PASSWORD)


@pytest.mark.parametrize("token", ["garbage", "eyJ1aWQiOjF9.AAAA.BBBB"])
def test_bad_reset_link_is_refused(client, token):
    response = client.get(f"/en/password/reset/{token}")
    assert response.status_code == 302
    assert response.headers["Location"] == "/en/password/reset"
    page = client.get("/en/password/reset").get_data(as_text=True)
    assert "This reset link has expired or was already used." in page


def test_reset_link_signed_with_another_key_is_refused(app, client, create_user):
    from itsdangerous import URLSafeTimedSerializer

    user = create_user()
    forged = URLSafeTimedSerializer("not-the-key", salt="collab.password-reset").dumps(
        {"uid": user.id, "fp": user.password_hash[-16:]})
    assert client.get(f"/en/password/reset/{forged}").status_code == 302


def test_reset_request_refuses_a_malformed_address(client, outbox):
    response = client.post("/en/password/reset", data={"email": "no-at-sign"})
    assert response.status_code == 200
    assert field_error(response.get_data(as_text=True), "email")
    assert outbox() == []


# --- profile -------------------------------------------------------------------

def test_profile_edit_saves_name_language_and_zone(client, create_user, login):
    user = create_user(locale="en", timezone="Asia/Shanghai")
    login(user)
    page = client.get("/en/account").get_data(as_text=True)
    assert user.email in page and user.display_name in page
    response = client.post("/en/account", data={
        "display_name": "  Dilnoza K.  ", "locale": "zh", "timezone": "Asia/Tashkent"})
    assert response.status_code == 302
    saved = user_by_email(user.email)
    assert (saved.display_name, saved.locale, saved.timezone) == ("Dilnoza K.", "zh", "Asia/Tashkent")
    assert "Asia/Tashkent" in client.get("/en/account").get_data(as_text=True)


@pytest.mark.parametrize("overrides, field", [
    ({"display_name": ""}, "display_name"),
    ({"display_name": "y" * 101}, "display_name"),
    ({"display_name": "<img src=x onerror=alert(1)>"}, "display_name"),
    ({"display_name": "bad\x07bell"}, "display_name"),
    ({"locale": "de"}, "locale"),
    ({"timezone": "Mars/Olympus"}, "timezone"),
    ({"timezone": ""}, "timezone"),
])
def test_profile_edit_refuses_bad_input(client, create_user, login, overrides, field):
    user = create_user(locale="en", timezone="Asia/Shanghai", display_name="Original Name")
    login(user)
    data = {"display_name": "Changed", "locale": "zh", "timezone": "Asia/Urumqi", **overrides}
    response = client.post("/en/account", data=data)
    assert response.status_code == 200
    assert field_error(response.get_data(as_text=True), field)
    saved = user_by_email(user.email)
    assert (saved.display_name, saved.locale, saved.timezone) == ("Original Name", "en", "Asia/Shanghai")


# --- API tokens on the profile page ----------------------------------------------

def test_api_token_is_shown_once_and_can_be_revoked(client, create_user, login):
    user = create_user()
    login(user)
    response = client.post("/en/account/tokens", data={"label": "Dabancheng ERP"})
    assert response.status_code == 200
    token = re.search(r'<code id="token">([^<]+)</code>', response.get_data(as_text=True)).group(1)

    db.session.expire_all()
    [record] = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).all()
    assert record.label == "Dabancheng ERP"
    assert record.token_hash == ApiToken.hash(token) and token not in record.token_hash

    api = client.application.test_client()
    me = api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.get_json()["email"] == user.email

    profile = client.get("/en/account").get_data(as_text=True)
    assert "Dabancheng ERP" in profile
    assert token not in profile  # shown once only

    response = client.post(f"/en/account/tokens/{record.id}/revoke")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ApiToken, record.id).revoked_at is not None
    assert "Dabancheng ERP" not in client.get("/en/account").get_data(as_text=True)
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


@pytest.mark.parametrize("label", ["", "<b>x</b>", "z" * 101])
def test_api_token_needs_a_plain_short_label(client, create_user, login, label):
    login(create_user())
    response = client.post("/en/account/tokens", data={"label": label})
    assert response.status_code == 302
    assert count_rows(ApiToken) == 0


def test_revoking_another_users_token_is_404_and_changes_nothing(client, create_user, login):
    from collab.auth.tokens import issue_token

    owner = create_user()
    token, record = issue_token(owner, label="owner's")
    db.session.commit()
    login(create_user())

    assert client.post(f"/en/account/tokens/{record.id}/revoke").status_code == 404
    assert client.post("/en/account/tokens/999999/revoke").status_code == 404
    db.session.expire_all()
    assert db.session.get(ApiToken, record.id).revoked_at is None
    assert client.application.test_client().get(
        "/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_token_pages_need_login(client):
    assert client.post("/en/account/tokens", data={"label": "x"}).status_code == 302
    assert client.post("/en/account/tokens/1/revoke").status_code == 302
    assert count_rows(ApiToken) == 0


# --- rate limits -------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "zh"])
def test_login_is_rate_limited_with_a_translated_page(client, create_user, lang):
    user = create_user()
    for _ in range(10):
        assert client.post(f"/{lang}/login", data={"email": user.email, "password": "wrong-pass-1"}).status_code == 200
    response = client.post(f"/{lang}/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert translated(lang, "Too many attempts") in page
    assert f'<html lang="{"zh-Hans" if lang == "zh" else "en"}">' in page
    if lang == "en":
        assert "Too many attempts" in page
    else:
        assert CJK.search(translated(lang, "Too many attempts"))
    assert client.get("/en/account").status_code == 302  # the right password did not get through
    assert client.get(f"/{lang}/login").status_code == 200  # reading the page is not limited


def test_login_limit_lifts_after_a_minute(client, create_user):
    user = create_user()
    start = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
    with time_machine.travel(start, tick=False):
        for _ in range(11):
            last = client.post("/en/login", data={"email": user.email, "password": "wrong-pass-1"})
        assert last.status_code == 429
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        assert client.post("/en/login", data={"email": user.email, "password": PASSWORD}).status_code == 302


def test_reset_request_is_rate_limited(client, outbox):
    for n in range(10):
        assert client.post("/en/password/reset", data={"email": f"x{n}@example.com"}).status_code == 302
    response = client.post("/en/password/reset", data={"email": "x@example.com"})
    assert response.status_code == 429
    assert outbox() == []


def test_api_token_endpoint_is_rate_limited_with_json(client, create_user):
    user = create_user()
    for _ in range(10):
        response = client.post("/api/v1/tokens", json={"email": user.email, "password": "wrong-pass-1"})
        assert response.status_code == 401
    response = client.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert response.is_json
    assert response.get_json()["error"]["code"] == "rate_limited"
    assert count_rows(ApiToken) == 0
