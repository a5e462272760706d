"""Matching in the application: stored matches across the two languages, their reasons,
the rules for expired and anonymous items, introductions (对接) and the weekly digest."""
from __future__ import annotations

import pytest
from zoneinfo import ZoneInfo
from sqlalchemy import func, select

from collab.extensions import db
from collab.matching import introductions
from collab.matching.models import DigestSend, Introduction, Match
from collab.matching.store import needs_for_project, projects_for_need, refresh_all
from conftest import count_rows
from content_factories import reload

GRAPHENE_NEED_ZH = dict(
    title_zh="石墨烯导热膜量产工艺", title_en=None,
    description_zh="我公司在喀什建设电子材料产线，需要石墨烯导热膜的连续化量产工艺和设备，用于手机散热。",
    description_en=None, sectors=[], kind="technology", location="kashgar",
    budget_min_cny=2_000_000, budget_max_cny=8_000_000,
)
GRAPHENE_PROJECT_EN = dict(
    title_zh=None, title_en="Graphene thermal film roll-to-roll production",
    summary_zh=None,
    summary_en="Our Shanghai team makes graphene heat-spreading film for smartphones on a continuous roll-to-roll line "
               "and wants to land a production base in Xinjiang.",
    sectors=[], stage="early_revenue", funding_sought_cny=5_000_000, city="Shanghai",
)
UNRELATED_PROJECT = dict(
    title_zh="跨境电商海外仓", title_en="Cross-border e-commerce overseas warehouse",
    summary_zh="在塔什干运营海外仓，服务新疆出口企业。",
    summary_en="An overseas warehouse in Tashkent serving exporters from Xinjiang.",
    sectors=["ecommerce_logistics"], stage="growth", funding_sought_cny=3_000_000, city="Tashkent",
)


@pytest.fixture
def people(create_user):
    return {
        "enterprise": create_user(role="enterprise", locale="zh"),
        "center": create_user(role="center", locale="en"),
        "other_center": create_user(role="center", locale="en"),
    }


@pytest.fixture
def pair(people, make_need, make_project):
    """A Chinese-only need and an English-only project about the same technology, both public."""
    make_project(people["other_center"], "published", **UNRELATED_PROJECT)
    project = make_project(people["center"], "published", **GRAPHENE_PROJECT_EN)
    need = make_need(people["enterprise"], "open", **GRAPHENE_NEED_ZH)
    return need, project


def test_chinese_only_need_finds_english_only_project_with_shared_terms(pair, people):
    need, project = pair
    found = projects_for_need(need, people["enterprise"])
    assert found and found[0].project_id == project.id
    terms = found[0].reasons["terms"]
    assert {"zh": "石墨烯", "en": "graphene"} in [{"zh": t["zh"], "en": t["en"]} for t in terms]
    assert 0 < found[0].score <= 1


def test_english_only_project_finds_chinese_only_need(pair, people):
    need, project = pair
    found = needs_for_project(project, people["center"])
    assert [m.need_id for m in found][:1] == [need.id]


def test_need_page_shows_recommendations_with_terms_to_its_owner_only(pair, people, client, login):
    need, project = pair
    login(people["enterprise"], lang="zh")
    page = client.get(f"/zh/needs/{need.id}").get_data(as_text=True)
    assert 'id="recommended"' in page
    assert "石墨烯" in page and "graphene" in page
    assert f"/zh/projects/{project.id}" in page
    client.post("/zh/logout")
    login(people["other_center"])
    assert 'id="recommended"' not in client.get(f"/en/needs/{need.id}").get_data(as_text=True)


def test_expired_need_and_closed_project_never_match(pair, people):
    from collab.content import services as content

    need, project = pair
    content.record_change(need, "expired", None)
    db.session.commit()
    assert db.session.scalar(select(func.count(Match.id)).where(Match.need_id == need.id)) == 0
    assert needs_for_project(project, people["center"]) == []
    content.record_change(project, "closed", people["center"])
    db.session.commit()
    refresh_all()
    db.session.commit()
    assert db.session.scalar(select(func.count(Match.id)).where(Match.project_id == project.id)) == 0


def test_anonymous_need_matches_but_hides_its_organisation(people, make_need, make_project, client, login):
    project = make_project(people["center"], "published", **GRAPHENE_PROJECT_EN)
    need = make_need(people["enterprise"], "open", visibility="anonymous", **GRAPHENE_NEED_ZH)
    assert [m.need_id for m in needs_for_project(project, people["center"])] == [need.id]
    login(people["center"])
    page = client.get(f"/en/projects/{project.id}").get_data(as_text=True)
    assert f"/en/needs/{need.id}" in page
    org = people["enterprise"].organisation
    detail = client.get(f"/en/needs/{need.id}").get_data(as_text=True)
    assert org.name_en not in detail and org.name_zh not in detail


def test_members_only_need_is_not_recommended_to_a_pending_member(people, create_user, make_need, make_project):
    pending = create_user(role="center", approved=False)
    project = make_project(pending, "published", **GRAPHENE_PROJECT_EN)
    make_need(people["enterprise"], "open", visibility="members", **GRAPHENE_NEED_ZH)
    assert needs_for_project(project, pending) == []


