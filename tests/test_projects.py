"""Projects (项目): writing, preview, submission, editing, lifecycle, timeline and
documents, for the role allowed and every role refused (nothing changes then)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from collab.content.models import StatusChange
from collab.extensions import db
from collab.projects.models import Project, ProjectAttachment

from conftest import count_rows
from content_factories import (DOCX, EXE, HTML, JPEG, OTHERS, PDF, PLAIN_ZIP, PNG, PPTX, ROLES, check_refused_form,
                               field_error, page, refused, reload)


@pytest.fixture
def owner(create_user):
    """A center staff member, the projects' author."""
    return create_user(role="center", display_name="Centre Owner")


def land(client, project, note=None):
    """Mark a project landed: the landing form (a landing record asks for its base)."""
    from collab.extensions import db as _db
    from collab.orgs.models import Organisation
    from collab.projects.landing import today_in_beijing

    base = _db.session.scalar(select(Organisation).where(Organisation.kind == "xinjiang_base",
                                                         Organisation.status == "approved"))
    if base is None:
        base = Organisation(key="landing-base", kind="xinjiang_base", status="approved", name_zh="哈密基地",
                            name_en="Hami base", country="CN", timezone="Asia/Urumqi", facts={})
        _db.session.add(base)
        _db.session.commit()
    return client.post(f"/en/projects/{project.id}/landing", data={
        "city": "hami", "base_id": str(base.id), "landed_on": today_in_beijing().isoformat(),
        "company_name": "Hami Solar Co.", "investment_cny": "1000000", "jobs": "10", "note": note or ""})


def form_data(**overrides) -> dict:
    data = {
        "title_zh": "盐湖提锂膜分离中试", "title_en": "Membrane lithium extraction pilot",
        "summary_zh": "深圳孵化的膜分离技术，计划在哈密落地。", "summary_en": "Membrane separation incubated in Shenzhen.",
        "stage": "prototype", "direction": "offshore_to_xinjiang", "funding_sought_cny": "8000000",
        "team_size": "9", "ip_status": "granted", "seeks": ["landing_site", "capital"], "city": "Shenzhen",
        "sectors": ["new_materials"], "save": "Save draft",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def snapshot(project) -> tuple:
    """Everything a refused action must leave as it was."""
    db.session.expire_all()
    stored = db.session.get(Project, project.id)
    if stored is None:
        return (None,)
    changes = db.session.scalar(select(func.count()).select_from(StatusChange).where(
        StatusChange.item_type == "project", StatusChange.item_id == project.id))
    return (stored.status, stored.title_zh, stored.title_en, stored.summary_en, stored.funding_sought_cny,
            stored.review_return_status, changes, len(stored.attachments), count_rows(Project))


def statuses(project) -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(StatusChange.to_status).where(
        StatusChange.item_type == "project", StatusChange.item_id == project.id).order_by(StatusChange.id)))


# --- create, preview ---------------------------------------------------------------

@pytest.mark.parametrize("role", ["center", "enterprise", "admin", "pending"])
def test_allowed_roles_write_a_draft_and_preview_it(client, act_as, role):
    user = act_as(role)
    assert client.get("/en/projects/new").status_code == 200
    response = client.post("/en/projects/new", data=form_data())
    assert response.status_code == 302
    project = db.session.scalar(select(Project))
    assert (project.owner_id, project.status) == (user.id, "draft")
    assert project.title_en == "Membrane lithium extraction pilot"
    assert project.sector_codes == ["new_materials"] and project.seeks == ["landing_site", "capital"]
    assert response.headers["Location"].endswith(f"/en/projects/{project.id}")
    preview = page(client.get(f"/en/projects/{project.id}"))
    assert "Preview of your draft" in preview and "Membrane lithium extraction pilot" in preview
    assert statuses(project) == ["draft"]


