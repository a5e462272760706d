"""Security of the web UI: CSRF on every form, cookie flags, security headers, hashed
passwords, and an API that ignores browser cookies. Runs on SQLite and PostgreSQL."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from http.cookies import SimpleCookie

import pytest
from flask import request_started
from flask_babel import force_locale, gettext
from sqlalchemy import inspect, select
from werkzeug.routing import IntegerConverter
from werkzeug.security import check_password_hash

from collab import create_app
from collab.auth.models import User
from collab.extensions import db
from conftest import PASSWORD, _fresh_request_globals

ADMIN_EMAIL = "boss@example.com"


@pytest.fixture
def make_app(app_config):
    """make_app(**config) -> an app on this test's database, its context pushed."""
    contexts = []

    def make(**overrides):
        application = create_app({**app_config, **overrides})
        request_started.connect(_fresh_request_globals, application)
        context = application.app_context()
        context.push()
        contexts.append(context)
        from collab.orgs.services import load_reference_data

        load_reference_data()
        db.session.commit()
        return application

    yield make
    for context in reversed(contexts):
        db.session.remove()
        db.engine.dispose()
        context.pop()


def make_member(email: str, role: str = "admin", org_key: str | None = None) -> User:
    from collab.auth.services import create_user
    from collab.orgs.models import Organisation

    org = db.session.scalar(select(Organisation).where(Organisation.key == org_key)) if org_key else None
    user = create_user(email=email, password=PASSWORD, role=role, display_name=email.split("@")[0],
                       locale="en", organisation=org)
    db.session.commit()
    return user


