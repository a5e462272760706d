"""Property tests: every form of the site, submitted valid except for ONE field set to a
hostile value, never answers a server error, on SQLite and on PostgreSQL.

docs/STACK.md: a NUL byte gave a 500 on PostgreSQL only, and fully random forms never reach
the database; mutating one field of a valid submission does."""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Callable
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collab.extensions import db

from conftest import PASSWORD

FUZZ_SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

OMITTED = object()  # the mutation "leave the field out of the submission"

hostile_text = st.one_of(
    st.sampled_from([
        "", " ", "\x00", "a\x00b", "\x00" * 10, "\t\r\n", "\x1b[31m", "\x7f", "\u200b", "\ufeff",
        "\u202eevil", "ئۇيغۇرچە تېكىست", "مرحبا\u200f", "😀🇨🇳👩‍💻", "新疆离岸创新中心", "𠀀𪚥",
        "<script>alert(1)</script>", "<b>bold</b>", "&lt;&amp;", "' OR 1=1 --", "%00", "../../etc/passwd",
        "0", "-1", "1e309", "NaN", "9" * 40, "true", "null", "Asia/Urumqi\x00", "https://example.com/\x00",
        "x" * 10_000, "中" * 5_000, "a@b", "@", "user@example.com\x00",
    ]),
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=60),
    st.text(alphabet=st.characters(max_codepoint=0x1f), max_size=20),
)
mutation = st.one_of(hostile_text, st.just(OMITTED))


@pytest.fixture
def app_config(app_config):
    """The fuzzed app posts hundreds of times: no rate limits here (tested elsewhere)."""
    return {**app_config, "RATELIMIT_ENABLED": False}


@dataclass
class Site:
    """What the forms need: one app, its accounts, fresh numbers for unique values.

    Plain values, not ORM objects: each request runs in its own app context (its own
    session, as in production), and the test's session must hold no transaction, or
    SQLite's write lock would stay with it.
    """

    app: object
    member_id: int
    member_email: str
    admin_email: str
    org_id: int
    org_key: str
    numbers: itertools.count
    clients: dict

    def logged_in_client(self, email: str):
        client = self.app.test_client()
        with self.app.app_context():
            response = client.post("/en/login", data={"email": email, "password": PASSWORD})
        assert response.status_code == 302
        return client

    def reset_token(self) -> str:
        from collab.auth.models import User
        from collab.auth.services import make_reset_token

        with self.app.app_context():
            return make_reset_token(db.session.get(User, self.member_id))


@pytest.fixture
def site(app, create_user, create_org):
    org = create_org(kind="offshore_incubator")
    # example.com: the forms' e-mail validator refuses special-use domains such as .test
    member = create_user(role="center", org=org, email="member@example.com")
    admin = create_user(role="admin", email="admin@example.com")
    site = Site(app=app, member_id=member.id, member_email=member.email, admin_email=admin.email, org_id=org.id,
                org_key=org.key, numbers=itertools.count(), clients={})
    db.session.close()  # the test's own session lets go of the database
    site.clients = {"member": site.logged_in_client(site.member_email),
                    "admin": site.logged_in_client(site.admin_email)}
    return site


@dataclass
class FormCase:
    """A form: who posts it, where, and a valid submission (n makes values unique)."""

    url: Callable[[Site], str]
    valid: Callable[[Site, int], dict]
    poster: str = "anonymous"  # "anonymous" (a fresh browser each time), "member" or "admin"
    success: int = 302  # the answer to the valid submission (redirect after a saved form)


def org_fields(n: int) -> dict:
    return {"name_zh": f"测试孵化器{n}", "name_en": f"Fuzz Incubator {n}", "kind": "offshore_incubator",
            "city_zh": "深圳", "city_en": "Shenzhen", "country": "CN", "timezone": "Asia/Shanghai",
            "website": "https://example.com/", "description_zh": "离岸孵化，落地新疆。",
            "description_en": "Incubate offshore, land in Xinjiang."}


FORMS = {
    "register": FormCase(lambda s: "/en/register", lambda s, n: {
        "email": f"fuzz{n}@example.com", "password": PASSWORD, "confirm": PASSWORD, "display_name": f"Fuzz {n}",
        "locale": "zh", "timezone": "Asia/Urumqi", "role": "enterprise", "organisation": s.org_key}),
    "register_new_org": FormCase(lambda s: "/zh/register", lambda s, n: {
        "email": f"fuzz{n}@example.com", "password": PASSWORD, "confirm": PASSWORD, "display_name": f"新用户{n}",
        "locale": "zh", "timezone": "Asia/Urumqi", "role": "center", "organisation": "__new__",
        "org_name_zh": f"新机构{n}", "org_name_en": f"New Organisation {n}", "org_kind": "enterprise",
        "org_city": "Kashgar", "org_country": "CN"}),
    "login": FormCase(lambda s: "/en/login", lambda s, n: {
        "email": s.member_email, "password": PASSWORD, "remember": "y"}),
    "profile": FormCase(lambda s: "/en/account", lambda s, n: {
        "display_name": f"Member {n}", "locale": "en", "timezone": "Asia/Urumqi"}, poster="member"),
    # The new password is the old one, so every example starts from a known password.
    "change_password": FormCase(lambda s: "/en/account/password", lambda s, n: {
        "current_password": PASSWORD, "password": PASSWORD, "confirm": PASSWORD}, poster="member"),
    "reset_request": FormCase(lambda s: "/en/password/reset", lambda s, n: {"email": s.member_email}),
    "reset_password": FormCase(lambda s: f"/en/password/reset/{s.reset_token()}", lambda s, n: {
        "password": PASSWORD, "confirm": PASSWORD}),
    "organisation_create": FormCase(lambda s: "/en/admin/organisations/new", lambda s, n: org_fields(n),
                                    poster="admin"),
    "organisation_edit": FormCase(lambda s: f"/zh/admin/organisations/{s.org_id}/edit", lambda s, n: org_fields(n),
                                  poster="admin"),
    "api_token_create": FormCase(lambda s: "/en/account/tokens", lambda s, n: {"label": f"laptop {n}"},
                                 poster="member", success=200),  # the token is shown once, on a page
}