@pytest.mark.parametrize("role", ["visitor", "mentor"])
def test_other_roles_cannot_write_a_project(client, act_as, role):
    act_as(role)
    assert refused(client.get("/en/projects/new"), 403)
    assert refused(client.post("/en/projects/new", data=form_data()), 403)
    assert count_rows(Project) == 0


@pytest.mark.parametrize("role", OTHERS)
def test_a_draft_is_previewed_by_its_owner_only(client, act_as, owner, make_project, role):
    project = make_project(owner)
    act_as(role)
    assert client.get(f"/en/projects/{project.id}").status_code == 404
    assert project.title_en not in client.get("/en/projects/").get_data(as_text=True)


@pytest.mark.parametrize("role, visible", [("owner", True), ("admin", True), ("visitor", False), ("enterprise", False),
                                           ("center", False), ("mentor", False), ("pending", False)])
def test_a_project_awaiting_review_is_seen_by_owner_and_admins_only(client, act_as, owner, make_project, role, visible):
    project = make_project(owner, "pending_review")
    act_as(role, owner)
    response = client.get(f"/en/projects/{project.id}")
    assert response.status_code == (200 if visible else 404)


@pytest.mark.parametrize("role", ROLES)
def test_a_published_project_is_public(client, act_as, owner, make_project, role):
    project = make_project(owner, "published")
    act_as(role, owner)
    text = page(client.get(f"/en/projects/{project.id}"))
    assert "Perovskite solar module pilot line" in text
    assert "Perovskite solar module pilot line" in page(client.get("/en/projects/"))


# --- submit, withdraw, delete ---------------------------------------------------------

def test_owner_submits_a_draft_for_review(client, act_as, owner, make_project):
    project = make_project(owner)
    act_as("owner", owner)
    assert client.post(f"/en/projects/{project.id}/submit").status_code == 302
    assert reload(project).status == "pending_review"
    assert reload(project).submitted_at is not None
    assert statuses(project) == ["draft", "pending_review"]


def test_save_and_submit_in_one_step(client, act_as):
    act_as("center")
    data = form_data(save=None, submit_for_review="Save and submit for review")
    assert client.post("/en/projects/new", data=data).status_code == 302
    assert db.session.scalar(select(Project.status)) == "pending_review"


@pytest.mark.parametrize("status", ["draft", "published"])
@pytest.mark.parametrize("role, code", [("visitor", None), ("enterprise", 403), ("center", 403), ("mentor", 403),
                                        ("pending", 403), ("admin", 403)])
def test_others_cannot_submit(client, act_as, owner, make_project, status, role, code):
    """Another center's project: 403 once it is public, 404 while it is a draft."""
    project = make_project(owner, status)
    before = snapshot(project)
    act_as(role)
    expected = code if status == "published" or code is None else 404
    assert refused(client.post(f"/en/projects/{project.id}/submit"), expected)
    assert snapshot(project) == before


def test_submitting_a_published_project_again_changes_nothing(client, act_as, owner, make_project):
    project = make_project(owner, "published")
    before = snapshot(project)
    act_as("owner", owner)
    assert client.post(f"/en/projects/{project.id}/submit").status_code == 302
    assert snapshot(project) == before


def test_admin_cannot_resubmit_someone_elses_rejected_project(client, act_as, owner, make_project):
    project = make_project(owner, "rejected")
    before = snapshot(project)
    act_as("admin")
    assert client.post(f"/en/projects/{project.id}/submit").status_code == 403
    assert snapshot(project) == before


def test_a_pending_member_writes_a_draft_but_cannot_submit_it(client, act_as):
    user = act_as("pending")
    assert client.post("/en/projects/new", data=form_data()).status_code == 302
    project = db.session.scalar(select(Project))
    before = snapshot(project)
    assert client.post(f"/en/projects/{project.id}/submit").status_code == 403
    assert snapshot(project) == before
    # Nor in one step: the refused submission saves nothing, not even the draft.
    data = form_data(title_en="Second try", save=None, submit_for_review="1")
    assert client.post("/en/projects/new", data=data).status_code == 403
    assert count_rows(Project) == 1
    assert project.owner_id == user.id


