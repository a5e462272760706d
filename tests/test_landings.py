"""Landing records (落地): recording a landing moves the project to landed; the receiving
base's administrators confirm or question it; the owner corrects; only confirmed landings
count and are listed on organisation pages. Services, pages, notifications."""
from __future__ import annotations

import html
import re
from datetime import date

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from collab.content import services as content
from collab.errors import InvalidFields, NotAllowed, WrongState
from collab.extensions import db
from collab.notifications.models import Notification
from collab.projects import landing as landings
from collab.projects.models import Landing, Project
from conftest import count_rows
from content_factories import page, refused, reload

TODAY = date(2026, 12, 1)  # NOW (frozen) in Beijing time


@pytest.fixture
def world(frozen, create_org, create_user, make_project, make_admin):
    base = create_org(kind="xinjiang_base", key="hami-base", name_zh="哈密高新区", name_en="Hami High-tech Zone")
    other_base = create_org(kind="xinjiang_base", key="other-base")
    owner = create_user(role="center", locale="en")
    people = {
        "owner": owner,
        "other_center": create_user(role="center"),
        "enterprise": create_user(role="enterprise"),
        "base_admin": create_user(role="admin", org=base, locale="zh"),
        "other_base_admin": create_user(role="admin", org=other_base),
        "network_admin": make_admin(),
    }
    project = make_project(owner, "in_incubation")
    return {"base": base, "other_base": other_base, "project": project, **people}


def landing_data(world, **fields) -> dict:
    data = {"city": "hami", "base_id": world["base"].id, "landed_on": TODAY.isoformat(),
            "company_name": "哈密钙钛矿光伏科技有限公司", "investment_cny": 20_000_000, "jobs": 45}
    data.update(fields)
    return data


def record(world, actor=None, **fields) -> Landing:
    landing = landings.record_landing(world["project"], actor or world["owner"], landing_data(world, **fields))
    db.session.commit()
    return landing


def notes_of(user, kind=None) -> list[Notification]:
    db.session.expire_all()
    statement = select(Notification).where(Notification.user_id == user.id)
    if kind:
        statement = statement.where(Notification.kind == kind)
    return list(db.session.scalars(statement.order_by(Notification.id)))


def in_locale(message, lang: str) -> str:
    with force_locale("zh_Hans" if lang == "zh" else "en"):
        return str(message)


def rendered(notification, lang: str) -> str:
    from collab.notifications.messages import message

    with force_locale("zh_Hans" if lang == "zh" else "en"):
        return message(notification)


# --- recording -----------------------------------------------------------------------------

def test_recording_a_landing_moves_the_project_and_asks_the_base(world, app, outbox):
    landing = record(world)
    project = reload(world["project"])
    assert project.status == "landed"
    assert (landing.status, landing.via_id, landing.base_id, landing.recorded_by_id) == (
        "pending", world["owner"].organisation_id, world["base"].id, world["owner"].id)
    assert (landing.city, landing.landed_on, landing.investment_cny, landing.jobs) == ("hami", TODAY, 20_000_000, 45)
    assert [c.to_status for c in content.history(project)][-1] == "landed"
    # The base's own admin is told, in Chinese; admins of other bases and the network are not.
    told = notes_of(world["base_admin"], "landing_recorded")
    assert len(told) == 1 and told[0].params["item_id"] == project.id
    with app.test_request_context("/zh/"):
        text = rendered(told[0], "zh")
    assert project.title_zh in text
    assert not notes_of(world["other_base_admin"], "landing_recorded")
    assert not notes_of(world["network_admin"], "landing_recorded")
    assert [m for m in outbox() if m.recipient == world["base_admin"].email][-1].locale == "zh"


def test_a_base_without_admins_is_answered_by_the_network(world, create_org):
    lonely = create_org(kind="xinjiang_base")
    record(world, base_id=lonely.id)
    assert notes_of(world["network_admin"], "landing_recorded")
    assert not notes_of(world["base_admin"], "landing_recorded")


