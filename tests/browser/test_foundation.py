"""Acceptance of the foundation in a real browser: both languages, sign-up, log-out,
log-in and the language switcher, with no console error and nothing fetched from
outside this machine (fixtures in tests/browser/conftest.py)."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

pytestmark = [pytest.mark.browser, pytest.mark.committed]  # a live server thread commits

HERO = "离岸不离疆: incubate where capital and talent are, grow in Xinjiang"
CJK = re.compile(r"[\u4e00-\u9fff]")
SCREENSHOT = "/tmp/collab-home-zh.png"
MOBILE_SCREENSHOT = "/tmp/collab-home-zh-mobile.png"
NEW_USER = {"email": "gulnar@silkroad-materials.cn", "display_name": "古丽娜尔", "password": "Xinjiang-2026"}


def translated(live_server, lang: str, message: str) -> str:
    """What the app's catalog says for ``message`` in ``lang`` (tracks the .po files)."""
    from flask_babel import gettext

    with live_server.app.test_request_context(f"/{lang}/"):
        return gettext(message)


def path(live_server, page) -> str:
    return live_server.path_of(page.url)


def submit(page, button: str, live_server, expected_path: str) -> None:
    """Click a form's button and expect to land on ``expected_path``; on a refusal,
    fail with the form errors the page shows rather than a bare time-out."""
    with page.expect_navigation():
        page.click(button)
    if path(live_server, page) != expected_path:
        errors = page.locator(".invalid-feedback, .alert").all_inner_texts()
        pytest.fail(f"expected {expected_path}, got {path(live_server, page)}; the page says: {errors}")


