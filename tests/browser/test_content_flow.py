"""A project's way to the public in a real browser: an offshore center posts it in both
languages through the form, an administrator approves it in the review queue, and a
visitor finds it with a two-character Chinese search and reads it in English. No console
error and nothing fetched from outside this machine (fixtures in conftest.py)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

pytestmark = [pytest.mark.browser, pytest.mark.committed]  # a live server thread commits

DEMO_PASSWORD = "collab-demo-2026"
PROJECT = {
    "title_zh": "熔盐储热光热电站示范项目",
    "title_en": "Molten-salt heat storage for a concentrated solar plant",
    "summary_zh": "在大连完成熔盐储热中试，计划在哈密建设五十兆瓦熔盐塔式光热电站示范线，寻求园区用地与配套资金。",
    "summary_en": "Molten-salt storage was piloted in Dalian; a 50 MW concentrated solar demonstration line "
                  "is to land in Hami, seeking a site and co-investment.",
}
SEARCH_TERM = "熔盐"  # two characters, as most Chinese words are
SCREENSHOT = "/tmp/collab-project-search-zh.png"


def log_in(page, live_server, email: str) -> None:
    page.goto("/zh/login")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("#submit")
    assert live_server.path_of(page.url) != "/zh/login", page.locator(".invalid-feedback, .alert").all_inner_texts()


def stored_project(live_server):
    from collab.extensions import db
    from collab.projects.models import Project

    with live_server.app.app_context():
        project = db.session.scalar(select(Project).where(Project.title_zh == PROJECT["title_zh"]))
        result = None if project is None else (project.id, project.status, project.title_en, project.sector_codes)
        db.session.remove()
    return result


def test_center_posts_admin_approves_visitor_finds_and_reads(live_server, page, new_page):
    from playwright.sync_api import expect

    # 1. An offshore center's staff member writes the project in both languages and submits it.
    log_in(page, live_server, "center@collab.demo")
    page.goto("/zh/projects/new")
    for name, value in PROJECT.items():
        page.fill(f"#{name}", value)
    page.select_option("#stage", "prototype")
    page.select_option("#direction", "offshore_to_xinjiang")
    page.fill("#funding_sought_cny", "30000000")
    page.fill("#city", "Dalian")
    page.check("input[name=sectors][value=new_energy]")
    page.check("input[name=seeks][value=landing_site]")
    with page.expect_navigation():
        page.click("#submit_for_review")
    assert re.fullmatch(r"/zh/projects/\d+", live_server.path_of(page.url)), page.locator(
        ".invalid-feedback, .alert").all_inner_texts()
    expect(page.locator("[data-status=pending_review]").first).to_be_visible()
    project_id, status, title_en, sectors = stored_project(live_server)
    assert (status, title_en, sectors) == ("pending_review", PROJECT["title_en"], ["new_energy"])

    # Until it is approved, visitors find nothing and the page itself is hidden.
    visitor = new_page(locale="zh-CN", timezone_id="Asia/Urumqi")
    visitor.goto(f"/zh/projects/?q={SEARCH_TERM}")
    expect(visitor.locator(f"a[href='/zh/projects/{project_id}']")).to_have_count(0)
    assert visitor.request.get(f"/zh/projects/{project_id}").status == 404  # (no console error logged)

    # 2. An administrator approves it from the review queue.
    admin = new_page(locale="zh-CN", timezone_id="Asia/Urumqi")
    log_in(admin, live_server, "admin@collab.demo")
    admin.goto("/zh/admin/reviews")
    item = admin.locator(f"article.review-item[data-kind=project][data-id='{project_id}']")
    expect(item).to_contain_text(PROJECT["title_zh"])
    expect(item).to_contain_text(PROJECT["summary_en"])  # the reviewer reads both languages
    with admin.expect_navigation():
        item.locator("form:has(input[name=decision][value=approve]) button[type=submit]").click()
    expect(admin.locator(f"article.review-item[data-kind=project][data-id='{project_id}']")).to_have_count(0)
    assert stored_project(live_server)[1] == "published"

    # 3. A visitor searches the Chinese listing with a two-character word.
    visitor.goto("/zh/projects/")
    visitor.fill("#q", SEARCH_TERM)
    with visitor.expect_navigation():
        visitor.press("#q", "Enter")
    assert live_server.path_of(visitor.url).startswith("/zh/projects/?q=")
    results = visitor.locator(".list-group a.list-group-item")
    expect(results).to_have_count(1)
    hit = results.first
    expect(hit).to_have_attribute("href", f"/zh/projects/{project_id}")
    expect(hit.locator("h2")).to_contain_text(PROJECT["title_zh"])
    marks = hit.locator(".snippet mark")
    expect(marks.first).to_have_text(SEARCH_TERM)  # the snippet highlights the term
    assert marks.count() >= 2  # every occurrence in the excerpt
    expect(hit.locator(".snippet")).to_have_attribute("lang", "zh-Hans")
    visitor.screenshot(path=SCREENSHOT, full_page=True)

    # 4. ... opens it, and reads it in English through the language switcher.
    with visitor.expect_navigation():
        hit.click()
    assert live_server.path_of(visitor.url) == f"/zh/projects/{project_id}"
    expect(visitor.locator("h1")).to_contain_text(PROJECT["title_zh"])
    visitor.click("#language-switch")
    visitor.wait_for_url(f"{live_server.url}/en/projects/{project_id}")
    expect(visitor.locator("html")).to_have_attribute("lang", "en")
    expect(visitor.locator("h1")).to_contain_text(PROJECT["title_en"])
    expect(visitor.locator("main")).to_contain_text(PROJECT["summary_en"])
    expect(visitor.locator("[data-status=published]").first).to_be_visible()

    # The English listing finds it by an English word too, highlighted in the English summary.
    visitor.goto("/en/projects/?q=molten")
    english_hit = visitor.locator(f".list-group a[href='/en/projects/{project_id}']")
    expect(english_hit).to_have_count(1)
    expect(english_hit.locator(".snippet mark").first).to_have_text(re.compile("molten", re.I))