def test_owner_withdraws_a_project_from_review(client, act_as, owner, make_project):
    project = make_project(owner, "pending_review")
    act_as("owner", owner)
    client.post(f"/en/projects/{project.id}/transition", data={"to": "withdraw"})
    assert reload(project).status == "draft"


@pytest.mark.parametrize("role, code", [("visitor", None), ("enterprise", 404), ("center", 404), ("mentor", 404),
                                        ("pending", 404), ("admin", 403)])
def test_others_cannot_withdraw_a_project_from_review(client, act_as, owner, make_project, role, code):
    project = make_project(owner, "pending_review")
    before = snapshot(project)
    act_as(role)
    assert refused(client.post(f"/en/projects/{project.id}/transition", data={"to": "withdraw"}), code)
    assert snapshot(project) == before


def test_owner_deletes_a_draft_with_its_documents(app, client, act_as, owner, make_project):
    project = make_project(owner)
    act_as("owner", owner)
    upload(client, project, PDF, "plan.pdf")
    stored = list((Path(app.config["UPLOAD_FOLDER"]) / "projects").iterdir())
    assert len(stored) == 1
    response = client.post(f"/en/projects/{project.id}/delete")
    assert response.status_code == 302 and response.headers["Location"].endswith("/en/workspace")
    assert count_rows(Project) == 0 and count_rows(ProjectAttachment) == 0
    assert not stored[0].exists()


@pytest.mark.parametrize("role, code", [("visitor", None), ("enterprise", 404), ("center", 404), ("mentor", 404),
                                        ("pending", 404), ("admin", 404)])
def test_others_cannot_delete_a_draft(client, act_as, owner, make_project, role, code):
    project = make_project(owner)
    before = snapshot(project)
    act_as(role)
    assert refused(client.post(f"/en/projects/{project.id}/delete"), code)
    assert snapshot(project) == before


@pytest.mark.parametrize("role, code", [("visitor", None), ("enterprise", 403), ("center", 403), ("mentor", 403),
                                        ("pending", 403), ("admin", 403)])
def test_nobody_deletes_a_published_project(client, act_as, owner, make_project, role, code):
    project = make_project(owner, "published")
    before = snapshot(project)
    act_as(role, owner)
    assert refused(client.post(f"/en/projects/{project.id}/delete"), code)
    assert snapshot(project) == before


def test_owner_cannot_delete_a_published_project(client, act_as, owner, make_project):
    project = make_project(owner, "published")
    before = snapshot(project)
    act_as("owner", owner)
    response = client.post(f"/en/projects/{project.id}/delete", follow_redirects=True)
    assert "Only drafts can be deleted." in page(response)
    assert snapshot(project) == before


# --- edit -------------------------------------------------------------------------

@pytest.mark.parametrize("status", ["draft", "published"])
@pytest.mark.parametrize("role, code", [("visitor", None), ("enterprise", 403), ("center", 403), ("mentor", 403),
                                        ("pending", 403), ("admin", 403)])
def test_only_the_owner_edits(client, act_as, owner, make_project, status, role, code):
    """Another center's project: 403 once it is public, 404 while it is a draft."""
    project = make_project(owner, status)
    before = snapshot(project)
    act_as(role)
    expected = code if status == "published" else (None if code is None else 404)
    assert refused(client.get(f"/en/projects/{project.id}/edit"), expected)
    assert refused(client.post(f"/en/projects/{project.id}/edit", data=form_data(title_en="Hijacked")), expected)
    assert snapshot(project) == before


