"""Reliability: a lost database gives translated 503 pages (never a traceback), and
SQLite survives many writer processes. (Replayed session cookies: tests/test_auth.py.)"""
from __future__ import annotations

import multiprocessing
import queue

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from collab import create_app
from collab.extensions import db

from conftest import PASSWORD, TEST_CONFIG

# --- the database is gone -------------------------------------------------------

UNREACHABLE = {
    "sqlite": {"DATABASE_URL": "sqlite:////nonexistent-dir/x.db"},
    "postgresql": {  # nothing listens on port 1; no PostgreSQL server is needed for this
        "DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/none",
        "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}},
    },
}

# Views an anonymous visitor reaches without the database: the bare log-in and
# reset-request forms (submitting them answers 503), the language redirect and the
# OpenAPI document. Members-only pages redirect to log in, and API calls that are
# refused for what the request itself lacks (401 no token, 400 a required parameter)
# are refused before touching it. Everything else needs it and answers 503.
ANONYMOUS_WITHOUT_DATABASE = {"auth.login": 200, "auth.reset_request": 200, "main.root": 302, "api.openapi": 200}


@pytest.fixture(params=sorted(UNREACHABLE))
def broken_app(request):
    """An app whose database cannot be reached at all."""
    return create_app({**TEST_CONFIG, **UNREACHABLE[request.param]})


def get_rules(app):
    """(endpoint, url) of every parameter-free GET page, in both languages."""
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint.startswith(("static", "bootstrap")):
            continue
        if set(rule.arguments) - {"lang"}:
            continue
        langs = ("zh", "en") if "lang" in rule.arguments else (None,)
        for lang in langs:
            yield rule.endpoint, rule.rule.replace("<lang:lang>", lang or "")


def page_lang(url: str) -> str:
    return "zh" if url.startswith("/zh/") else "en"


def assert_unavailable_page(app, response, lang: str) -> None:
    assert response.status_code == 503, (response.request.path, response.get_data(as_text=True)[:300])
    assert int(response.headers["Retry-After"]) > 0
    page = response.get_data(as_text=True)
    assert f'<html lang="{"zh-Hans" if lang == "zh" else "en"}">' in page
    with app.test_request_context(f"/{lang}/"), force_locale(app.config["LANGUAGES"][lang]):
        heading = gettext("Temporarily unavailable")
    assert heading in page  # the heading in the page's own language
    assert "Traceback" not in page


def assert_unavailable_api(response) -> None:
    assert response.status_code == 503, response.request.path
    assert int(response.headers["Retry-After"]) > 0
    assert response.get_json()["error"]["code"] == "service_unavailable"


def test_every_page_answers_503_to_a_visitor_when_the_database_is_gone(broken_app):
    client = broken_app.test_client()
    seen = set()
    for endpoint, url in get_rules(broken_app):
        seen.add(endpoint)
        response = client.get(url)
        if endpoint in ANONYMOUS_WITHOUT_DATABASE:
            assert response.status_code == ANONYMOUS_WITHOUT_DATABASE[endpoint], url
        elif url == "/healthz":
            assert response.status_code == 503
            assert response.get_json()["status"] == "unavailable"
        elif url.startswith("/api/") and response.status_code in (400, 401):
            assert response.get_json()["error"]["code"] in ("unauthorized", "validation_error"), url
        elif url.startswith("/api/"):
            assert_unavailable_api(response)
        elif response.status_code == 302:
            # A members-only page sends the visitor to log in before touching the database.
            assert "/login?next=" in response.headers["Location"], url
        else:
            assert_unavailable_page(broken_app, response, page_lang(url))
    assert {"main.home", "orgs.directory", "auth.register", "main.healthz"} <= seen
    for lang in ("zh", "en"):
        assert_unavailable_page(broken_app, client.get(f"/{lang}/organisations/shenzhen-offshore"), lang)


def test_a_signed_in_member_gets_503_not_500_when_the_database_is_gone(broken_app):
    client = broken_app.test_client()
    with client.session_transaction() as session:  # a valid cookie of a member, id 1
        session["_user_id"] = "1:some-session-token"
        session["_fresh"] = True
    for endpoint, url in get_rules(broken_app):
        if url.startswith("/api/") or url == "/healthz":
            continue  # the API ignores cookies; /healthz has its own answer
        response = client.get(url)
        assert_unavailable_page(broken_app, response, page_lang(url) if url != "/" else "zh")


def test_the_api_answers_json_503_when_the_database_is_gone(broken_app):
    client = broken_app.test_client()
    assert_unavailable_api(client.get("/api/v1/me", headers={"Authorization": "Bearer some-token"}))
    assert_unavailable_api(client.get("/api/v1/organisations"))
    assert_unavailable_api(client.post("/api/v1/tokens", json={"email": "a@example.test", "password": "x"}))


