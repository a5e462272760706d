"""The admin review queue: full text of pending projects and needs, approval and
typed rejection, the owner told in their own language; nobody else may decide."""
from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from collab.audit import AuditEntry
from collab.extensions import db
from collab.mail.models import OutboxMessage
from collab.needs.models import Need
from collab.notifications.models import Notification
from collab.projects.models import Project

from conftest import count_rows
from content_factories import ROLES, page, refused, reload

REASONS = ["incomplete", "not_in_scope", "duplicate", "unclear", "confidential", "other"]


@pytest.fixture
def zh_owner(create_user):
    """A center member who reads Collab in Chinese."""
    return create_user(role="center", locale="zh", display_name="王工")


@pytest.fixture
def en_enterprise(create_user):
    return create_user(role="enterprise", locale="en", display_name="Need Owner")


def rendered(app, note, lang: str) -> str:
    """The notification's sentence as a reader of ``lang`` sees it."""
    from collab.notifications.messages import message

    with app.test_request_context(f"/{lang}/"), force_locale("zh_Hans" if lang == "zh" else "en"):
        from flask import g

        g.lang = lang
        return message(note)


def state(*items) -> tuple:
    db.session.expire_all()
    return (tuple(reload(i).status for i in items), count_rows(Notification), count_rows(OutboxMessage))


# --- the queue ------------------------------------------------------------------------

def test_the_queue_shows_pending_items_with_their_full_text(client, act_as, zh_owner, en_enterprise, make_project,
                                                           make_need):
    long_summary = "第一段介绍。" * 200 + "结尾的关键句子。"
    pending = make_project(zh_owner, "pending_review", summary_zh=long_summary, summary_en="Whole English summary.")
    need = make_need(en_enterprise, "pending_review", description_en="The complete need description, every word.")
    make_project(zh_owner, "draft", title_en="A draft nobody reviews yet", title_zh="草稿")
    make_project(zh_owner, "published", title_en="Already public", title_zh="已公开")
    act_as("admin")
    text = page(client.get("/en/admin/reviews"))
    assert f'data-kind="project" data-id="{pending.id}"' in text
    assert f'data-kind="need" data-id="{need.id}"' in text
    assert long_summary in text and "Whole English summary." in text  # full text, both languages
    assert "The complete need description, every word." in text
    assert "钙钛矿光伏组件中试线" in text and "Perovskite solar module pilot line" in text
    assert "A draft nobody reviews yet" not in text and "Already public" not in text
    for reason in ("Incomplete information", "Not in the scope of the network", "Duplicate of another post",
                   "Unclear description", "Contains confidential information", "Other reason"):
        assert reason in text


def test_the_queue_in_chinese(client, act_as, zh_owner, make_project):
    make_project(zh_owner, "pending_review")
    act_as("admin")
    text = page(client.get("/zh/admin/reviews"))
    assert "钙钛矿光伏组件中试线" in text and "信息不完整" in text


@pytest.mark.parametrize("role", ["visitor", "enterprise", "center", "mentor", "pending"])
def test_only_admins_see_the_queue(client, act_as, zh_owner, make_project, role):
    make_project(zh_owner, "pending_review")
    act_as(role)
    assert refused(client.get("/en/admin/reviews"), 403)


# --- approve -----------------------------------------------------------------------------

