"""Administration: approvals, organisations and the outbox, for admins and for no one else."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import select

from collab.audit import AuditEntry
from collab.auth.models import User
from collab.extensions import db
from collab.mail.models import OutboxMessage
from collab.mail.service import send_email
from collab.orgs.models import Organisation

from conftest import count_rows


@dataclass
class World:
    proposed: Organisation  # proposed by ``pending_member`` at registration
    pending_member: User  # locale zh
    established: Organisation
    established_pending: User  # asks to join an approved organisation
    message: OutboxMessage


@pytest.fixture
def world(create_org, create_user):
    proposed = create_org(status="proposed", key="hotan-silk", name_zh="和田丝绸", name_en="Hotan Silk")
    pending_member = create_user(role="enterprise", org=proposed, approved=False, locale="zh",
                                 timezone="Asia/Urumqi", display_name="阿依努尔")
    established = create_org(key="kashgar-solar", name_zh="喀什光伏", name_en="Kashgar Solar")
    established_pending = create_user(role="center", org=established, approved=False, locale="zh",
                                      display_name="帕米尔")
    message = send_email(pending_member, "membership_pending", member=pending_member, organisation=proposed)
    db.session.commit()
    return World(proposed, pending_member, established, established_pending, message)


def snapshot() -> tuple:
    """Everything an admin page could change."""
    db.session.expire_all()
    orgs = db.session.execute(select(Organisation.id, Organisation.status, Organisation.name_en,
                                     Organisation.name_zh, Organisation.website).order_by(Organisation.id)).all()
    users = db.session.execute(select(User.id, User.membership_status).order_by(User.id)).all()
    return tuple(orgs), tuple(users), count_rows(OutboxMessage), count_rows(AuditEntry)


def good_org_form(**changes) -> dict:
    form = {
        "name_zh": "吐鲁番葡萄科技", "name_en": "Turpan Grape Tech", "kind": "enterprise",
        "city_zh": "吐鲁番", "city_en": "Turpan", "country": "CN", "timezone": "Asia/Urumqi",
        "website": "https://grape.example.cn", "description_zh": "葡萄干燥与冷链。",
        "description_en": "Raisin drying and cold chain.",
    }
    form.update(changes)
    return form


def zh(message: str) -> str:
    """``message`` as the Chinese catalog has it (English until it is translated)."""
    with force_locale("zh_Hans"):
        return gettext(message)


# --- who may not ------------------------------------------------------------------

ADMIN_ACTIONS = [
    ("GET", "/en/admin/", None),
    ("POST", "/en/admin/organisations/{proposed}/decision", {"decision": "approve"}),
    ("POST", "/en/admin/organisations/{proposed}/decision", {"decision": "reject"}),
    ("POST", "/en/admin/memberships/{member}/decision", {"decision": "approve"}),
    ("POST", "/en/admin/memberships/{member}/decision", {"decision": "reject"}),
    ("GET", "/en/admin/organisations/new", None),
    ("POST", "/en/admin/organisations/new", good_org_form()),
    ("GET", "/en/admin/organisations/{established}/edit", None),
    ("POST", "/en/admin/organisations/{established}/edit", good_org_form(name_en="Hijacked")),
    ("GET", "/zh/admin/outbox", None),
    ("GET", "/zh/admin/outbox/{message}", None),
]


@pytest.mark.parametrize("role", ["visitor", "enterprise", "center", "mentor", "pending"])
def test_admin_pages_refuse_everyone_but_admins(client, world, as_role, role):
    as_role(role)
    before = snapshot()
    for method, path, data in ADMIN_ACTIONS:
        url = path.format(proposed=world.proposed.id, member=world.pending_member.id,
                          established=world.established.id, message=world.message.id)
        response = client.open(url, method=method, data=data)
        if role == "visitor":
            assert response.status_code == 302, (method, url)
            assert "/login" in response.headers["Location"], (method, url)
        else:
            assert response.status_code == 403, (method, url, response.status_code)
            assert "Hotan Silk" not in response.get_data(as_text=True)
        assert snapshot() == before, (method, url)


def test_admin_link_is_shown_to_admins_only(client, as_role):
    as_role("center")
    assert 'href="/en/admin/"' not in client.get("/en/").get_data(as_text=True)
    client.post("/en/logout")
    as_role("admin")
    assert 'href="/en/admin/"' in client.get("/en/").get_data(as_text=True)


# --- approvals ------------------------------------------------------------------------

def test_dashboard_lists_what_awaits_a_decision(client, world, as_role):
    as_role("admin")
    page = client.get("/en/admin/").get_data(as_text=True)
    assert "Hotan Silk" in page
    assert "阿依努尔" in page and "帕米尔" in page
    assert f"/en/admin/organisations/{world.proposed.id}/decision" in page
    assert f"/en/admin/memberships/{world.established_pending.id}/decision" in page


def test_admin_approves_a_proposed_organisation(client, world, as_role):
    admin = as_role("admin")
    response = client.post(f"/en/admin/organisations/{world.proposed.id}/decision", data={"decision": "approve"},
                           follow_redirects=True)
    assert "Organisation approved." in response.get_data(as_text=True)
    db.session.expire_all()
    assert world.proposed.status == "approved"
    assert client.get("/en/organisations/hotan-silk").status_code == 200
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "organisation.approved"))
    assert (entry.actor_id, entry.target_id) == (admin.id, world.proposed.id)
    # Its member still waits for their own decision.
    assert world.pending_member.membership_status == "pending"


def test_admin_rejects_a_proposed_organisation_and_its_pending_members(client, world, as_role, outbox):
    as_role("admin")
    before = len(outbox())
    response = client.post(f"/en/admin/organisations/{world.proposed.id}/decision", data={"decision": "reject"})
    assert response.status_code == 302
    db.session.expire_all()
    assert world.proposed.status == "rejected"
    assert world.pending_member.membership_status == "rejected"
    new = outbox()[before:]
    assert [(m.recipient, m.template, m.locale) for m in new] == [
        (world.pending_member.email, "membership_decided", "zh")]
    assert client.get("/en/organisations/?q=hotan").get_data(as_text=True).count("hotan-silk") == 0


@pytest.mark.parametrize("status", ["approved", "rejected"])
def test_deciding_an_organisation_twice_changes_nothing(client, world, as_role, status):
    as_role("admin")
    world.proposed.status = status
    db.session.commit()
    before = snapshot()
    other = "reject" if status == "approved" else "approve"
    response = client.post(f"/en/admin/organisations/{world.proposed.id}/decision", data={"decision": other},
                           follow_redirects=True)
    assert "Nothing was changed" in response.get_data(as_text=True)
    assert snapshot() == before


def test_admin_approves_a_membership_and_the_member_is_told_in_chinese(client, world, as_role, outbox):
    admin = as_role("admin")
    assert admin.locale == "en"
    before = len(outbox())
    response = client.post(f"/en/admin/memberships/{world.established_pending.id}/decision",
                           data={"decision": "approve"}, follow_redirects=True)
    assert "Membership approved." in response.get_data(as_text=True)
    db.session.expire_all()
    member = world.established_pending
    assert member.membership_status == "approved"
    assert member.can_publish is True
    [message] = outbox()[before:]
    assert (message.recipient, message.template, message.locale) == (member.email, "membership_decided", "zh")
    assert message.subject == zh("Your Collab membership is approved")
    if zh("Your Collab membership is approved") != "Your Collab membership is approved":
        assert message.subject != "Your Collab membership is approved"
    assert "喀什光伏" in message.body_text  # the organisation's name in the member's language
    assert "/zh/" in message.body_text and "/en/" not in message.body_text


def test_approving_the_member_of_a_proposed_organisation_approves_it_too(client, world, as_role):
    as_role("admin")
    client.post(f"/en/admin/memberships/{world.pending_member.id}/decision", data={"decision": "approve"})
    db.session.expire_all()
    assert world.pending_member.membership_status == "approved"
    assert world.proposed.status == "approved"
    assert world.pending_member.can_publish is True


def test_admin_declines_a_membership(client, world, as_role, outbox):
    as_role("admin")
    before = len(outbox())
    client.post(f"/en/admin/memberships/{world.established_pending.id}/decision", data={"decision": "reject"})
    db.session.expire_all()
    member = world.established_pending
    assert member.membership_status == "rejected"
    assert member.can_publish is False
    [message] = outbox()[before:]
    assert (message.template, message.locale) == ("membership_decided", "zh")
    assert message.subject == zh("Your Collab membership was declined")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "membership.rejected"))
    assert entry.target_id == member.id


@pytest.mark.parametrize("decided", ["approved", "rejected"])
@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_deciding_a_decided_membership_changes_nothing(client, world, as_role, decided, decision):
    as_role("admin")
    world.established_pending.membership_status = decided
    db.session.commit()
    before = snapshot()
    response = client.post(f"/en/admin/memberships/{world.established_pending.id}/decision",
                           data={"decision": decision}, follow_redirects=True)
    assert "Nothing was changed" in response.get_data(as_text=True)
    assert snapshot() == before


@pytest.mark.parametrize("decision", ["", "maybe", "APPROVE"])
def test_an_unknown_decision_changes_nothing(client, world, as_role, decision):
    as_role("admin")
    before = snapshot()
    client.post(f"/en/admin/memberships/{world.established_pending.id}/decision", data={"decision": decision})
    client.post(f"/en/admin/organisations/{world.proposed.id}/decision", data={"decision": decision})
    assert snapshot() == before


@pytest.mark.parametrize("method, path", [
    ("POST", "/en/admin/organisations/999999/decision"),
    ("POST", "/en/admin/memberships/999999/decision"),
    ("GET", "/en/admin/organisations/999999/edit"),
    ("POST", "/en/admin/organisations/999999/edit"),
    ("GET", "/en/admin/outbox/999999"),
])
def test_unknown_ids_are_404(client, world, as_role, method, path):
    as_role("admin")
    before = snapshot()
    assert client.open(path, method=method, data={"decision": "approve"}).status_code == 404
    assert snapshot() == before


# --- organisations ---------------------------------------------------------------------

def test_admin_creates_an_organisation(client, as_role):
    admin = as_role("admin")
    before = count_rows(Organisation)
    response = client.post("/en/admin/organisations/new", data=good_org_form())
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/en/organisations/turpan-grape-tech")
    assert count_rows(Organisation) == before + 1
    org = db.session.scalar(select(Organisation).where(Organisation.key == "turpan-grape-tech"))
    assert (org.name_zh, org.name_en, org.kind, org.status) == ("吐鲁番葡萄科技", "Turpan Grape Tech", "enterprise", "approved")
    assert (org.city_en, org.timezone, org.website) == ("Turpan", "Asia/Urumqi", "https://grape.example.cn")
    assert org.facts == {}
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "organisation.created"))
    assert (entry.actor_id, entry.target_id) == (admin.id, org.id)
    # It is in the directory at once, findable by either name.
    assert "turpan-grape-tech" in client.get("/zh/organisations/?q=葡萄").get_data(as_text=True)
    assert "turpan-grape-tech" in client.get("/zh/organisations/?city=Turpan").get_data(as_text=True)


def test_an_organisation_named_in_chinese_only_gets_a_key(client, as_role):
    as_role("admin")
    response = client.post("/zh/admin/organisations/new", data=good_org_form(name_en=""))
    assert response.status_code == 302
    org = db.session.scalar(select(Organisation).where(Organisation.name_zh == "吐鲁番葡萄科技"))
    assert org.name_en is None
    assert response.headers["Location"].endswith(f"/zh/organisations/{org.key}")
    assert client.get(f"/en/organisations/{org.key}").status_code == 200


def test_the_new_organisation_form_offers_the_network_time_zones(client, as_role):
    as_role("admin")
    page = client.get("/zh/admin/organisations/new").get_data(as_text=True)
    assert 'value="Asia/Urumqi"' in page and 'value="Asia/Tashkent"' in page


@pytest.mark.parametrize("field, changes, error", [
    ("name_zh", {"name_zh": "", "name_en": ""}, "Give the name in Chinese or English (or both)."),
    ("name_zh", {"name_zh": "  ", "name_en": "\t"}, "Give the name in Chinese or English (or both)."),
    ("website", {"website": "ftp://grape.example.cn"}, "Enter a full web address starting with http:// or https://."),
    ("website", {"website": "javascript:alert(1)"}, "Enter a full web address starting with http:// or https://."),
    ("website", {"website": "grape.example.cn"}, "Enter a full web address starting with http:// or https://."),
    ("description_en", {"description_en": "<script>alert(1)</script>"}, "Please write plain text without HTML tags."),
    ("description_zh", {"description_zh": "很好<b>真的</b>"}, "Please write plain text without HTML tags."),
    ("name_en", {"name_en": "<img src=x onerror=alert(1)>"}, "Please write plain text without HTML tags."),
    ("name_en", {"name_en": "x" * 201}, "Field cannot be longer than 200 characters."),
    ("timezone", {"timezone": "Mars/Olympus"}, "Choose a valid time zone, such as Asia/Urumqi."),
    ("timezone", {"timezone": ""}, "Choose a valid time zone, such as Asia/Urumqi."),
    ("kind", {"kind": "spaceport"}, "Not a valid choice."),
    ("name_en", {"name_en": "Bad\x00Name"}, "This text contains characters that are not allowed."),
])
def test_bad_organisation_input_is_refused_with_field_errors(client, as_role, field, changes, error):
    as_role("admin")
    before = snapshot()
    response = client.post("/en/admin/organisations/new", data=good_org_form(**changes))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page
    assert error in page.split(f'id="{field}-error"', 1)[1].split("</div>", 1)[0]
    assert 'aria-invalid="true"' in page
    assert snapshot() == before


def test_admin_edits_an_organisation(client, world, as_role):
    as_role("admin")
    org = world.established
    form_page = client.get(f"/en/admin/organisations/{org.id}/edit").get_data(as_text=True)
    assert 'value="Kashgar Solar"' in form_page
    response = client.post(f"/en/admin/organisations/{org.id}/edit", data=good_org_form(
        name_zh="喀什光伏储能", name_en="Kashgar Solar Storage", website="", description_en=""))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/en/organisations/kashgar-solar")  # the key stays
    db.session.expire_all()
    assert (org.name_zh, org.name_en, org.website, org.description_en) == (
        "喀什光伏储能", "Kashgar Solar Storage", None, None)
    assert "kashgar-solar" in client.get("/en/organisations/?q=storage").get_data(as_text=True)
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "organisation.updated",
                                                      AuditEntry.target_id == org.id))


def test_bad_edit_changes_nothing(client, world, as_role):
    as_role("admin")
    before = snapshot()
    response = client.post(f"/en/admin/organisations/{world.established.id}/edit",
                           data=good_org_form(name_zh="", name_en="", website="ftp://x"))
    assert response.status_code == 200
    assert snapshot() == before


# --- the outbox ---------------------------------------------------------------------------

def test_admin_reads_the_outbox_and_a_message(client, world, as_role):
    as_role("admin")
    page = client.get("/en/admin/outbox").get_data(as_text=True)
    assert world.message.subject in page
    assert world.pending_member.email in page
    assert "中文" in page  # the language it was written in
    assert f'href="/en/admin/outbox/{world.message.id}"' in page
    message_page = client.get(f"/en/admin/outbox/{world.message.id}").get_data(as_text=True)
    assert world.message.subject in message_page
    assert "Hotan Silk" in message_page or "和田丝绸" in message_page


def test_the_outbox_paginates_newest_first(client, world, as_role):
    admin = as_role("admin")
    for n in range(26):
        send_email(admin, "reset_password", token=f"t{n}", max_age_minutes=60)
    db.session.commit()
    first = client.get("/en/admin/outbox").get_data(as_text=True)
    second = client.get("/en/admin/outbox?page=2").get_data(as_text=True)
    assert first.count('href="/en/admin/outbox/') == 25
    assert second.count('href="/en/admin/outbox/') == 2
    assert f'href="/en/admin/outbox/{world.message.id}"' in second