def test_the_generic_step_to_landed_is_refused_without_a_landing(world, client, login):
    project = world["project"]
    with pytest.raises(WrongState) as refusal:
        content.transition_item(project, "landed", world["owner"])
    assert refusal.value.code == "landing_required"
    db.session.rollback()
    login(world["owner"])
    response = client.post(f"/en/projects/{project.id}/transition", data={"to": "landed"}, follow_redirects=True)
    assert in_locale(refusal.value.message, "en") in html.unescape(page(response))
    assert reload(project).status == "in_incubation" and count_rows(Landing) == 0


def test_other_steps_are_not_held_back(world):
    content.transition_item(world["project"], "closed", world["owner"])
    assert world["project"].status == "closed"


BAD_INPUT = [
    ("city", None), ("city", ""), ("city", "beijing"), ("city", 7),
    ("base_id", None), ("base_id", "abc"), ("base_id", -1), ("base_id", 10**30), ("base_id", "enterprise"),
    ("base_id", "unapproved"),
    ("landed_on", None), ("landed_on", "yesterday"), ("landed_on", "2026-02-30"), ("landed_on", "2026-12-02"),
    ("landed_on", "2026-11-30"), ("landed_on", 20261201),
    ("company_name", None), ("company_name", "   "), ("company_name", "x" * 201), ("company_name", "<b>Co</b>"),
    ("company_name", "a\x00b"),
    ("investment_cny", None), ("investment_cny", -1), ("investment_cny", "much"), ("investment_cny", 10**13 + 1),
    ("investment_cny", 1.5), ("investment_cny", True),
    ("jobs", None), ("jobs", -5), ("jobs", "many"), ("jobs", 10**6 + 1), ("jobs", 10**40),
]


def _bad_value(world, create_org, field, value):
    if value == "enterprise":
        return create_org(kind="enterprise").id
    if value == "unapproved":
        return create_org(kind="xinjiang_base", status="proposed").id
    return value


@pytest.mark.parametrize("field, value", BAD_INPUT)
def test_bad_input_is_refused_field_by_field_and_saves_nothing(world, create_org, field, value):
    data = landing_data(world, **{field: _bad_value(world, create_org, field, value)})
    with pytest.raises(InvalidFields) as refusal:
        landings.record_landing(world["project"], world["owner"], data)
    db.session.rollback()
    assert set(refusal.value.fields) == {field}
    assert all(str(m) for m in refusal.value.fields[field])
    assert reload(world["project"]).status == "in_incubation"
    assert count_rows(Landing) == 0 and not notes_of(world["base_admin"])


def test_every_bad_field_at_once(world):
    with pytest.raises(InvalidFields) as refusal:
        landings.record_landing(world["project"], world["owner"], {})
    assert set(refusal.value.fields) == set(landings.FIELDS)


@pytest.mark.parametrize("status", ["draft", "pending_review", "landed", "graduated", "closed"])
def test_only_published_or_incubated_projects_land(world, make_project, status):
    project = make_project(world["owner"], status)
    with pytest.raises(WrongState):
        landings.record_landing(project, world["owner"], landing_data(world))
    db.session.rollback()
    assert count_rows(Landing) == 0


@pytest.mark.parametrize("who, allowed", [("owner", True), ("network_admin", True), ("base_admin", True),
                                          ("other_center", False), ("enterprise", False)])
def test_who_records_a_landing(world, who, allowed):
    if allowed:
        record(world, actor=world[who])
        assert reload(world["project"]).status == "landed"
    else:
        with pytest.raises(NotAllowed):
            landings.record_landing(world["project"], world[who], landing_data(world))
        db.session.rollback()
        assert count_rows(Landing) == 0


# --- confirming and questioning -------------------------------------------------------------

@pytest.mark.parametrize("who, allowed", [("base_admin", True), ("network_admin", True), ("other_base_admin", False),
                                          ("owner", False), ("other_center", False)])
@pytest.mark.parametrize("decision", ["confirm", "question"])
def test_who_answers_a_landing(world, who, allowed, decision):
    landing = record(world)
    act = landings.confirm_landing if decision == "confirm" else landings.question_landing
    if allowed:
        act(landing, world[who], "Checked with the registry.")
        db.session.commit()
        assert reload(landing).status == ("confirmed" if decision == "confirm" else "questioned")
        assert reload(landing).reviewed_by_id == world[who].id
    else:
        with pytest.raises(NotAllowed):
            act(landing, world[who], "Checked with the registry.")
        db.session.rollback()
        assert reload(landing).status == "pending" and reload(landing).reviewed_by_id is None