def test_owner_edits_a_draft_which_stays_a_draft(client, act_as, owner, make_project):
    project = make_project(owner)
    act_as("owner", owner)
    assert "Perovskite solar module pilot line" in page(client.get(f"/en/projects/{project.id}/edit"))
    assert client.post(f"/en/projects/{project.id}/edit", data=form_data(title_en="Renamed")).status_code == 302
    stored = reload(project)
    assert (stored.status, stored.title_en, stored.sector_codes) == ("draft", "Renamed", ["new_materials"])


def test_an_edited_live_project_is_reviewed_again_and_returns_to_its_status(client, act_as, login, owner, make_project,
                                                                           make_admin):
    project = make_project(owner, "published")
    act_as("owner", owner)
    client.post(f"/en/projects/{project.id}/transition",
                data={"to": "in_incubation", "note": "Moved into the Shenzhen centre"})
    assert reload(project).status == "in_incubation"
    form = page(client.get(f"/en/projects/{project.id}/edit"))
    assert "goes back to review" in form
    client.post(f"/en/projects/{project.id}/edit", data=form_data(title_en="Membrane pilot, second edition"))
    stored = reload(project)
    assert (stored.status, stored.review_return_status) == ("pending_review", "in_incubation")
    # Hidden from the public while the edit is reviewed.
    client.post("/en/logout")
    assert client.get(f"/en/projects/{project.id}").status_code == 404
    admin = make_admin()
    login(admin)
    client.post(f"/en/admin/reviews/project/{project.id}", data={"decision": "approve"})
    stored = reload(project)
    assert (stored.status, stored.review_return_status) == ("in_incubation", None)
    assert statuses(project) == ["draft", "pending_review", "published", "in_incubation",
                                 "pending_review", "in_incubation"]


@pytest.mark.parametrize("detour", ["withdraw", "reject"])
def test_a_withdrawn_or_rejected_edit_still_returns_to_its_status_once_approved(client, act_as, login, owner,
                                                                               make_project, make_admin, detour):
    project = make_project(owner, "landed")
    act_as("owner", owner)
    client.post(f"/en/projects/{project.id}/edit", data=form_data(title_en="Landed pilot, new figures"))
    admin = make_admin()
    if detour == "withdraw":
        client.post(f"/en/projects/{project.id}/transition", data={"to": "withdraw"})
        assert reload(project).status == "draft"
    else:
        client.post("/en/logout")
        login(admin)
        client.post(f"/en/admin/reviews/project/{project.id}", data={"decision": "reject", "reason": "incomplete"})
        assert reload(project).status == "rejected"
        client.post("/en/logout")
        login(owner)
    client.post(f"/en/projects/{project.id}/submit")
    assert reload(project).status == "pending_review"
    client.post("/en/logout")
    login(admin)
    client.post(f"/en/admin/reviews/project/{project.id}", data={"decision": "approve"})
    assert (reload(project).status, reload(project).review_return_status) == ("landed", None)


def test_the_detail_shows_the_timeline_in_order_with_who_when_and_note(client, act_as, owner, make_project, make_admin):
    project = make_project(owner, "published")
    act_as("owner", owner)
    client.post(f"/en/projects/{project.id}/transition",
                data={"to": "in_incubation", "note": "Joined the Shenzhen centre"})
    land(client, project, note="Plant opened in Hami")
    client.post(f"/en/projects/{project.id}/transition", data={"to": "graduated"})
    text = page(client.get(f"/en/projects/{project.id}"))
    timeline = text[text.index('class="timeline'):]
    timeline = timeline[:timeline.index("</ol>")]
    items = re.findall(r"<li.*?</li>", timeline, re.S)
    titles = [re.search(r'fw-semibold">(.*?)</div>', item).group(1) for item in items]
    assert titles == ["Draft", "Awaiting review", "Published", "In incubation", "Landed in Xinjiang", "Graduated"]
    assert "Centre Owner" in items[0] and "Reviewer Admin" in items[2] and "Centre Owner" in items[3]
    assert "Joined the Shenzhen centre" in items[3] and "Plant opened in Hami" in items[4]
    # When: every entry carries a date in the viewer's format.
    assert all(re.search(r"\d{4}", item) for item in items)


