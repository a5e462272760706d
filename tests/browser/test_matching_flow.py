"""Acceptance of matching (issue 4) in a real browser: an enterprise opens its
Chinese-only need, sees an English-only project recommended with the shared terms shown
in both languages, expresses interest; the center, reading English, accepts from its
notifications and both sides now see each other's contacts. No console error, nothing
fetched from outside this machine (fixtures in tests/browser/conftest.py)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from content_factories import need_data, project_data

pytestmark = [pytest.mark.browser, pytest.mark.committed]  # a live server thread commits

PASSWORD = "Kashgar-Graphene-2026"
ENTERPRISE_EMAIL = "aygul@kashgar-thermal.cn"
CENTER_EMAIL = "li.wei@shanghai-graphene.example"
SCREENSHOTS = {"need": "/tmp/collab-matching-need-zh.png", "intro": "/tmp/collab-matching-intro-en.png"}

# The same technology described in one language each: only the glossary links them.
NEED_ZH = dict(
    title_zh="石墨烯导热膜量产工艺", title_en=None,
    description_zh="我公司在喀什建设电子材料产线，需要石墨烯导热膜的连续化量产工艺和设备，用于手机散热。",
    description_en=None, sectors=[], kind="technology", location="kashgar",
    budget_min_cny=2_000_000, budget_max_cny=8_000_000,
)
PROJECT_EN = dict(
    title_zh=None, title_en="Graphene thermal film roll-to-roll production",
    summary_zh=None,
    summary_en="Our Shanghai team makes graphene heat-spreading film for smartphones on a continuous roll-to-roll "
               "line and wants to land a production base in Xinjiang.",
    sectors=[], stage="early_revenue", funding_sought_cny=5_000_000, city="Shanghai",
)


def _organisation(key: str, kind: str, name_zh: str, name_en: str, city_zh: str, city_en: str, tz: str):
    from collab.extensions import db
    from collab.orgs.models import Organisation

    org = Organisation(key=key, kind=kind, status="approved", name_zh=name_zh, name_en=name_en,
                       city_zh=city_zh, city_en=city_en, country="CN", timezone=tz, facts={})
    org.refresh_search_text()
    db.session.add(org)
    db.session.flush()
    return org


def make_the_pair(live_server) -> dict:
    """An approved enterprise (zh) with an open Chinese-only need and an approved center (en)
    with a published English-only project, made through the services; publishing refreshes
    the stored matches as it does in production."""
    from collab.auth.models import User
    from collab.auth.services import create_user
    from collab.content import services as content
    from collab.extensions import db
    from collab.needs.kind import NEEDS
    from collab.projects.kind import PROJECTS

    with live_server.app.app_context():
        admin = db.session.scalar(select(User).where(User.email == "admin@collab.demo"))
        enterprise = create_user(
            email=ENTERPRISE_EMAIL, password=PASSWORD, role="enterprise", display_name="阿依古丽", locale="zh",
            timezone="Asia/Urumqi", organisation=_organisation(
                "kashgar-thermal", "enterprise", "喀什导热材料有限公司", "Kashgar Thermal Materials",
                "喀什", "Kashgar", "Asia/Urumqi"))
        center = create_user(
            email=CENTER_EMAIL, password=PASSWORD, role="center", display_name="Li Wei", locale="en",
            timezone="Asia/Shanghai", organisation=_organisation(
                "shanghai-graphene-hub", "offshore_incubator", "上海石墨烯离岸孵化中心", "Shanghai Graphene Hub",
                "上海", "Shanghai", "Asia/Shanghai"))
        project = content.create_item(PROJECTS, center, project_data(**PROJECT_EN))
        need = content.create_item(NEEDS, enterprise, need_data(**NEED_ZH))
        for item, status, owner in ((project, "published", center), (need, "open", enterprise)):
            content.record_change(item, "pending_review", owner)
            content.record_change(item, status, admin)
        db.session.commit()
        ids = {"need": need.id, "project": project.id, "enterprise": enterprise.id, "center": center.id}
        db.session.remove()
    return ids


def log_in(live_server, page, lang: str, email: str) -> None:
    """Log in through the form; on a refusal, fail with what the page says."""
    page.goto(f"/{lang}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("#submit")
    if live_server.path_of(page.url).startswith(f"/{lang}/login"):
        errors = page.locator(".invalid-feedback, .alert").all_inner_texts()
        pytest.fail(f"log-in as {email} refused: {errors}")


def the_introduction(live_server, need_id: int, project_id: int):
    from collab.extensions import db
    from collab.matching.models import Introduction

    with live_server.app.app_context():
        intro = db.session.scalar(select(Introduction).where(Introduction.need_id == need_id,
                                                             Introduction.project_id == project_id))
        found = None if intro is None else {"id": intro.id, "status": intro.status,
                                            "initiator_side": intro.initiator_side, "message": intro.message}
        db.session.remove()
    return found


def test_enterprise_expresses_interest_in_a_recommended_project_and_the_center_accepts(
        live_server, page, new_page, browser_log):
    from playwright.sync_api import expect

    ids = make_the_pair(live_server)

    # The enterprise, in a Chinese browser, opens its need: the English-only project is
    # recommended, and the shared term is shown in both languages.
    log_in(live_server, page, "zh", ENTERPRISE_EMAIL)
    page.goto(f"/zh/needs/{ids['need']}")
    recommended = page.locator("#recommended")
    expect(recommended).to_be_visible()
    project_link = f"a[href='/zh/projects/{ids['project']}']"
    expect(recommended.locator(project_link)).to_contain_text(PROJECT_EN["title_en"])
    item = recommended.locator(".recommended-item").filter(has=page.locator(project_link))
    graphene = item.locator(".match-term").filter(has_text="石墨烯")
    expect(graphene).to_have_count(1)
    expect(graphene.locator("[lang=zh-Hans]")).to_have_text("石墨烯")
    expect(graphene.locator("[lang=en]")).to_have_text("graphene")
    page.screenshot(path=SCREENSHOTS["need"], full_page=True)

    # Expressing interest, with a message, opens the new introduction.
    message = "我们在喀什有现成厂房，想试点贵团队的卷对卷产线。"
    item.locator("input[name=message]").fill(message)
    with page.expect_navigation():
        item.locator(".interest-form button[type=submit]").click()
    intro = the_introduction(live_server, ids["need"], ids["project"])
    assert intro is not None, page.locator(".alert").all_inner_texts()
    assert (intro["status"], intro["initiator_side"], intro["message"]) == ("proposed", "need", message)
    assert live_server.path_of(page.url) == f"/zh/introductions/{intro['id']}"
    expect(page.locator("#intro-status")).to_have_attribute("data-status", "proposed")
    expect(page.locator("main blockquote")).to_have_text(message)
    expect(page.locator("#accept-intro")).to_have_count(0)  # the initiator does not answer their own interest
    expect(page.locator(".contact[data-side=project]")).to_have_count(0)  # no contacts before acceptance

    # The center, reading English in Shanghai, finds the introduction in its notifications
    # (the enterprise's contact still hidden) and accepts it.
    center_page = new_page(locale="en-US", timezone_id="Asia/Shanghai")
    log_in(live_server, center_page, "en", CENTER_EMAIL)
    center_page.locator("nav.navbar a[href='/en/notifications']").click()
    center_page.wait_for_url(f"{live_server.url}/en/notifications")
    intro_path = f"/en/introductions/{intro['id']}"
    # Notification links go through /notifications/<id>, which marks them read.
    notification = center_page.locator("main a[href^='/en/notifications/']").first
    expect(notification).to_contain_text(PROJECT_EN["title_en"])  # the need's title is Chinese only
    notification.click()
    center_page.wait_for_url(f"{live_server.url}{intro_path}")
    expect(center_page.locator("#unread-badge")).to_have_count(0)  # following it marked it read
    expect(center_page.locator("html")).to_have_attribute("lang", "en")
    expect(center_page.locator("#intro-status")).to_have_attribute("data-status", "proposed")
    expect(center_page.locator("main")).not_to_contain_text(ENTERPRISE_EMAIL)
    with center_page.expect_navigation():
        center_page.click("#accept-intro")
    assert live_server.path_of(center_page.url) == intro_path
    status = center_page.locator("#intro-status")
    expect(status).to_have_attribute("data-status", "accepted")
    with live_server.app.test_request_context("/en/"):
        from collab.matching.labels import INTRO_STATUS_LABELS

        expect(status).to_have_text(str(INTRO_STATUS_LABELS["accepted"]).capitalize())
    enterprise_contact = center_page.locator(".contact[data-side=need]")
    expect(enterprise_contact.locator(f"a[href='mailto:{ENTERPRISE_EMAIL}']")).to_have_text(ENTERPRISE_EMAIL)
    expect(center_page.locator("#accept-intro")).to_have_count(0)
    center_page.screenshot(path=SCREENSHOTS["intro"], full_page=True)
    assert the_introduction(live_server, ids["need"], ids["project"])["status"] == "accepted"

    # And the enterprise now sees the center's contact.
    page.reload()
    expect(page.locator("#intro-status")).to_have_attribute("data-status", "accepted")
    expect(page.locator(f".contact[data-side=project] a[href='mailto:{CENTER_EMAIL}']")).to_be_visible()

    assert not browser_log.problems(), browser_log.problems()