def submit(site: Site, case: FormCase, data: dict):
    """Post like a browser, in a fresh app context as production has per request."""
    with site.app.app_context():
        client = site.clients.get(case.poster) or site.app.test_client()
        return client.post(case.url(site), data=data)


@pytest.mark.slow
@pytest.mark.parametrize("form_name", sorted(FORMS))
def test_a_form_with_one_hostile_field_never_answers_a_server_error(site, form_name):
    case = FORMS[form_name]
    valid = case.valid(site, next(site.numbers))
    response = submit(site, case, valid)
    # Mutations start from a submission that really is accepted, so they reach the database.
    assert response.status_code == case.success, f"the valid {form_name} submission was refused"

    @FUZZ_SETTINGS
    @given(field=st.sampled_from(sorted(valid)), value=mutation)
    def one_field_mutated(field, value):
        data = case.valid(site, next(site.numbers))
        if value is OMITTED:
            del data[field]
        else:
            data[field] = value
        response = submit(site, case, data)
        assert response.status_code < 500, (form_name, field, value, response.status_code)

    one_field_mutated()


# JSON can also carry what a form cannot: lone surrogates ("\ud800") and huge numbers.
lone_surrogates = st.text(alphabet=st.characters(categories=["Cs"]), min_size=1, max_size=3)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | hostile_text | lone_surrogates,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=10,
)


@pytest.mark.slow
def test_the_api_token_endpoint_never_answers_a_server_error(site):
    valid = {"email": site.member_email, "password": PASSWORD, "label": "cli"}
    with site.app.app_context():
        assert site.app.test_client().post("/api/v1/tokens", json=valid).status_code == 201

    @FUZZ_SETTINGS
    @given(field=st.sampled_from(sorted(valid)), value=st.one_of(json_values, st.just(OMITTED)))
    def one_value_mutated(field, value):
        data = dict(valid)
        if value is OMITTED:
            del data[field]
        else:
            data[field] = value
        with site.app.app_context():
            response = site.app.test_client().post("/api/v1/tokens", json=data)
        assert response.status_code < 500, (field, value, response.status_code)
        assert "error" in response.get_json() or response.status_code == 201

    one_value_mutated()


@pytest.mark.parametrize("body", [b"\x00", b'{"email": "a\\u0000@example.com", "password": "x"}', b"[]", b"{",
                                  b'"text"', b"\xff\xfe", b'{"email": "a@example.com", "password": "\\ud800"}'])
def test_the_api_refuses_malformed_json_bodies_cleanly(site, body):
    with site.app.app_context():
        response = site.app.test_client().post("/api/v1/tokens", data=body, content_type="application/json")
    assert response.status_code in (400, 401), response.status_code
    assert "error" in response.get_json()


# --- hostile URLs -------------------------------------------------------------------

HOSTILE_URL_VALUES = ["\x00", "a\x00b", "x" * 3000, "<script>alert(1)</script>", "-1", "1e309", "ئۇيغۇرچە",
                      "😀", "%", "'", " "]
QUERY_NAMES = ("q", "kind", "city", "country", "sector", "stage", "direction", "status", "location", "language",
               "mode", "page", "per_page", "limit", "from", "to", "tz", "next", "sort", "year", "period")
_ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def hostile_urls(app, value: str):
    """Every GET route with its text parameters and the usual query parameters set to ``value``."""
    query = urlencode({name: value for name in QUERY_NAMES})
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint.startswith(("static", "bootstrap")):
            continue

        def fill(match):
            converter, name = match.group(1), match.group(2)
            if name == "lang":
                return "zh"
            if converter in ("int", "float"):
                return "1"
            return quote(value, safe="")

        yield f"{_ARGUMENT.sub(fill, rule.rule)}?{query}"


@pytest.mark.slow
def test_hostile_urls_and_query_strings_never_answer_a_server_error(site):
    with site.app.app_context():
        urls = {value: list(hostile_urls(site.app, value)) for value in HOSTILE_URL_VALUES}
    for value, url_list in urls.items():
        for url in url_list:
            for who in ("admin", "member") if value == "\x00" else ("admin",):
                with site.app.app_context():
                    response = site.clients[who].get(url)
                assert response.status_code < 500, (who, url[:200], response.status_code)