def login_with_csrf(client, email: str, password: str = PASSWORD, **extra):
    page = client.get("/en/login").get_data(as_text=True)
    token = re.search(r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/en/login", data={"email": email, "password": password, "csrf_token": token, **extra})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return response


def database_snapshot() -> dict[str, list[tuple]]:
    """Every row of every table, read fresh: the "nothing changed" witness."""
    db.session.expire_all()
    snapshot = {}
    existing = set(inspect(db.session.connection()).get_table_names())
    for table in db.metadata.sorted_tables:
        if table.name not in existing:  # a model whose migration is not written yet
            continue
        order = list(table.primary_key.columns) or list(table.columns)
        rows = db.session.execute(select(table).order_by(*order)).all()
        snapshot[table.name] = [tuple(row) for row in rows]
    db.session.commit()  # end the read so no transaction is left open between requests
    return snapshot


def set_cookies(response, name: str) -> list[str]:
    return [header for header in response.headers.getlist("Set-Cookie") if header.startswith(f"{name}=")]


def cookie_attributes(header: str) -> dict[str, str]:
    cookie = SimpleCookie()
    cookie.load(header)
    [morsel] = cookie.values()
    flags = {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}
    return {"httponly": "httponly" in flags, "secure": "secure" in flags,
            "samesite": morsel["samesite"], "expires": morsel["expires"], "max-age": morsel["max-age"]}


# --- CSRF -------------------------------------------------------------------------

def web_post_rules(application):
    return [rule for rule in application.url_map.iter_rules()
            if "POST" in rule.methods and not rule.rule.startswith("/api/") and rule.endpoint != "static"]


def test_every_web_form_refuses_a_post_without_csrf_token(make_app):
    from collab.auth.services import make_reset_token
    from collab.auth.tokens import issue_token
    from collab.orgs.models import Organisation
    from collab.orgs.services import unique_key

    application = make_app(WTF_CSRF_ENABLED=True)
    admin = make_member(ADMIN_EMAIL)
    pending = make_member("pending@example.com", role="enterprise", org_key="shenzhen-offshore")
    pending.membership_status = "pending"
    proposed = Organisation(key=unique_key("Proposed Org"), kind="enterprise", status="proposed",
                            name_en="Proposed Org", country="CN", timezone="Asia/Urumqi", facts={})
    db.session.add(proposed)
    _token, api_token = issue_token(admin, label="crm")
    db.session.commit()
    # Real ids, so a missing check would actually change something.
    values_by_name = {"lang": "en", "token": make_reset_token(admin), "token_id": api_token.id,
                      "user_id": pending.id, "org_id": proposed.id, "kind": "project"}
    form = {"display_name": "Hacked", "locale": "zh", "timezone": "UTC", "label": "evil", "decision": "approve",
            "password": "new-pass-123", "confirm": "new-pass-123", "current_password": PASSWORD,
            "email": ADMIN_EMAIL, "to": "closed", "note": "x", "reason": "x"}

    client = application.test_client()
    login_with_csrf(client, ADMIN_EMAIL)
    rules = web_post_rules(application)
    endpoints = {rule.endpoint for rule in rules}
    assert {"auth.login", "auth.logout", "auth.register", "auth.profile", "auth.change_password",
            "auth.reset_request", "auth.reset_password", "auth.create_token", "auth.revoke",
            "admin.decide_membership", "admin.decide_organisation"} <= endpoints

    before = database_snapshot()
    refused = []
    for rule in rules:
        values = {}
        for name, converter in rule._converters.items():
            default = 1 if isinstance(converter, IntegerConverter) else "x"
            values[name] = values_by_name.get(name, default)
        with application.test_request_context():
            url = application.url_for(rule.endpoint, **values)
        response = client.post(url, data=form)
        if response.status_code != 400:
            refused.append(f"{rule.endpoint} {url} -> {response.status_code}")
    assert refused == [], "POST without CSRF token was not refused: " + "; ".join(refused)
    assert database_snapshot() == before
    assert client.get("/en/account").status_code == 200  # the log-out without a token did nothing


def test_form_with_csrf_token_is_accepted(make_app):
    application = make_app(WTF_CSRF_ENABLED=True)
    make_member(ADMIN_EMAIL)
    client = application.test_client()
    login_with_csrf(client, ADMIN_EMAIL)
    page = client.get("/en/account").get_data(as_text=True)
    token = re.search(r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/en/account", data={"display_name": "Renamed", "locale": "en", "timezone": "UTC",
                                                "csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(User.display_name).where(User.email == ADMIN_EMAIL)) == "Renamed"
    # The log-out button in the navigation carries its own token.
    page = client.get("/en/").get_data(as_text=True)
    logout_token = re.search(r'action="/en/logout"[^>]*>\s*<input type="hidden" name="csrf_token" value="([^"]+)"',
                             page).group(1)
    assert client.post("/en/logout", data={"csrf_token": logout_token}).status_code == 302
    assert client.get("/en/account").status_code == 302


@pytest.mark.parametrize("lang, html_lang", [("zh", "zh-Hans"), ("en", "en")])
def test_csrf_refusal_is_a_page_in_the_visitors_language(make_app, lang, html_lang):
    application = make_app(WTF_CSRF_ENABLED=True)
    client = application.test_client()
    response = client.post(f"/{lang}/login", data={"email": "a@example.com", "password": "x"})
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert f'<html lang="{html_lang}">' in page
    with force_locale("zh_Hans" if lang == "zh" else "en"):
        explanation = gettext("The form may have expired. Go back, reload the page and try again.")
    assert explanation in page
    if lang == "en":
        assert "The form may have expired." in page


def test_api_needs_no_csrf_token_but_a_bearer_token(make_app):
    application = make_app(WTF_CSRF_ENABLED=True)
    make_member(ADMIN_EMAIL)
    client = application.test_client()
    response = client.post("/api/v1/tokens", json={"email": ADMIN_EMAIL, "password": PASSWORD})
    assert response.status_code == 201
    token = response.get_json()["token"]
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200


# --- cookies ------------------------------------------------------------------------

@pytest.mark.parametrize("secure", [False, True])
def test_session_and_remember_cookie_flags(make_app, secure):
    application = make_app(SESSION_COOKIE_SECURE=secure)
    make_member(ADMIN_EMAIL)
    client = application.test_client()
    response = client.post("/en/login", data={"email": ADMIN_EMAIL, "password": PASSWORD, "remember": "y"})
    assert response.status_code == 302

    [session_cookie] = set_cookies(response, application.config["SESSION_COOKIE_NAME"])
    attributes = cookie_attributes(session_cookie)
    assert attributes["httponly"] and attributes["samesite"] == "Lax"
    assert attributes["secure"] is secure

    [remember_cookie] = set_cookies(response, application.config.get("REMEMBER_COOKIE_NAME", "remember_token"))
    attributes = cookie_attributes(remember_cookie)
    assert attributes["httponly"] and attributes["samesite"] == "Lax"
    assert attributes["secure"] is secure
    # Two weeks, not Flask-Login's default of a year.
    lifetime = parsedate_to_datetime(attributes["expires"]) - datetime.now(timezone.utc)
    assert timedelta(days=13) < lifetime <= timedelta(days=14, minutes=1)

    [lang_cookie] = set_cookies(client.get("/zh/"), "collab_lang")
    assert cookie_attributes(lang_cookie)["secure"] is secure


def test_no_remember_cookie_unless_asked(make_app):
    application = make_app()
    make_member(ADMIN_EMAIL)
    response = application.test_client().post("/en/login", data={"email": ADMIN_EMAIL, "password": PASSWORD})
    assert set_cookies(response, application.config.get("REMEMBER_COOKIE_NAME", "remember_token")) == []


def test_api_sets_no_session_cookie(client, create_user):
    user = create_user()
    response = client.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 201
    assert set_cookies(response, client.application.config["SESSION_COOKIE_NAME"]) == []


# --- headers ------------------------------------------------------------------------

def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


@pytest.mark.parametrize("path, status", [
    ("/zh/", 200), ("/en/", 200), ("/en/login", 200), ("/zh/register", 200), ("/en/password/reset", 200),
    ("/en/organisations/", 200), ("/en/no-such-page", 404),
])
def test_security_headers_on_html_pages(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    assert response.mimetype == "text/html"
    headers = response.headers
    directives = csp_directives(headers["Content-Security-Policy"])
    scripts = directives.get("script-src", directives.get("default-src"))
    assert scripts and "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    assert "*" not in scripts
    assert directives.get("object-src") == ["'none'"]
    assert directives.get("frame-ancestors") in (["'none'"], ["'self'"])
    assert headers["X-Frame-Options"] in ("DENY", "SAMEORIGIN")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] in ("no-referrer", "same-origin", "strict-origin",
                                          "strict-origin-when-cross-origin")
    # The page itself obeys the policy: no inline scripts or event handlers the browser would block.
    page = response.get_data(as_text=True)
    for tag in re.findall(r"<script\b[^>]*>", page):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", page)
    # style-src 'self' blocks inline styles as well.
    assert not re.search(r"<style\b|<[^>]+\sstyle\s*=", page)
    assert "javascript:" not in page


def test_logged_in_pages_carry_the_headers_too(client, as_role):
    as_role("admin")
    for path in ("/en/account", "/en/account/password"):
        response = client.get(path)
        assert response.status_code == 200
        assert "'unsafe-inline'" not in csp_directives(response.headers["Content-Security-Policy"])["script-src"]
        assert response.headers["X-Frame-Options"] == "DENY"


def test_hsts_only_when_cookies_are_secure(make_app):
    assert "Strict-Transport-Security" not in make_app().test_client().get("/en/").headers


def test_hsts_when_cookies_are_secure(make_app):
    response = make_app(SESSION_COOKIE_SECURE=True).test_client().get("/en/")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


# --- passwords --------------------------------------------------------------------------

def test_passwords_are_stored_hashed_and_nowhere_in_clear(client):
    password = "Plain-Text-Canary-42"
    response = client.post("/en/register", data={
        "email": "canary@example.com", "display_name": "Canary", "password": password, "confirm": password,
        "locale": "en", "timezone": "Asia/Urumqi", "role": "mentor", "organisation": ""})
    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.scalar(select(User).where(User.email == "canary@example.com"))
    assert password not in user.password_hash
    assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))
    assert check_password_hash(user.password_hash, password)
    dump = repr(database_snapshot())
    assert password not in dump
    assert password.lower() not in dump.lower()