def test_approval_publishes_and_tells_the_owner_in_chinese(app, client, act_as, login, zh_owner, make_project, outbox):
    project = make_project(zh_owner, "pending_review")
    admin = act_as("admin")
    response = client.post(f"/en/admin/reviews/project/{project.id}", data={"decision": "approve"})
    assert response.status_code == 302
    stored = reload(project)
    assert (stored.status, stored.published_at is not None) == ("published", True)
    note = db.session.scalar(select(Notification).where(Notification.user_id == zh_owner.id))
    assert note.kind == "review_approved" and note.read_at is None
    zh_text = rendered(app, note, "zh")
    assert zh_text == "您的项目“钙钛矿光伏组件中试线”已审核通过，现已公开。"
    [mail] = outbox()
    assert (mail.recipient, mail.locale, mail.template) == (zh_owner.email, "zh", "notification")
    assert mail.subject == f"Collab：{zh_text}"
    assert zh_text in mail.body_text and "王工" in mail.body_text
    assert f"/zh/projects/{project.id}" in mail.body_text
    assert "approved" not in mail.subject
    # The decision is on the record: who approved it.
    from collab.content.models import StatusChange

    last = db.session.scalars(select(StatusChange).where(StatusChange.item_id == project.id,
                                                         StatusChange.item_type == "project")
                              .order_by(StatusChange.id.desc())).first()
    assert (last.to_status, last.actor_id) == ("published", admin.id)
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.target_type == "project",
                                                       AuditEntry.target_id == project.id,
                                                       AuditEntry.action == "project.published"))
    assert audit.actor_id == admin.id
    # The owner reads it on /zh/notifications, in Chinese.
    client.post("/en/logout")
    login(zh_owner)
    notifications = page(client.get("/zh/notifications"))
    assert zh_text in notifications
    assert "was approved" not in notifications
    # And it is public now.
    client.post("/en/logout")
    assert page(client.get(f"/zh/projects/{project.id}"))


def test_approving_a_need_opens_it(app, client, act_as, en_enterprise, make_need, outbox):
    need = make_need(en_enterprise, "pending_review")
    act_as("admin")
    client.post(f"/en/admin/reviews/need/{need.id}", data={"decision": "approve"})
    assert reload(need).status == "open"
    [mail] = outbox()
    assert mail.locale == "en"
    assert mail.subject.startswith("Collab: Your need “Water-saving drip irrigation for saline soil” was approved")


# --- reject ------------------------------------------------------------------------------

@pytest.mark.parametrize("reason", REASONS)
def test_rejection_carries_a_typed_reason_to_the_owner(app, client, act_as, zh_owner, make_project, outbox, reason):
    from collab.notifications.messages import REVIEW_REASONS

    project = make_project(zh_owner, "pending_review")
    act_as("admin")
    data = {"decision": "reject", "reason": reason, "note": "请补充市场数据" if reason == "other" else ""}
    client.post(f"/en/admin/reviews/project/{project.id}", data=data)
    assert reload(project).status == "rejected"
    note = db.session.scalar(select(Notification).where(Notification.user_id == zh_owner.id))
    assert (note.kind, note.params["reason_code"]) == ("review_rejected", reason)
    zh_text = rendered(app, note, "zh")
    with app.test_request_context("/zh/"), force_locale("zh_Hans"):
        reason_zh = str(REVIEW_REASONS[reason])
    assert reason_zh in zh_text and "未通过审核" in zh_text
    if reason == "other":
        assert "请补充市场数据" in zh_text
    [mail] = outbox()
    assert mail.locale == "zh" and reason_zh in mail.subject + mail.body_text


def test_a_rejected_project_shows_the_reason_in_its_timeline_and_can_be_resubmitted(client, act_as, login, zh_owner,
                                                                                   make_project):
    project = make_project(zh_owner, "pending_review")
    act_as("admin")
    client.post(f"/en/admin/reviews/project/{project.id}", data={"decision": "reject", "reason": "incomplete",
                                                                "note": "Add the team's CVs"})
    client.post("/en/logout")
    login(zh_owner)
    text = page(client.get(f"/en/projects/{project.id}"))
    assert "Incomplete information" in text and "Add the team&#39;s CVs" in text
    client.post(f"/en/projects/{project.id}/submit")
    assert reload(project).status == "pending_review"


@pytest.mark.parametrize("data", [
    {"decision": "reject"},
    {"decision": "reject", "reason": ""},
    {"decision": "reject", "reason": "ugly"},
    {"decision": "reject", "reason": "other"},
    {"decision": "reject", "reason": "other", "note": "   "},
    {"decision": "maybe"},
    {"decision": ""},
    {"decision": "reject", "reason": "unclear", "note": "<script>alert(1)</script>"},
    {"decision": "reject", "reason": "unclear", "note": "x" * 1001},
])
def test_a_decision_without_a_proper_reason_changes_nothing(client, act_as, zh_owner, make_project, data):
    project = make_project(zh_owner, "pending_review")
    before = state(project)
    act_as("admin")
    client.post(f"/en/admin/reviews/project/{project.id}", data=data, follow_redirects=True)
    assert state(project) == before