# --- lifecycle ------------------------------------------------------------------------

@pytest.mark.parametrize("actor", ["owner", "admin"])
def test_lifecycle_runs_from_published_to_graduated(client, act_as, owner, make_project, actor):
    project = make_project(owner, "published")
    act_as(actor, owner)
    for target in ("in_incubation", "landed", "graduated"):
        if target == "landed":
            assert land(client, project).status_code == 302
        else:
            assert client.post(f"/en/projects/{project.id}/transition", data={"to": target}).status_code == 302
        assert reload(project).status == target


@pytest.mark.parametrize("source", ["published", "in_incubation", "landed"])
def test_owner_closes_a_live_project(client, act_as, owner, make_project, source):
    project = make_project(owner, source)
    act_as("owner", owner)
    client.post(f"/en/projects/{project.id}/transition", data={"to": "closed", "note": "Team disbanded"})
    assert reload(project).status == "closed"
    assert statuses(project)[-1] == "closed"


def test_an_admins_transition_notifies_the_owner(client, act_as, owner, make_project, outbox):
    from collab.notifications.models import Notification

    project = make_project(owner, "published")
    act_as("admin")
    land(client, project)
    assert reload(project).status == "landed"
    notes = db.session.scalars(select(Notification).where(Notification.user_id == owner.id)).all()
    assert [(n.kind, n.params["to_status"]) for n in notes] == [("status_changed", "landed")]
    # The owner once; the base's (here the network's other) administrators are asked to confirm.
    assert [m.recipient for m in outbox() if m.recipient == owner.email] == [owner.email]


def test_an_owners_transition_notifies_nobody(client, act_as, owner, make_project):
    from collab.notifications.models import Notification

    project = make_project(owner, "published")
    act_as("owner", owner)
    client.post(f"/en/projects/{project.id}/transition", data={"to": "landed"})
    assert count_rows(Notification) == 0


@pytest.mark.parametrize("role, code", [("visitor", None), ("enterprise", 403), ("center", 403), ("mentor", 403),
                                        ("pending", 403)])
def test_others_cannot_move_a_published_project(client, act_as, owner, make_project, role, code):
    project = make_project(owner, "published")
    before = snapshot(project)
    act_as(role)
    assert refused(client.post(f"/en/projects/{project.id}/transition", data={"to": "in_incubation"}), code)
    assert snapshot(project) == before


@pytest.mark.parametrize("role, code", [("visitor", None), ("enterprise", 404), ("center", 404), ("mentor", 404),
                                        ("pending", 404), ("admin", 404)])
def test_others_cannot_move_an_unpublished_project(client, act_as, owner, make_project, role, code):
    project = make_project(owner)
    before = snapshot(project)
    act_as(role)
    assert refused(client.post(f"/en/projects/{project.id}/transition", data={"to": "landed"}), code)
    assert snapshot(project) == before


@pytest.mark.parametrize("actor", ["owner", "admin"])
@pytest.mark.parametrize("source, target", [
    ("draft", "landed"), ("draft", "in_incubation"), ("published", "graduated"), ("in_incubation", "graduated"),
    ("graduated", "closed"), ("closed", "in_incubation"), ("rejected", "landed"), ("published", "published"),
    ("published", "pending_review"), ("published", "teleported"), ("pending_review", "approve"),
    ("pending_review", "reject"), ("published", "rejected"),
])
def test_illegal_transitions_change_nothing(client, act_as, owner, make_project, actor, source, target):
    project = make_project(owner, source)
    before = snapshot(project)
    act_as(actor, owner)
    response = client.post(f"/en/projects/{project.id}/transition", data={"to": target})
    if actor == "admin" and source == "draft":
        assert response.status_code == 404  # an admin never sees someone's draft
    else:
        assert response.status_code in (302, 403)
    assert snapshot(project) == before


