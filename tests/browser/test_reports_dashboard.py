"""Dashboards in a real browser (issue 11 acceptance): the network dashboard and an
organisation's render in Chinese and English with every request that does not go to the
app itself aborted (and none attempted), their SVG charts visible, at desktop (1280 px)
and phone (390 px) width without sideways scrolling; the evaluation page too."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.committed]  # a live server thread commits

DEMO_PASSWORD = "collab-demo-2026"
ADMIN = "admin@collab.demo"  # the Ürümqi base's admin (organisation urumqi-hitech)
SECTIONS = ("indicators", "funnel", "mentoring", "lifecycle", "flows")


def log_in(page, lang: str, email: str) -> None:
    page.goto(f"/{lang}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("#main form [type=submit]")
    assert "/login" not in page.url, page.locator(".invalid-feedback, .alert").all_inner_texts()


def closed_network(page, app_host: str) -> list[str]:
    """Abort every request that is not for the app; returns the list of those attempted."""
    attempted: list[str] = []

    def handle(route):
        parts = urlsplit(route.request.url)
        if parts.scheme in ("http", "https") and parts.netloc == app_host:
            route.continue_()
        else:
            attempted.append(route.request.url)
            route.abort()

    page.context.route("**/*", handle)
    return attempted


def check_page(page, url: str, *, width: int) -> None:
    from playwright.sync_api import expect

    response = page.goto(url)
    assert response is not None and response.status == 200, url
    charts = page.locator("svg.chart")
    assert charts.count() >= len(SECTIONS)
    for key in SECTIONS:
        section = page.locator(f"#section-{key}")
        expect(section.locator("svg.chart").first).to_be_visible()
        expect(section.locator("table caption")).to_be_visible()
        box = section.locator("svg.chart").first.bounding_box()
        assert box and box["width"] > 100 and box["height"] > 20, (key, box)
        assert box["x"] + box["width"] <= width + 1, (key, box)
        assert section.locator("a[href*='.csv']").count() == 1 and section.locator("a[href*='.xlsx']").count() == 1
    # Every chart is an image with a name, and its text is drawn with a CJK-capable font stack.
    for index in range(charts.count()):
        chart = charts.nth(index)
        assert chart.get_attribute("role") == "img"
        assert "Noto Sans CJK" in (chart.get_attribute("font-family") or "")
    no_sideways = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert no_sideways, (url, width, page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]"))


@pytest.mark.parametrize("width", [1280, 390])
def test_dashboards_render_offline_in_both_languages(live_server, new_page, width):
    page = new_page(locale="zh-CN", timezone_id="Asia/Urumqi", viewport={"width": width, "height": 900})
    attempted = closed_network(page, urlsplit(live_server.url).netloc)
    log_in(page, "zh", ADMIN)
    for lang in ("zh", "en"):
        check_page(page, f"/{lang}/reports/dashboard", width=width)
        assert page.locator("html").get_attribute("lang") == ("zh-Hans" if lang == "zh" else "en")
        check_page(page, f"/{lang}/reports/organisations/urumqi-hitech/dashboard", width=width)
        heading = page.locator("h1").inner_text()
        assert ("乌鲁木齐" in heading) if lang == "zh" else ("Ürümqi" in heading)
        # A chart's figures are the table's: the funnel's steps (or, without any, "no data").
        steps = page.locator("#section-funnel g.chart-step")
        cells = [page.locator("#table-funnel tbody tr").nth(i).locator("td").first.inner_text().replace(",", "")
                 for i in range(5)]
        if steps.count():
            assert [steps.nth(i).get_attribute("data-value") for i in range(5)] == cells
        else:
            assert cells == ["0"] * 5 and page.locator("#section-funnel svg.chart-empty").is_visible()
        page.screenshot(path=f"/tmp/collab-dashboard-{lang}-{width}.png", full_page=True)
        response = page.goto(f"/{lang}/reports/evaluation?year=2023")
        assert response.status == 200
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert attempted == [], attempted