def test_production_default_hash_is_scrypt(make_app):
    from collab.auth.services import hash_password
    from collab.config import Defaults

    assert Defaults.PASSWORD_HASH_METHOD == "scrypt"
    make_app(PASSWORD_HASH_METHOD=Defaults.PASSWORD_HASH_METHOD)
    assert hash_password("some-pass-1").startswith("scrypt:")


# --- the API ignores cookies ----------------------------------------------------------------

def test_api_never_trusts_a_browser_session(client, create_user, login):
    user = create_user()
    login(user)
    assert client.get("/en/account").status_code == 200
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_api_refuses_a_bad_or_revoked_bearer(client, create_user):
    from collab.auth.tokens import issue_token, revoke_token

    user = create_user()
    token, record = issue_token(user)
    db.session.commit()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}x"}).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": f"Basic {token}"}).status_code == 401
    revoke_token(record)
    db.session.commit()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401

    fresh, _record = issue_token(user)
    user.is_enabled = False
    db.session.commit()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {fresh}"}).status_code == 401


# --- links in e-mails ------------------------------------------------------------------------

def test_reset_link_ignores_a_forged_host_header(client, create_user, outbox):
    """Password-reset poisoning: the link must point at BASE_URL, never at the request's Host."""
    user = create_user(email="victim@example.com")
    response = client.post("/en/password/reset", data={"email": user.email},
                           headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"})
    assert response.status_code == 302
    [message] = outbox()
    assert "evil.example" not in message.body_text + message.body_html
    base = client.application.config["BASE_URL"].rstrip("/")
    assert f"{base}/en/password/reset/" in message.body_text


def test_forwarded_headers_are_ignored_unless_proxies_are_configured(client, create_user):
    """Without PROXY_COUNT a client cannot escape the log-in limit by forging its address."""
    user = create_user()
    for n in range(11):
        response = client.post("/en/login", data={"email": user.email, "password": "wrong-pass-1"},
                               headers={"X-Forwarded-For": f"203.0.113.{n}"})
    assert response.status_code == 429


def test_behind_a_proxy_each_client_has_its_own_limit(make_app):
    application = make_app(PROXY_COUNT=1)
    make_member(ADMIN_EMAIL)
    client = application.test_client()
    for _ in range(11):
        response = client.post("/en/login", data={"email": ADMIN_EMAIL, "password": "wrong-pass-1"},
                               headers={"X-Forwarded-For": "203.0.113.7"})
    assert response.status_code == 429
    response = client.post("/en/login", data={"email": ADMIN_EMAIL, "password": PASSWORD},
                           headers={"X-Forwarded-For": "198.51.100.20"})
    assert response.status_code == 302