# --- bad input --------------------------------------------------------------------------

BAD_INPUT = [
    ({"title_zh": "", "title_en": ""}, "title_zh"),
    ({"title_zh": "   ", "title_en": " "}, "title_zh"),
    ({"summary_zh": "", "summary_en": ""}, "summary_zh"),
    ({"title_en": "T" * 201}, "title_en"),
    ({"title_zh": "标" * 201}, "title_zh"),
    ({"summary_en": "S" * 5001}, "summary_en"),
    ({"title_en": "<script>alert(1)</script>"}, "title_en"),
    ({"summary_zh": "好项目<img src=x onerror=alert(1)>"}, "summary_zh"),
    ({"funding_sought_cny": "-1"}, "funding_sought_cny"),
    ({"funding_sought_cny": "lots"}, "funding_sought_cny"),
    ({"team_size": "0"}, "team_size"),
    ({"stage": "unicorn"}, "stage"),
    ({"direction": "moon_to_xinjiang"}, "direction"),
    ({"ip_status": "stolen"}, "ip_status"),
    ({"city": "<b>Shenzhen</b>"}, "city"),
    ({"title_en": "Nul\x00byte"}, "title_en"),
]


@pytest.mark.parametrize("overrides, field", BAD_INPUT)
def test_bad_input_is_refused_with_a_translated_field_error(app, client, act_as, overrides, field):
    act_as("center")
    english, chinese = check_refused_form(app, client, "/projects/new", form_data(**overrides), field, Project)
    assert count_rows(Project) == 0 and count_rows(StatusChange) == 0


@pytest.mark.parametrize("field, value", [("sectors", ["space_tourism"]), ("seeks", ["fame"])])
def test_unknown_checkbox_choices_are_refused(app, client, act_as, field, value):
    act_as("center")
    check_refused_form(app, client, "/projects/new", form_data(**{field: value}), field, Project)
    assert count_rows(Project) == 0


def test_messages_that_are_catalogued_are_shown_in_chinese(client, act_as):
    act_as("center")
    text = page(client.post("/zh/projects/new", data=form_data(title_zh="", title_en="", funding_sought_cny="-5")))
    assert field_error(text, "title_zh") == "请填写中文或英文标题（或两者都填）。"
    assert field_error(text, "funding_sought_cny") == "请输入 0 至 1000 亿元之间的金额。"
    assert count_rows(Project) == 0


@pytest.mark.parametrize("overrides, field", BAD_INPUT[:6] + [({"team_size": "0"}, "team_size")])
def test_a_bad_edit_changes_nothing(app, client, act_as, owner, make_project, overrides, field):
    project = make_project(owner, "published")
    before = snapshot(project)
    act_as("owner", owner)
    check_refused_form(app, client, f"/projects/{project.id}/edit", form_data(**overrides), field, Project)
    assert snapshot(project) == before


def test_one_language_is_enough(client, act_as):
    act_as("center")
    client.post("/en/projects/new", data=form_data(title_en="", summary_en=""))
    project = db.session.scalar(select(Project))
    assert (project.title_en, project.summary_en, project.title_zh) == (None, None, "盐湖提锂膜分离中试")
    text = page(client.get(f"/en/projects/{project.id}"))
    assert "original" in text  # the Chinese title is shown to an English reader as the original


# --- documents ----------------------------------------------------------------------------

def _file(data: bytes):
    import io

    return io.BytesIO(data)


def upload(client, project, data: bytes, name: str, kind: str = "business_plan", lang: str = "en"):
    return client.post(f"/{lang}/projects/{project.id}/attachments", data={"file": (_file(data), name), "kind": kind},
                       content_type="multipart/form-data", follow_redirects=True)