def test_a_form_posted_while_the_database_is_gone_answers_503(broken_app):
    client = broken_app.test_client()
    response = client.post("/zh/login", data={"email": "a@example.test", "password": PASSWORD})
    assert_unavailable_page(broken_app, response, "zh")


# --- many SQLite writers at once --------------------------------------------------

WORKERS = 8
TRANSACTIONS = 25


def _write_accounts(url: str, worker: str, begin_immediate: bool, barrier, results) -> None:
    """One writer process: TRANSACTIONS read-then-write registrations, half through the
    service in a unit of work (as jobs and commands run), half through the real
    /en/register form. ``begin_immediate=False`` is the canary: this process's write
    scopes no longer take SQLite's write lock at BEGIN."""
    from sqlalchemy.exc import OperationalError

    import collab.db
    from collab.auth.services import register_user
    from collab.unit_of_work import unit_of_work

    if not begin_immediate:
        collab.db.in_write_scope = lambda: False  # a spawned process of its own: no undo needed
    done, locked, other = 0, 0, []
    try:
        app = create_app({**TEST_CONFIG, "DATABASE_URL": url})
    except Exception as error:
        barrier.abort()  # release the others at once instead of letting them time out
        results.put({"worker": worker, "done": done, "locked": locked, "other": [repr(error)[:200]]})
        return
    barrier.wait(timeout=120)  # every worker starts writing at the same moment
    for n in range(TRANSACTIONS):
        email = f"writer{worker}-{n}@example.com"
        try:
            if n % 2:
                with app.app_context():
                    try:
                        with unit_of_work():
                            register_user(email=email, password=PASSWORD, display_name=f"Writer {worker}-{n}",
                                          locale="en", timezone="Asia/Urumqi", role="mentor")
                    finally:
                        db.session.remove()
            else:
                response = app.test_client().post("/en/register", data={
                    "email": email, "password": PASSWORD, "confirm": PASSWORD, "display_name": f"Writer {worker}-{n}",
                    "locale": "en", "timezone": "Asia/Urumqi", "role": "mentor", "organisation": "",
                })
                if response.status_code == 503:  # the app's answer to an OperationalError
                    locked += 1
                    continue
                if response.status_code != 302:
                    other.append(f"register answered {response.status_code}")
                    continue
            done += 1
        except OperationalError as error:
            if "database is locked" in str(error):
                locked += 1
            else:
                other.append(repr(error)[:200])
        except Exception as error:  # reported, so the parent fails with the reason
            other.append(repr(error)[:200])
    with app.app_context():
        db.engine.dispose()
    results.put({"worker": worker, "done": done, "locked": locked, "other": other})


def run_writers(url: str, begin_immediate: bool, run: int = 0) -> list[dict]:
    """WORKERS processes registering at once; each reports what happened to it."""
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(WORKERS), ctx.Queue()
    processes = [ctx.Process(target=_write_accounts, args=(url, f"{run}-{w}", begin_immediate, barrier, results))
                 for w in range(WORKERS)]
    for process in processes:
        process.start()
    reports = []
    try:
        for _ in processes:
            reports.append(results.get(timeout=240))
    except queue.Empty:
        pytest.fail(f"only {len(reports)} of {WORKERS} writer processes reported: {reports}")
    finally:
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.terminate()
    assert all(p.exitcode == 0 for p in processes), [p.exitcode for p in processes]
    return reports


def count_users(url: str) -> int:
    from collab.auth.models import User

    app = create_app({**TEST_CONFIG, "DATABASE_URL": url})
    with app.app_context():
        try:
            return db.session.scalar(select(func.count(User.id)))
        finally:
            db.session.remove()
            db.engine.dispose()


@pytest.mark.slow
@pytest.mark.committed  # writer processes
@pytest.mark.parametrize("migrated_database", ["sqlite"], indirect=True)
def test_eight_sqlite_writer_processes_never_see_database_is_locked(app_config):
    url = app_config["DATABASE_URL"]
    reports = run_writers(url, begin_immediate=True)
    assert [r["locked"] for r in reports] == [0] * WORKERS, reports
    assert [r["other"] for r in reports] == [[]] * WORKERS, reports
    assert sum(r["done"] for r in reports) == WORKERS * TRANSACTIONS
    assert count_users(url) == WORKERS * TRANSACTIONS


@pytest.mark.slow
@pytest.mark.committed  # writer processes
@pytest.mark.parametrize("migrated_database", ["sqlite"], indirect=True)
def test_canary_plain_begin_does_hit_database_is_locked(app_config):
    """The guard matters: with a deferred BEGIN the same load fails (docs/STACK.md: 87.5%)."""
    url = app_config["DATABASE_URL"]
    locked = 0
    for attempt in range(3):
        reports = run_writers(url, begin_immediate=False, run=attempt)
        locked += sum(r["locked"] for r in reports)
        if locked:
            break
    assert locked > 0, "plain BEGIN never collided; the writer test may not be exercising contention"