# --- introductions ----------------------------------------------------------------------

def test_introduction_flow_notifies_each_party_in_their_language(pair, people, outbox):
    from collab.errors import WrongState

    need, project = pair
    intro = introductions.express_interest(people["enterprise"], need, project, "我们想试点你们的产线。")
    db.session.commit()
    assert intro.status == "proposed" and intro.initiator_side == "need"
    mails = outbox()
    assert mails[-1].recipient == people["center"].email and mails[-1].locale == "en"
    introductions.act(intro, "accept", people["center"])
    db.session.commit()
    assert outbox()[-1].recipient == people["enterprise"].email and outbox()[-1].locale == "zh"
    introductions.act(intro, "meeting_held", people["enterprise"])
    from collab.matching import contracts

    with pytest.raises(WrongState):  # a signing without its contract
        introductions.act(intro, "agreement_signed", people["center"])
    contracts.record_contract(intro, people["center"], {"contract_type": "technology_service",
                                                        "contract_value_cny": "800000",
                                                        "signed_on": contracts.today_in_beijing().isoformat()})
    db.session.commit()
    intro = reload(intro)
    assert intro.status == "agreement_signed" and intro.signed_at and intro.meeting_at
    assert [c.to_status for c in introductions.history(intro)] == ["proposed", "accepted", "meeting_held", "agreement_signed"]


@pytest.mark.parametrize("action", ["accept", "decline"])
def test_initiator_cannot_answer_their_own_introduction(pair, people, action):
    from collab.errors import NotAllowed

    need, project = pair
    intro = introductions.express_interest(people["center"], need, project, "Let us talk.")
    db.session.commit()
    with pytest.raises(NotAllowed):
        introductions.act(intro, action, people["center"], reason="too_early")
    db.session.rollback()
    assert reload(intro).status == "proposed"


def test_decline_needs_a_typed_reason_and_illegal_steps_are_refused(pair, people):
    from collab.errors import ServiceError, WrongState

    need, project = pair
    intro = introductions.express_interest(people["center"], need, project, "Let us talk.")
    db.session.commit()
    with pytest.raises(WrongState):
        introductions.act(intro, "agreement_signed", people["enterprise"])
    db.session.rollback()
    with pytest.raises(ServiceError) as refused:
        introductions.act(intro, "decline", people["enterprise"], reason="because")
    assert (refused.value.status, refused.value.field) == (400, "reason")
    db.session.rollback()
    introductions.act(intro, "decline", people["enterprise"], reason="budget")
    db.session.commit()
    assert reload(intro).status == "declined" and reload(intro).decline_reason == "budget"


def test_only_owners_of_a_matched_pair_express_interest(pair, people, create_user):
    from collab.errors import NotAllowed, WrongState

    need, project = pair
    with pytest.raises(NotAllowed):
        introductions.express_interest(people["other_center"], need, project, "Hi")
    db.session.rollback()
    introductions.express_interest(people["enterprise"], need, project, "Hi")
    db.session.commit()
    with pytest.raises(WrongState):
        introductions.express_interest(people["center"], need, project, "Hi again")
    db.session.rollback()
    assert count_rows(Introduction) == 1


@pytest.mark.parametrize("role, expected", [("visitor", 302), ("other_center", 404), ("admin", 200)])
def test_introduction_page_is_for_parties_and_admins(pair, people, create_user, client, login, role, expected):
    need, project = pair
    intro = introductions.express_interest(people["enterprise"], need, project, "你好")
    db.session.commit()
    if role == "other_center":
        login(people["other_center"])
    elif role == "admin":
        login(create_user(role="admin"))
    response = client.get(f"/en/introductions/{intro.id}")
    assert response.status_code == expected


def test_contacts_are_revealed_only_after_acceptance(pair, people, client, login):
    need, project = pair
    intro = introductions.express_interest(people["enterprise"], need, project, "你好")
    db.session.commit()
    login(people["center"])
    page = client.get(f"/en/introductions/{intro.id}").get_data(as_text=True)
    assert people["enterprise"].email not in page
    assert client.post(f"/en/introductions/{intro.id}/accept").status_code == 302
    page = client.get(f"/en/introductions/{intro.id}").get_data(as_text=True)
    assert people["enterprise"].email in page


def test_interest_through_the_page_and_refused_for_strangers(pair, people, client, login):
    need, project = pair
    login(people["other_center"])
    response = client.post("/en/introductions", data={"need_id": need.id, "project_id": project.id, "message": "Hi"})
    assert response.status_code == 403
    assert count_rows(Introduction) == 0
    client.post("/en/logout")
    login(people["enterprise"])
    response = client.post("/en/introductions", data={"need_id": need.id, "project_id": project.id,
                                                      "message": "<script>alert(1)</script>"})
    assert count_rows(Introduction) == 0
    response = client.post("/en/introductions", data={"need_id": need.id, "project_id": project.id, "message": "你好"})
    assert response.status_code == 302 and count_rows(Introduction) == 1