@pytest.mark.parametrize("note, message", [("<script>alert(1)</script>", "Please write plain text without HTML tags."),
                                           ("x" * 1001, "1000")])
def test_a_bad_note_is_explained(client, act_as, zh_owner, make_project, note, message):
    project = make_project(zh_owner, "pending_review")
    act_as("admin")
    text = page(client.post(f"/en/admin/reviews/project/{project.id}",
                            data={"decision": "reject", "reason": "unclear", "note": note}, follow_redirects=True))
    assert 'class="alert alert-danger"' in text and message in text
    assert reload(project).status == "pending_review"


def test_the_missing_reason_is_explained(client, act_as, zh_owner, make_project):
    project = make_project(zh_owner, "pending_review")
    act_as("admin")
    text = page(client.post(f"/en/admin/reviews/project/{project.id}", data={"decision": "reject", "reason": "other"},
                            follow_redirects=True))
    assert "Explain the reason in a few words." in text
    text = page(client.post(f"/zh/admin/reviews/project/{project.id}", data={"decision": "reject", "reason": "other"},
                            follow_redirects=True))
    assert "Explain the reason in a few words." not in text


# --- who may decide -----------------------------------------------------------------------

@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin"])
@pytest.mark.parametrize("decision", [{"decision": "approve"}, {"decision": "reject", "reason": "duplicate"}])
def test_non_admins_cannot_decide(client, act_as, zh_owner, en_enterprise, make_project, make_need, role, decision):
    project = make_project(zh_owner, "pending_review")
    need = make_need(en_enterprise, "pending_review")
    before = state(project, need)
    act_as(role, zh_owner)
    assert refused(client.post(f"/en/admin/reviews/project/{project.id}", data=decision), 403)
    assert refused(client.post(f"/en/admin/reviews/need/{need.id}", data=decision), 403)
    assert state(project, need) == before


def test_the_service_refuses_a_non_admin_too(zh_owner, make_project):
    from collab.content.reviews import decide
    from collab.errors import NotAllowed

    project = make_project(zh_owner, "pending_review")
    with pytest.raises(NotAllowed):
        decide(project, "approve", zh_owner)
    db.session.rollback()
    assert reload(project).status == "pending_review"


@pytest.mark.parametrize("status", ["published", "rejected", "in_incubation", "closed"])
def test_only_pending_items_are_decided(client, act_as, zh_owner, make_project, status):
    project = make_project(zh_owner, status)
    before = state(project)
    act_as("admin")
    client.post(f"/en/admin/reviews/project/{project.id}", data={"decision": "approve"})
    client.post(f"/en/admin/reviews/project/{project.id}", data={"decision": "reject", "reason": "unclear"})
    assert state(project) == before


@pytest.mark.parametrize("url", ["/en/admin/reviews/project/{draft}", "/en/admin/reviews/project/99999",
                                 "/en/admin/reviews/spaceship/{draft}", "/en/admin/reviews/need/{draft}"])
def test_drafts_and_unknown_items_are_404(client, act_as, zh_owner, make_project, url):
    draft = make_project(zh_owner)
    before = state(draft)
    act_as("admin")
    assert client.post(url.format(draft=draft.id), data={"decision": "approve"}).status_code == 404
    assert state(draft) == before


def test_counts_are_per_kind(client, act_as, zh_owner, en_enterprise, make_project, make_need):
    for n in range(2):
        make_project(zh_owner, "pending_review", title_en=f"Project {n}")
    make_need(en_enterprise, "pending_review")
    act_as("admin")
    text = page(client.get("/en/admin/reviews"))
    assert text.count('data-kind="project"') == 2 and text.count('data-kind="need"') == 1
    assert count_rows(Project) == 2 and count_rows(Need) == 1