@pytest.mark.parametrize("owner_lang", ["en", "zh"])
def test_the_owner_is_told_of_the_answer_in_their_language(world, app, create_user, make_project, owner_lang, outbox):
    owner = create_user(role="center", locale=owner_lang)
    world["project"] = make_project(owner, "published")
    landing = landings.record_landing(world["project"], owner, landing_data(world))
    landings.question_landing(landing, world["base_admin"], "营业执照号码不符")
    db.session.commit()
    (note,) = notes_of(owner, "landing_questioned")
    assert note.params["note"] == "营业执照号码不符"
    with app.test_request_context(f"/{owner_lang}/"):
        assert "营业执照号码不符" in rendered(note, owner_lang)
    assert outbox()[-1].recipient == owner.email and outbox()[-1].locale == owner_lang
    landings.update_landing(landing, owner, {"company_name": "哈密光伏有限公司"})
    landings.confirm_landing(landing, world["base_admin"])
    db.session.commit()
    assert len(notes_of(owner, "landing_confirmed")) == 1
    assert len(notes_of(world["base_admin"], "landing_recorded")) == 2  # recorded, then corrected


def test_questioning_needs_a_note(world):
    landing = record(world)
    for note in (None, "", "   "):
        with pytest.raises(InvalidFields) as refusal:
            landings.question_landing(landing, world["base_admin"], note)
        assert set(refusal.value.fields) == {"note"}
        db.session.rollback()
    assert reload(landing).status == "pending"


def test_a_confirmed_landing_is_final(world):
    landing = record(world)
    landings.confirm_landing(landing, world["base_admin"])
    db.session.commit()
    with pytest.raises(WrongState):
        landings.update_landing(landing, world["owner"], {"jobs": 50})
    db.session.rollback()
    for act in (landings.confirm_landing, landings.question_landing):
        with pytest.raises(WrongState):
            act(landing, world["base_admin"], "again")
        db.session.rollback()
    assert reload(landing).jobs == 45


def test_a_correction_is_checked_and_awaits_confirmation_again(world):
    landing = record(world)
    landings.question_landing(landing, world["base_admin"], "Which city?")
    db.session.commit()
    with pytest.raises(InvalidFields):
        landings.update_landing(landing, world["owner"], {"city": "paris"})
    db.session.rollback()
    assert reload(landing).city == "hami"
    with pytest.raises(NotAllowed):
        landings.update_landing(landing, world["other_center"], {"city": "kashgar"})
    db.session.rollback()
    landings.update_landing(landing, world["owner"], {"city": "kashgar"})
    db.session.commit()
    assert (reload(landing).city, reload(landing).status) == ("kashgar", "pending")


# --- what counts ------------------------------------------------------------------------------

def test_only_confirmed_landings_count(world, make_project, create_user):
    landing = record(world)
    assert landings.confirmed_landings() == []
    other_owner = create_user(role="center")
    other = make_project(other_owner, "published")
    second = landings.record_landing(other, other_owner, landing_data(world, base_id=world["other_base"].id))
    landings.confirm_landing(landing, world["base_admin"])
    db.session.commit()
    assert [l.id for l in landings.confirmed_landings()] == [landing.id]
    assert [l.id for l in landings.confirmed_landings(base_ids=[world["base"].id])] == [landing.id]
    assert landings.confirmed_landings(base_ids=[world["other_base"].id]) == []
    assert [l.id for l in landings.confirmed_landings(via_ids=[world["owner"].organisation_id])] == [landing.id]
    assert [l.id for l in landings.confirmed_landings(org_ids=[world["owner"].organisation_id])] == [landing.id]
    assert landings.confirmed_landings(start=date(2026, 12, 2)) == []
    assert landings.confirmed_landings(end=TODAY) == []
    assert [l.id for l in landings.confirmed_landings(start=TODAY, end=date(2026, 12, 2))] == [landing.id]
    assert second.status == "pending"


# --- pages --------------------------------------------------------------------------------------

def _form(world, **fields) -> dict:
    data = landing_data(world, **fields)
    return {k: "" if v is None else str(v) for k, v in data.items()}