def test_home_register_logout_login_and_switch_language(live_server, page, browser_log):
    from playwright.sync_api import expect

    # The home page in Chinese: lang attribute, the hero as the catalog has it, CJK glyphs.
    page.goto("/zh/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    hero = page.locator("section.hero h1")
    expect(hero).to_have_text(translated(live_server, "zh", HERO))
    assert CJK.search(hero.inner_text())
    with live_server.app.app_context():
        from collab.auth.membership import live_counts

        organisations = live_counts()["organisations"]  # the real network plus the demo enterprises
    expect(page.locator("[data-count=organisations]")).to_have_text(str(organisations))
    # Bootstrap's CSS and JS come from the app itself, and they actually ran.
    assert page.evaluate("() => typeof window.bootstrap === 'object'")
    assert page.evaluate("() => getComputedStyle(document.querySelector('.navbar')).display") == "flex"
    # app.js tells the server the browser's zone: from the next page on, a visitor's
    # times are in Xinjiang time.
    page.reload()
    expect(page.locator("footer")).to_contain_text(translated(live_server, "zh", "Xinjiang time"))
    page.screenshot(path=SCREENSHOT, full_page=True)

    # The same page in English.
    page.goto("/en/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("section.hero h1")).to_have_text(translated(live_server, "en", HERO))
    expect(page.locator("#language-switch")).to_have_text("中文")

    # Sign up through the form, as a Chinese-speaking center employee in Xinjiang.
    page.goto("/zh/register")
    timezone = page.locator("select#timezone")
    expect(timezone).to_have_value("Asia/Urumqi")  # defaulted from the browser's zone
    expect(page.locator("#org-proposal")).to_be_hidden()
    page.fill("#email", NEW_USER["email"])
    page.fill("#display_name", NEW_USER["display_name"])
    page.fill("#password", NEW_USER["password"])
    page.fill("#confirm", NEW_USER["password"])
    page.check("input[name=role][value=center]")
    page.select_option("#organisation", "shanghai-offshore")
    expect(page.locator("#org-proposal")).to_be_hidden()
    submit(page, "#submit", live_server, "/zh/")
    nav = page.locator("nav.navbar")
    expect(nav).to_contain_text(NEW_USER["display_name"])
    expect(page.locator("main .alert").first).to_be_visible()

    from collab.auth.models import User
    from collab.extensions import db

    with live_server.app.app_context():
        user = db.session.scalar(select(User).where(User.email == NEW_USER["email"]))
        assert user is not None
        assert (user.timezone, user.locale, user.roles) == ("Asia/Urumqi", "zh", "center")
        assert (user.organisation.key, user.membership_status) == ("shanghai-offshore", "pending")
        db.session.remove()

    # Log out with the navbar's button (a POST with its CSRF token).
    submit(page, "nav form[action$='/logout'] button", live_server, "/zh/")
    expect(nav).not_to_contain_text(NEW_USER["display_name"])
    expect(nav.locator("a[href='/zh/login']")).to_be_visible()

    # Log in again.
    nav.locator("a[href='/zh/login']").click()
    page.wait_for_url(f"{live_server.url}/zh/login")
    page.fill("#email", NEW_USER["email"])
    page.fill("#password", NEW_USER["password"])
    submit(page, "#submit", live_server, "/zh/")
    expect(nav).to_contain_text(NEW_USER["display_name"])

    # The switcher opens the same page, with its query, in the other language and back.
    page.goto("/zh/organisations/?kind=offshore_incubator")
    page.click("#language-switch")
    page.wait_for_url(f"{live_server.url}/en/organisations/?kind=offshore_incubator")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(nav).to_contain_text(NEW_USER["display_name"])  # still signed in
    page.click("#language-switch")
    page.wait_for_url(f"{live_server.url}/zh/organisations/?kind=offshore_incubator")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    page.goto("/zh/account")
    page.click("#language-switch")
    page.wait_for_url(f"{live_server.url}/en/account")
    assert path(live_server, page) == "/en/account"

    # Everything came from this machine, Bootstrap's script included; the console stayed clean.
    assert browser_log.requests
    assert not browser_log.foreign_requests(), browser_log.foreign_requests()
    assert any(urlsplit(url).path.endswith("bootstrap.min.js") for url in browser_log.requests)
    assert not browser_log.problems(), browser_log.problems()


def test_phone_layout_fits_and_the_menu_opens(new_page):
    """On a phone the page fits the screen and Bootstrap's collapse (our local JS,
    under the strict CSP) opens the menu."""
    from playwright.sync_api import expect

    page = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page.goto("/zh/")
    switch = page.locator("#language-switch")
    expect(switch).to_be_hidden()
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    page.click(".navbar-toggler")
    expect(switch).to_be_visible()
    expect(page.locator("#nav")).to_have_class(re.compile(r"\bshow\b"))  # the animation has ended
    page.screenshot(path=MOBILE_SCREENSHOT, full_page=True)
    switch.click()
    page.wait_for_url("**/en/")


def test_the_watch_catches_csp_violations_script_errors_404s_and_foreign_requests(
        chromium_browser, live_server, browser_log):
    """The harness itself: a page that breaks every rule is caught on every count.
    (Without the ``page`` fixture nothing fails at teardown; this test reads the log.)"""
    log = browser_log
    context = chromium_browser.new_context(base_url=live_server.url)
    log.watch(context)
    page = context.new_page()
    try:
        page.goto("/en/")
        page.evaluate("""() => {
            const script = document.createElement("script");
            script.textContent = "window.inlineRan = true";
            document.body.appendChild(script);
            document.body.insertAdjacentHTML("beforeend", '<p style="color: red">inline style</p>');
            const image = document.createElement("img");
            image.src = "https://cdn.example.com/logo.png";
            document.body.appendChild(image);
            setTimeout(() => { throw new Error("boom from a script"); }, 0);
        }""")
        page.wait_for_function("() => document.readyState === 'complete'")
        page.goto("/static/missing.js")
    finally:
        context.close()
    problems = "\n".join(log.problems())
    assert "script-src" in problems  # the CSP blocked the inline script
    assert "style-src" in problems  # and the inline style
    assert "boom from a script" in problems
    assert "404" in problems
    assert log.foreign_requests() == ["https://cdn.example.com/logo.png"]