def stored_files(app) -> list[Path]:
    folder = Path(app.config["UPLOAD_FOLDER"]) / "projects"
    return sorted(folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize("data, name, content_type", [
    (PDF, "business-plan.pdf", "application/pdf"),
    (PNG, "team.png", "image/png"),
    (JPEG, "site.jpeg", "image/jpeg"),
    (DOCX, "计划书.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (PPTX, "deck.pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
])
def test_documents_are_accepted_by_their_content_and_stored_outside_static(app, client, act_as, owner, make_project,
                                                                          data, name, content_type):
    project = make_project(owner)
    act_as("owner", owner)
    assert "The document is attached." in page(upload(client, project, data, name))
    attachment = db.session.scalar(select(ProjectAttachment))
    assert (attachment.filename, attachment.content_type, attachment.size) == (name, content_type, len(data))
    files = stored_files(app)
    assert [f.name for f in files] == [attachment.storage_name]
    assert files[0].read_bytes() == data
    assert Path(app.config["UPLOAD_FOLDER"]).resolve() != Path(app.static_folder).resolve()
    assert not list(Path(app.static_folder).rglob(attachment.storage_name))
    assert name.split(".")[0] not in attachment.storage_name  # the uploader's name is never a path


@pytest.mark.parametrize("data, name", [
    (EXE, "plan.pdf"), (HTML, "plan.pdf"), (HTML, "deck.pptx"), (PLAIN_ZIP, "plan.docx"), (b"", "empty.pdf"),
    (b"GIF89a\x01\x00\x01\x00", "logo.png"), (b"just text", "notes.pdf"),
])
def test_files_that_are_not_what_they_claim_are_refused(app, client, act_as, owner, make_project, data, name):
    project = make_project(owner)
    act_as("owner", owner)
    text = page(upload(client, project, data, name))
    assert "The document is attached." not in text
    assert count_rows(ProjectAttachment) == 0 and stored_files(app) == []


def test_a_file_over_10_mb_is_refused(app, client, act_as, owner, make_project):
    project = make_project(owner)
    act_as("owner", owner)
    assert "larger than 10 MB" in page(upload(client, project, PDF + b"0" * (10 * 1024 * 1024), "big.pdf"))
    assert count_rows(ProjectAttachment) == 0 and stored_files(app) == []
    exactly = PDF + b"0" * (10 * 1024 * 1024 - len(PDF))
    assert "The document is attached." in page(upload(client, project, exactly, "limit.pdf"))


def test_a_fourth_document_is_refused(app, client, act_as, owner, make_project):
    project = make_project(owner)
    act_as("owner", owner)
    for data, name in ((PDF, "a.pdf"), (PNG, "b.png"), (DOCX, "c.docx")):
        assert "The document is attached." in page(upload(client, project, data, name))
    text = page(upload(client, project, PDF, "d.pdf"))
    assert "at most three documents" in text
    assert count_rows(ProjectAttachment) == 3 and len(stored_files(app)) == 3


@pytest.mark.parametrize("status", ["draft", "published"])
@pytest.mark.parametrize("role, code", [("visitor", None), ("enterprise", 403), ("center", 403), ("mentor", 403),
                                        ("pending", 403), ("admin", 403)])
def test_others_cannot_attach_documents(app, client, act_as, owner, make_project, status, role, code):
    project = make_project(owner, status)
    act_as(role)
    response = client.post(f"/en/projects/{project.id}/attachments",
                           data={"file": (_file(PDF), "x.pdf"), "kind": "other"}, content_type="multipart/form-data")
    assert refused(response, code if status == "published" or code is None else 404)
    assert count_rows(ProjectAttachment) == 0 and stored_files(app) == []


def _with_document(app, client, owner, make_project, status, login):
    project = make_project(owner, "draft")
    login(owner)
    upload(client, project, PDF, "plan.pdf")
    client.post("/en/logout")
    if status != "draft":
        from collab.content import services as content

        content.record_change(reload(project), "pending_review", owner)
        if status != "pending_review":
            content.record_change(reload(project), status, None)
        db.session.commit()
    return reload(project), db.session.scalar(select(ProjectAttachment))


@pytest.mark.parametrize("role", ROLES)
def test_a_published_projects_document_downloads_as_an_attachment(app, client, act_as, login, owner, make_project,
                                                                   role):
    project, attachment = _with_document(app, client, owner, make_project, "published", login)
    act_as(role, owner)
    response = client.get(f"/en/projects/{project.id}/attachments/{attachment.id}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "plan.pdf" in response.headers["Content-Disposition"]
    assert response.mimetype == "application/pdf" and response.data == PDF
    response.close()


@pytest.mark.parametrize("status, role, visible", [
    ("draft", "owner", True), ("draft", "admin", False), ("draft", "visitor", False), ("draft", "enterprise", False),
    ("draft", "center", False), ("draft", "mentor", False), ("draft", "pending", False),
    ("pending_review", "owner", True), ("pending_review", "admin", True), ("pending_review", "visitor", False),
    ("pending_review", "center", False), ("rejected", "enterprise", False),
])
def test_an_unpublished_projects_document_is_hidden(app, client, act_as, login, owner, make_project, status, role,
                                                     visible):
    project, attachment = _with_document(app, client, owner, make_project, status, login)
    act_as(role, owner)
    response = client.get(f"/en/projects/{project.id}/attachments/{attachment.id}")
    assert response.status_code == (200 if visible else 404)
    response.close()


def test_a_document_is_only_reachable_through_its_own_project(app, client, act_as, login, owner, make_project):
    hidden, attachment = _with_document(app, client, owner, make_project, "draft", login)
    public = make_project(owner, "published")
    act_as("visitor")
    assert client.get(f"/en/projects/{public.id}/attachments/{attachment.id}").status_code == 404
    assert client.get(f"/en/projects/{public.id}/attachments/99999").status_code == 404


def test_owner_removes_a_document(app, client, act_as, login, owner, make_project):
    project, attachment = _with_document(app, client, owner, make_project, "published", login)
    act_as("owner", owner)
    text = page(client.post(f"/en/projects/{project.id}/attachments/{attachment.id}/delete", follow_redirects=True))
    assert "The document is removed." in text
    assert count_rows(ProjectAttachment) == 0 and stored_files(app) == []


@pytest.mark.parametrize("role, code", [("visitor", None), ("enterprise", 403), ("center", 403), ("mentor", 403),
                                        ("pending", 403), ("admin", 403)])
def test_others_cannot_remove_a_document(app, client, act_as, login, owner, make_project, role, code):
    project, attachment = _with_document(app, client, owner, make_project, "published", login)
    act_as(role)
    assert refused(client.post(f"/en/projects/{project.id}/attachments/{attachment.id}/delete"), code)
    assert count_rows(ProjectAttachment) == 1 and len(stored_files(app)) == 1


def test_a_closed_project_takes_no_new_documents(app, client, act_as, owner, make_project):
    project = make_project(owner, "closed")
    act_as("owner", owner)
    text = page(upload(client, project, PDF, "late.pdf"))
    assert "A closed project can no longer be edited." in text
    assert count_rows(ProjectAttachment) == 0 and stored_files(app) == []


def test_a_withdrawn_edit_of_a_public_project_keeps_its_history(app, client, act_as, owner, make_project):
    from collab.content import services as content

    project = make_project(owner, "landed")
    content.send_back_to_review(project, owner)  # the owner edited it…
    content.apply_transition(project, "withdraw", owner)  # …and took the edit back to draft
    db.session.commit()
    act_as("owner", owner)
    client.post(f"/en/projects/{project.id}/delete")
    assert reload(project) is not None and reload(project).status == "draft"
    assert count_rows(StatusChange) > 5