def test_the_project_page_offers_the_landing_form_not_the_bare_step(world, client, login):
    project = world["project"]
    login(world["owner"])
    text = page(client.get(f"/en/projects/{project.id}"))
    assert f"/en/projects/{project.id}/landing" in text and 'value="landed"' not in text
    form = page(client.get(f"/en/projects/{project.id}/landing"))
    for name in landings.FIELDS:
        assert f'id="{name}"' in form and f'for="{name}"' in form
    assert "Hami High-tech Zone" in form and world["other_base"].name_en in form


def test_recording_through_the_form(world, client, login):
    project = world["project"]
    login(world["owner"])
    response = client.post(f"/en/projects/{project.id}/landing", data=_form(world))
    assert response.status_code == 302
    assert reload(project).status == "landed" and count_rows(Landing) == 1


@pytest.mark.parametrize("field, value", [("city", "paris"), ("base_id", ""), ("landed_on", "2026-12-09"),
                                          ("landed_on", "2026-11-30"), ("company_name", ""),
                                          ("investment_cny", "-3"), ("investment_cny", "lots"),
                                          ("jobs", "1000001"), ("jobs", "9" * 40)])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_form_shows_translated_errors_and_saves_nothing(world, client, login, app, field, value, lang):
    project = world["project"]
    login(world["owner"], lang=lang)
    text = page(client.post(f"/{lang}/projects/{project.id}/landing", data=_form(world, **{field: value})))
    error = re.search(rf'id="{field}-error"[^>]*>(.*?)</div>', text, re.S)
    assert error, f"no error beside {field}"
    with pytest.raises(InvalidFields) as refusal:
        landings.clean_landing(project, landing_data(world, **{field: value}))
    with app.test_request_context(f"/{lang}/"):
        expected = in_locale(refusal.value.fields[field][0], lang)
    assert html.unescape(error.group(1).strip()) == expected
    assert reload(project).status == "in_incubation" and count_rows(Landing) == 0


@pytest.mark.parametrize("role", ["visitor", "other_center", "enterprise"])
def test_others_cannot_reach_the_landing_form(world, client, login, role):
    project = world["project"]
    if role != "visitor":
        login(world[role])
    assert refused(client.get(f"/en/projects/{project.id}/landing"), 403)
    assert refused(client.post(f"/en/projects/{project.id}/landing", data=_form(world)), 403)
    assert reload(project).status == "in_incubation" and count_rows(Landing) == 0


def test_the_project_page_shows_the_landing_to_every_reader(world, client, login):
    landing = record(world)
    project = world["project"]
    text = html.unescape(page(client.get(f"/en/projects/{project.id}")))
    assert 'id="landing"' in text and "Hami" in text and "Hami High-tech Zone" in text
    assert landing.company_name in text and "CN¥20,000,000.00" in text and ">45<" in text
    assert str(landings.LANDING_STATUS_LABELS["pending"]) in text
    assert 'name="decision"' not in text  # visitors get no buttons
    zh = html.unescape(page(client.get(f"/zh/projects/{project.id}")))
    assert "哈密高新区" in zh


@pytest.mark.parametrize("who, sees", [("base_admin", True), ("network_admin", True), ("other_base_admin", False),
                                       ("owner", False)])
def test_only_the_base_sees_the_answer_buttons(world, client, login, who, sees):
    record(world)
    login(world[who])
    text = page(client.get(f"/en/projects/{world['project'].id}"))
    assert ('value="question"' in text) is sees


@pytest.mark.parametrize("who, code", [("base_admin", 302), ("network_admin", 302), ("other_base_admin", 403),
                                       ("owner", 403), ("other_center", 403), ("visitor", None)])
def test_answering_through_the_page(world, client, login, who, code):
    landing = record(world)
    if who != "visitor":
        login(world[who])
    response = client.post(f"/en/projects/{world['project'].id}/landing/review",
                           data={"decision": "question", "note": "Registry number?"})
    if code == 302:
        assert response.status_code == 302
        assert (reload(landing).status, reload(landing).review_note) == ("questioned", "Registry number?")
        text = html.unescape(page(client.get(f"/en/projects/{world['project'].id}")))
        assert "Registry number?" in text and str(landings.LANDING_STATUS_LABELS["questioned"]) in text
    else:
        assert refused(response, 403)
        assert reload(landing).status == "pending"