# --- workspace and digest ---------------------------------------------------------------------

def test_workspace_lists_new_matches_once(pair, people, client, login):
    need, project = pair
    login(people["enterprise"])
    first = client.get("/en/workspace").get_data(as_text=True)
    assert f"/en/needs/{need.id}#recommended" in first
    second = client.get("/en/workspace").get_data(as_text=True)
    assert f"/en/needs/{need.id}#recommended" not in second


def test_weekly_digest_is_sent_once_in_the_recipients_language(app, pair, people, outbox):
    from collab.matching.digest import send_weekly_digests

    app.config["MATCH_DIGEST_THRESHOLD"] = 0.0
    assert send_weekly_digests() >= 2
    db.session.commit()
    digests = [m for m in outbox() if m.template == "match_digest"]
    assert {(m.recipient, m.locale) for m in digests} >= {(people["enterprise"].email, "zh"), (people["center"].email, "en")}
    assert send_weekly_digests() == 0
    db.session.commit()
    assert len([m for m in outbox() if m.template == "match_digest"]) == len(digests)
    assert count_rows(DigestSend) == len(digests)


def test_digest_can_be_turned_off(app, pair, people, client, login, outbox):
    from collab.matching.digest import send_weekly_digests

    app.config["MATCH_DIGEST_THRESHOLD"] = 0.0
    login(people["enterprise"])
    assert client.post("/en/account/digest", data={}).status_code == 302  # unchecked box = off
    send_weekly_digests()
    db.session.commit()
    assert people["enterprise"].email not in [m.recipient for m in outbox() if m.template == "match_digest"]


# --- API ------------------------------------------------------------------------------------------

def _token(client, user):
    from conftest import PASSWORD

    return {"Authorization": "Bearer " + client.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD}).json["token"]}


def test_api_matches_for_owner_and_admin_only(pair, people, client, create_user):
    need, project = pair
    owner = _token(client, people["enterprise"])
    body = client.get(f"/api/v1/needs/{need.id}/matches?limit=5", headers=owner).json
    assert body["items"][0]["project_id"] == project.id
    assert set(body["items"][0]["reasons"]) >= {"sectors", "terms"}
    other = _token(client, people["other_center"])
    assert client.get(f"/api/v1/needs/{need.id}/matches", headers=other).status_code == 403
    assert client.get(f"/api/v1/projects/{project.id}/matches", headers=_token(client, people["center"])).json["items"][0]["need_id"] == need.id
    assert client.get(f"/api/v1/projects/{project.id}/matches").status_code == 401


def test_api_introduction_lifecycle(pair, people, client):
    need, project = pair
    enterprise, center = _token(client, people["enterprise"]), _token(client, people["center"])
    created = client.post("/api/v1/introductions", json={"need_id": need.id, "project_id": project.id,
                                                         "message": "你好"}, headers=enterprise)
    assert created.status_code == 201 and created.json["contacts"] is None
    intro_id = created.json["id"]
    assert client.post(f"/api/v1/introductions/{intro_id}/accept", headers=enterprise).status_code == 403
    assert client.post(f"/api/v1/introductions/{intro_id}/meeting_held", headers=center).status_code == 409
    accepted = client.post(f"/api/v1/introductions/{intro_id}/accept", headers=center)
    assert accepted.status_code == 200 and accepted.json["contacts"]["need"]["email"] == people["enterprise"].email
    contract = {"contract_type": "technology_service", "contract_value_cny": 800_000,
                "signed_on": reload(db.session.get(Introduction, intro_id)).created_at.astimezone(
                    ZoneInfo("Asia/Shanghai")).date().isoformat()}
    assert client.post(f"/api/v1/introductions/{intro_id}/agreement_signed", headers=enterprise).status_code == 400
    assert client.post(f"/api/v1/introductions/{intro_id}/agreement_signed", headers=enterprise,
                       json=contract).json["status"] == "agreement_signed"
    duplicate = client.post("/api/v1/introductions", json={"need_id": need.id, "project_id": project.id,
                                                           "message": "again"}, headers=center)
    assert duplicate.status_code == 409
    bad = client.post("/api/v1/introductions", json={"need_id": "x", "project_id": project.id, "message": ""},
                      headers=center)
    assert bad.status_code == 400 and set(bad.json["error"]["fields"]) == {"need_id", "message"}


def test_admin_funnel(pair, people, client, login, create_user):
    need, project = pair
    introductions.express_interest(people["enterprise"], need, project, "你好")
    db.session.commit()
    login(people["center"])
    assert client.get("/en/admin/funnel").status_code == 403
    client.post("/en/logout")
    login(create_user(role="admin"))
    page = client.get("/en/admin/funnel").get_data(as_text=True)
    assert "Matchmaking funnel" in page
    rows = introductions.funnel("month")
    assert rows[0]["matches"] >= 1 and rows[0]["interest"] == 1
