"""Needs (需求): writing, submission, visibility (members only, organisation hidden),
editing, lifecycle, for the role allowed and every role refused (nothing changes then)."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from collab.content.models import StatusChange
from collab.extensions import db
from collab.needs.models import Need
from collab.needs.services import today
from collab.notifications.models import Notification

from conftest import count_rows
from content_factories import OTHERS, check_refused_form, field_error, page, refused, reload


@pytest.fixture
def owner(create_org, create_user):
    """An enterprise member whose organisation has a recognisable name."""
    org = create_org(kind="enterprise", name_zh="喀什绿洲节水农业有限公司", name_en="Kashgar Oasis Irrigation Co")
    return create_user(role="enterprise", org=org, display_name="Need Owner")


def form_data(**overrides) -> dict:
    data = {
        "kind": "technology", "title_zh": "棉田膜下滴灌升级", "title_en": "Upgrade of drip irrigation under film",
        "description_zh": "寻求适合南疆棉田的膜下滴灌方案。", "description_en": "Seeking drip irrigation under mulch film.",
        "budget_min_cny": "500000", "budget_max_cny": "2000000", "location": "kashgar",
        "deadline": (today() + timedelta(days=60)).isoformat(), "visibility": "public",
        "sectors": ["modern_agriculture"], "save": "Save draft",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def snapshot(need) -> tuple:
    db.session.expire_all()
    stored = db.session.get(Need, need.id)
    if stored is None:
        return (None,)
    changes = db.session.scalar(select(func.count()).select_from(StatusChange).where(
        StatusChange.item_type == "need", StatusChange.item_id == need.id))
    return (stored.status, stored.title_zh, stored.title_en, stored.description_en, stored.budget_max_cny,
            stored.visibility, stored.review_return_status, changes, count_rows(Need), count_rows(Notification))


def statuses(need) -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(StatusChange.to_status).where(
        StatusChange.item_type == "need", StatusChange.item_id == need.id).order_by(StatusChange.id)))


# --- create, preview, submit ---------------------------------------------------------

@pytest.mark.parametrize("role", ["enterprise", "admin", "pending"])
def test_allowed_roles_write_a_need_and_preview_it(client, act_as, role):
    user = act_as(role)
    assert client.get("/en/needs/new").status_code == 200
    response = client.post("/en/needs/new", data=form_data())
    assert response.status_code == 302
    need = db.session.scalar(select(Need))
    assert (need.owner_id, need.status, need.budget_max_cny, need.sector_codes) == (
        user.id, "draft", 2_000_000, ["modern_agriculture"])
    assert response.headers["Location"].endswith(f"/en/needs/{need.id}")
    assert "Preview of your draft" in page(client.get(f"/en/needs/{need.id}"))


@pytest.mark.parametrize("role", ["visitor", "center", "mentor"])
def test_other_roles_cannot_publish_needs(client, act_as, role):
    act_as(role)
    assert refused(client.get("/en/needs/new"), 403)
    assert refused(client.post("/en/needs/new", data=form_data()), 403)
    assert count_rows(Need) == 0


@pytest.mark.parametrize("role", OTHERS)
def test_a_draft_need_is_seen_by_its_owner_only(client, act_as, owner, make_need, role):
    need = make_need(owner)
    act_as(role)
    assert client.get(f"/en/needs/{need.id}").status_code == 404


def test_owner_submits_and_withdraws_a_need(client, act_as, owner, make_need):
    need = make_need(owner)
    act_as("owner", owner)
    client.post(f"/en/needs/{need.id}/submit")
    assert reload(need).status == "pending_review"
    client.post(f"/en/needs/{need.id}/transition", data={"to": "withdraw"})
    assert reload(need).status == "draft"
    assert statuses(need) == ["draft", "pending_review", "draft"]


def test_a_need_whose_deadline_passed_cannot_be_submitted(client, act_as, owner, make_need):
    import time_machine

    need = make_need(owner, deadline=today() + timedelta(days=2))
    act_as("owner", owner)
    before = snapshot(need)
    with time_machine.travel(today() + timedelta(days=5), tick=False):
        text = page(client.post(f"/en/needs/{need.id}/submit", follow_redirects=True))
    assert "The deadline has passed" in text
    assert snapshot(need) == before


@pytest.mark.parametrize("role, code", [("visitor", None), ("enterprise", 404), ("center", 404), ("mentor", 404),
                                        ("pending", 404), ("admin", 404)])
def test_others_cannot_submit_a_draft_need(client, act_as, owner, make_need, role, code):
    need = make_need(owner)
    before = snapshot(need)
    act_as(role)
    assert refused(client.post(f"/en/needs/{need.id}/submit"), code)
    assert snapshot(need) == before


@pytest.mark.parametrize("role, code", [("visitor", None), ("enterprise", 404), ("center", 404), ("mentor", 404),
                                        ("pending", 404), ("admin", 403)])
def test_others_cannot_withdraw_a_need_from_review(client, act_as, owner, make_need, role, code):
    need = make_need(owner, "pending_review")
    before = snapshot(need)
    act_as(role)
    assert refused(client.post(f"/en/needs/{need.id}/transition", data={"to": "withdraw"}), code)
    assert snapshot(need) == before


def test_a_pending_member_writes_a_draft_need_but_cannot_submit_it(client, act_as):
    act_as("pending")
    client.post("/en/needs/new", data=form_data())
    need = db.session.scalar(select(Need))
    before = snapshot(need)
    assert client.post(f"/en/needs/{need.id}/submit").status_code == 403
    assert snapshot(need) == before
    assert client.post("/en/needs/new", data=form_data(save=None, submit_for_review="1")).status_code == 403
    assert count_rows(Need) == 1


def test_owner_deletes_a_draft_need(client, act_as, owner, make_need):
    need = make_need(owner)
    act_as("owner", owner)
    assert client.post(f"/en/needs/{need.id}/delete").status_code == 302
    assert count_rows(Need) == 0


@pytest.mark.parametrize("role, code", [("visitor", None), ("enterprise", 404), ("center", 404), ("mentor", 404),
                                        ("pending", 404), ("admin", 404)])
def test_others_cannot_delete_a_draft_need(client, act_as, owner, make_need, role, code):
    need = make_need(owner)
    before = snapshot(need)
    act_as(role)
    assert refused(client.post(f"/en/needs/{need.id}/delete"), code)
    assert snapshot(need) == before


@pytest.mark.parametrize("role", ["owner", "enterprise", "admin"])
def test_an_open_need_cannot_be_deleted(client, act_as, owner, make_need, role):
    need = make_need(owner, "open")
    before = snapshot(need)
    act_as(role, owner)
    response = client.post(f"/en/needs/{need.id}/delete")
    assert response.status_code == (302 if role == "owner" else 403)
    assert snapshot(need) == before


# --- edit -----------------------------------------------------------------------------

@pytest.mark.parametrize("status", ["draft", "open"])
@pytest.mark.parametrize("role, code", [("visitor", None), ("enterprise", 403), ("center", 403), ("mentor", 403),
                                        ("pending", 403), ("admin", 403)])
def test_only_the_owner_edits_a_need(client, act_as, owner, make_need, status, role, code):
    need = make_need(owner, status)
    before = snapshot(need)
    act_as(role)
    expected = code if status == "open" else (None if code is None else 404)
    assert refused(client.get(f"/en/needs/{need.id}/edit"), expected)
    assert refused(client.post(f"/en/needs/{need.id}/edit", data=form_data(title_en="Hijacked")), expected)
    assert snapshot(need) == before


@pytest.mark.parametrize("status", ["open", "in_talks"])
def test_an_edited_open_need_is_reviewed_again_and_returns_to_its_status(client, act_as, login, owner, make_need,
                                                                        make_admin, status):
    need = make_need(owner, status)
    act_as("owner", owner)
    client.post(f"/en/needs/{need.id}/edit", data=form_data(title_en="Drip irrigation, revised"))
    stored = reload(need)
    assert (stored.status, stored.review_return_status, stored.title_en) == ("pending_review", status,
                                                                             "Drip irrigation, revised")
    client.post("/en/logout")
    login(make_admin())
    client.post(f"/en/admin/reviews/need/{need.id}", data={"decision": "approve"})
    assert reload(need).status == status
    assert statuses(need)[-2:] == ["pending_review", status]


@pytest.mark.parametrize("status", ["fulfilled", "withdrawn", "expired"])
def test_a_finished_need_cannot_be_edited(client, act_as, owner, make_need, status):
    need = make_need(owner, status)
    before = snapshot(need)
    act_as("owner", owner)
    text = page(client.post(f"/en/needs/{need.id}/edit", data=form_data(title_en="Again")))
    assert "can no longer be edited" in text
    assert snapshot(need) == before


# --- visibility -------------------------------------------------------------------------

@pytest.mark.parametrize("role, shown", [("owner", True), ("admin", True), ("visitor", False), ("enterprise", False),
                                         ("center", False), ("mentor", False), ("pending", False)])
def test_an_anonymous_need_hides_its_organisation(client, act_as, owner, make_need, role, shown):
    need = make_need(owner, "open", visibility="anonymous")
    act_as(role, owner)
    pages = [page(client.get(f"/{lang}/needs/{need.id}")) for lang in ("en", "zh")]
    pages.append(page(client.get("/en/needs/")))
    pages.append(page(client.get("/en/needs/", query_string={"q": "滴灌"})))
    for text in pages:
        assert "盐碱地节水滴灌技术" in text or "Water-saving drip irrigation" in text
        if not shown:
            assert "Kashgar Oasis Irrigation Co" not in text and "喀什绿洲节水农业有限公司" not in text
            assert f"/organisations/{owner.organisation.key}" not in text
            # Nor through the timeline, which would name the author.
            assert "Need Owner" not in text and owner.email not in text
    if shown:
        assert "Kashgar Oasis Irrigation Co" in pages[0] and "喀什绿洲节水农业有限公司" in pages[1]
        assert "Need Owner" in pages[0]  # the timeline names who did what
    else:
        assert "Organisation not disclosed" in pages[0]


def test_the_organisation_filter_never_reveals_an_anonymous_need(client, owner, make_need):
    make_need(owner, "open", visibility="anonymous")
    named = make_need(owner, "open", visibility="public", title_en="Named need", title_zh="公开需求")
    text = page(client.get("/en/needs/", query_string={"organisation": owner.organisation.key}))
    assert "Named need" in text and "Water-saving drip irrigation" not in text
    assert named.id


def test_a_public_need_names_its_organisation(client, owner, make_need):
    need = make_need(owner, "open")
    assert "Kashgar Oasis Irrigation Co" in page(client.get(f"/en/needs/{need.id}"))


# Members are approved members of an organisation of the network; a mentor without one is not.
@pytest.mark.parametrize("role, visible", [("owner", True), ("admin", True), ("enterprise", True), ("center", True),
                                           ("visitor", False), ("pending", False), ("mentor", False)])
def test_a_members_only_need_is_hidden_from_visitors(client, act_as, owner, make_need, role, visible):
    need = make_need(owner, "open", visibility="members", title_en="Members-only membrane need")
    act_as(role, owner)
    assert client.get(f"/en/needs/{need.id}").status_code == (200 if visible else 404)
    listing = page(client.get("/en/needs/"))
    assert ("Members-only membrane need" in listing) == visible
    found = page(client.get("/en/needs/", query_string={"q": "membrane"}))
    assert ("Members-only membrane need" in found) == visible


# --- lifecycle ---------------------------------------------------------------------------

@pytest.mark.parametrize("actor", ["owner", "admin"])
def test_a_need_runs_from_open_through_talks_to_fulfilled(client, act_as, owner, make_need, actor):
    need = make_need(owner, "open")
    act_as(actor, owner)
    for target in ("in_talks", "open", "in_talks", "fulfilled"):
        client.post(f"/en/needs/{need.id}/transition", data={"to": target, "note": f"now {target}"})
        assert reload(need).status == target
    assert statuses(need)[-4:] == ["in_talks", "open", "in_talks", "fulfilled"]


@pytest.mark.parametrize("source", ["open", "in_talks"])
def test_owner_withdraws_a_live_need(client, act_as, owner, make_need, source):
    need = make_need(owner, source)
    act_as("owner", owner)
    client.post(f"/en/needs/{need.id}/transition", data={"to": "withdrawn"})
    assert reload(need).status == "withdrawn"
    # Withdrawn needs stay readable as history but leave the listing.
    assert page(client.get(f"/en/needs/{need.id}"))
    assert "Water-saving drip irrigation" not in page(client.get("/en/needs/"))


def test_an_admins_step_notifies_the_owner_in_their_language(client, act_as, create_user, make_need, outbox):
    owner = create_user(role="enterprise", locale="zh")
    need = make_need(owner, "open")
    act_as("admin")
    client.post(f"/en/needs/{need.id}/transition", data={"to": "in_talks"})
    assert reload(need).status == "in_talks"
    note = db.session.scalar(select(Notification).where(Notification.user_id == owner.id))
    assert (note.kind, note.params["to_status"]) == ("status_changed", "in_talks")
    [mail] = outbox()
    assert (mail.recipient, mail.locale) == (owner.email, "zh")
    assert "洽谈" in mail.body_text or "管理员" in mail.body_text


@pytest.mark.parametrize("role, code", [("visitor", None), ("enterprise", 403), ("center", 403), ("mentor", 403),
                                        ("pending", 403)])
def test_others_cannot_move_an_open_need(client, act_as, owner, make_need, role, code):
    need = make_need(owner, "open")
    before = snapshot(need)
    act_as(role)
    assert refused(client.post(f"/en/needs/{need.id}/transition", data={"to": "fulfilled"}), code)
    assert snapshot(need) == before


@pytest.mark.parametrize("role, code", [("visitor", None), ("enterprise", 404), ("center", 404), ("mentor", 404),
                                        ("pending", 404), ("admin", 404)])
def test_others_cannot_move_a_draft_need(client, act_as, owner, make_need, role, code):
    need = make_need(owner)
    before = snapshot(need)
    act_as(role)
    assert refused(client.post(f"/en/needs/{need.id}/transition", data={"to": "in_talks"}), code)
    assert snapshot(need) == before


@pytest.mark.parametrize("role, visible", [("owner", True), ("admin", True), ("visitor", False), ("enterprise", False),
                                           ("center", False), ("mentor", False), ("pending", False)])
def test_a_need_awaiting_review_is_seen_by_owner_and_admins_only(client, act_as, owner, make_need, role, visible):
    need = make_need(owner, "pending_review")
    act_as(role, owner)
    assert client.get(f"/en/needs/{need.id}").status_code == (200 if visible else 404)


@pytest.mark.parametrize("actor", ["owner", "admin"])
@pytest.mark.parametrize("source, target", [
    ("open", "expired"), ("in_talks", "expired"), ("draft", "fulfilled"), ("draft", "open"), ("fulfilled", "open"),
    ("withdrawn", "in_talks"), ("expired", "open"), ("open", "open"), ("pending_review", "approve"),
    ("pending_review", "reject"), ("open", "graduated"), ("rejected", "in_talks"),
])
def test_illegal_need_transitions_change_nothing(client, act_as, owner, make_need, actor, source, target):
    need = make_need(owner, source)
    before = snapshot(need)
    act_as(actor, owner)
    response = client.post(f"/en/needs/{need.id}/transition", data={"to": target})
    # A draft is invisible to an admin (404); otherwise refused with a message (302) or as forbidden (403).
    assert response.status_code in ((404,) if actor == "admin" and source == "draft" else (302, 403))
    assert snapshot(need) == before


# --- bad input -----------------------------------------------------------------------------

BAD_INPUT = [
    ({"title_zh": "", "title_en": ""}, "title_zh"),
    ({"description_zh": "", "description_en": ""}, "description_zh"),
    ({"title_en": "T" * 201}, "title_en"),
    ({"description_zh": "描" * 5001}, "description_zh"),
    ({"title_en": "<script>alert(1)</script>"}, "title_en"),
    ({"budget_min_cny": "3000000", "budget_max_cny": "1000000"}, "budget_max_cny"),
    ({"budget_min_cny": "-1"}, "budget_min_cny"),
    ({"budget_max_cny": "-100"}, "budget_max_cny"),
    ({"deadline": (today() - timedelta(days=1)).isoformat()}, "deadline"),
    ({"deadline": today().isoformat()}, "deadline"),
    ({"deadline": ""}, "deadline"),
    ({"deadline": "next spring"}, "deadline"),
    ({"kind": "magic"}, "kind"),
    ({"location": "atlantis"}, "location"),
    ({"visibility": "secret"}, "visibility"),
]


@pytest.mark.parametrize("overrides, field", BAD_INPUT)
def test_bad_input_is_refused_with_a_translated_field_error(app, client, act_as, overrides, field):
    act_as("enterprise")
    check_refused_form(app, client, "/needs/new", form_data(**overrides), field, Need)
    assert count_rows(Need) == 0


def test_an_unknown_sector_is_refused(app, client, act_as):
    act_as("enterprise")
    check_refused_form(app, client, "/needs/new", form_data(sectors=["deep_sea_mining"]), "sectors", Need)
    assert count_rows(Need) == 0


def test_chinese_errors_on_the_chinese_form(client, act_as):
    act_as("enterprise")
    text = page(client.post("/zh/needs/new", data=form_data(budget_min_cny="9", budget_max_cny="1",
                                                            deadline=today().isoformat())))
    assert field_error(text, "budget_max_cny") == "预算上限不能低于预算下限。"
    assert field_error(text, "deadline") == "截止日期必须晚于今天。"
    assert not re.search(r"must not be below|must be in the future", text)
    assert count_rows(Need) == 0


@pytest.mark.parametrize("overrides, field", BAD_INPUT[:6])
def test_a_bad_edit_of_an_open_need_changes_nothing(app, client, act_as, owner, make_need, overrides, field):
    need = make_need(owner, "open")
    before = snapshot(need)
    act_as("owner", owner)
    check_refused_form(app, client, f"/needs/{need.id}/edit", form_data(**overrides), field, Need)
    assert snapshot(need) == before


def test_the_service_refuses_an_inverted_budget_too(app, owner):
    from collab.content import services
    from collab.errors import ServiceError
    from collab.needs.kind import NEEDS
    from content_factories import need_data

    with pytest.raises(ServiceError):
        services.create_item(NEEDS, owner, need_data(budget_min_cny=5, budget_max_cny=1))
    db.session.rollback()
    assert count_rows(Need) == 0