def test_questioning_on_the_page_without_a_note_changes_nothing(world, client, login):
    landing = record(world)
    login(world["base_admin"])
    client.post(f"/en/projects/{world['project'].id}/landing/review", data={"decision": "question", "note": ""})
    assert reload(landing).status == "pending"


def test_the_owner_corrects_a_questioned_landing_on_the_form(world, client, login):
    landing = record(world)
    landings.question_landing(landing, world["base_admin"], "Wrong base?")
    db.session.commit()
    login(world["owner"])
    form = html.unescape(page(client.get(f"/en/projects/{world['project'].id}/landing")))
    assert "Wrong base?" in form and landing.company_name in form
    response = client.post(f"/en/projects/{world['project'].id}/landing", data=_form(world, jobs="60"))
    assert response.status_code == 302
    assert (reload(landing).jobs, reload(landing).status) == (60, "pending")


# --- organisation pages ------------------------------------------------------------------------

def test_organisation_pages_list_confirmed_landings_only(world, client, make_project, create_user):
    landing = record(world)
    other_owner = create_user(role="center")
    pending_project = make_project(other_owner, "published", title_en="Pending landing project")
    landings.record_landing(pending_project, other_owner, landing_data(world))
    db.session.commit()
    base_page = page(client.get("/en/organisations/hami-base"))
    assert "Pending landing project" not in base_page and 'data-landings="at"' not in base_page
    landings.confirm_landing(landing, world["base_admin"])
    db.session.commit()
    base_page = html.unescape(page(client.get("/en/organisations/hami-base")))
    assert 'data-landings="at"' in base_page and world["project"].title_en in base_page
    assert "Pending landing project" not in base_page
    via_key = world["owner"].organisation.key
    via_page = html.unescape(page(client.get(f"/en/organisations/{via_key}")))
    assert 'data-landings="via"' in via_page and "Hami High-tech Zone" in via_page
    assert 'data-landings="at"' not in via_page


def test_organisation_page_queries_do_not_grow_with_landings(world, client, make_project, create_user, app):
    from sqlalchemy import event

    def queries() -> int:
        count = {"n": 0}

        def bump(*_args):
            count["n"] += 1

        engine = db.engine
        event.listen(engine, "before_cursor_execute", bump)
        try:
            page(client.get("/en/organisations/hami-base"))
        finally:
            event.remove(engine, "before_cursor_execute", bump)
        return count["n"]

    landing = record(world)
    landings.confirm_landing(landing, world["base_admin"])
    db.session.commit()
    one = queries()
    for n in range(3):
        owner = create_user(role="center")
        project = make_project(owner, "published", title_en=f"Landed {n}")
        extra = landings.record_landing(project, owner, landing_data(world))
        landings.confirm_landing(extra, world["base_admin"])
    db.session.commit()
    assert queries() == one


@pytest.mark.parametrize("who", ["base_admin", "network_admin", "other_base_admin", "owner", "other_center"])
def test_who_answers_follows_the_reports_rule(world, who):
    from collab.reports.services import administers

    landing = record(world)
    assert landings.may_review(landing, world[who]) is administers(world[who], world["base"])


def test_the_base_finds_the_landings_awaiting_its_answer(world, client, login):
    landing = record(world)
    assert landings.awaiting_answer(world["base_admin"]) == [landing]
    assert landings.awaiting_answer(world["network_admin"]) == [landing]
    assert landings.awaiting_answer(world["other_base_admin"]) == []
    assert landings.awaiting_answer(world["owner"]) == []

    login(world["base_admin"])
    page = client.get("/zh/reports/").get_data(as_text=True)
    assert "等待您确认的落地" in page and "哈密钙钛矿光伏科技有限公司" in page
    login(world["other_base_admin"])
    assert "哈密钙钛矿光伏科技有限公司" not in client.get("/en/reports/").get_data(as_text=True)

    landings.confirm_landing(landing, world["base_admin"])
    db.session.commit()
    assert landings.awaiting_answer(world["base_admin"]) == []
