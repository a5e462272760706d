"""The home page in both languages, language routing and the switcher."""
import pytest


@pytest.mark.parametrize("lang, html_lang", [("zh", "zh-Hans"), ("en", "en")])
def test_home_serves_both_languages_with_the_seeded_network(client, lang, html_lang):
    response = client.get(f"/{lang}/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'<html lang="{html_lang}">' in page
    assert "深圳离岸创新中心" in page or "Shenzhen Offshore Innovation Center" in page
    assert 'data-count="organisations">16<' in page


@pytest.mark.parametrize("accept, target", [("zh-CN,zh;q=0.9", "/zh/"), ("en-US,en;q=0.8", "/en/"), ("fr", "/zh/")])
def test_root_redirects_by_accept_language(client, accept, target):
    response = client.get("/", headers={"Accept-Language": accept})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(target)


def test_language_choice_is_remembered(client):
    client.get("/en/organisations/")
    response = client.get("/", headers={"Accept-Language": "zh-CN"})
    assert response.headers["Location"].endswith("/en/")


def test_switcher_keeps_the_page_and_query(client):
    page = client.get("/zh/organisations/?kind=offshore_incubator").get_data(as_text=True)
    assert 'href="/en/organisations/?kind=offshore_incubator"' in page


def test_unknown_language_is_404(client):
    assert client.get("/fr/").status_code == 404


# --- upcoming events ---------------------------------------------------------------

def _event_times(days: int, hours: int = 3):
    """From ``days`` ahead at 03:00 UTC (09:00 Xinjiang time, 11:00 Beijing time), for 8 hours."""
    from datetime import datetime, timedelta, timezone

    from collab.db import utcnow

    day = (utcnow() + timedelta(days=days)).date()
    start = datetime(day.year, day.month, day.day, hours, tzinfo=timezone.utc)
    return {"starts_at": start, "ends_at": start + timedelta(hours=8),
            "registration_deadline": start - timedelta(hours=12)}


@pytest.fixture
def coming_up(organiser, make_event):
    """Five published events (soonest first), and a draft, a cancelled and a held one."""
    host = organiser(display_name="Organiser")
    titles = []
    for n, days in enumerate((9, 3, 20, 6, 30)):
        titles.append((days, f"对接会{n}号", f"Matching day no. {n}"))
        make_event(host, title_zh=f"对接会{n}号", title_en=f"Matching day no. {n}", **_event_times(days))
    make_event(host, "draft", title_zh="草稿活动", title_en="Draft event", **_event_times(2))
    make_event(host, "cancelled", title_zh="已取消活动", title_en="Cancelled event", **_event_times(1))
    make_event(host, "held", title_zh="已举办活动", title_en="Held event", **_event_times(-10))
    soonest = [t for _d, *t in sorted(titles)]
    return host, soonest


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_home_shows_the_next_four_published_events_soonest_first(client, coming_up, lang):
    host, soonest = coming_up
    page = client.get(f"/{lang}/").get_data(as_text=True)
    title = 0 if lang == "zh" else 1
    shown = [t[title] for t in soonest if t[title] in page]
    assert shown == [t[title] for t in soonest[:4]]
    assert [page.index(t) for t in shown] == sorted(page.index(t) for t in shown)
    for hidden in ("草稿活动", "Draft event", "已取消活动", "Cancelled event", "已举办活动", "Held event"):
        assert hidden not in page
    assert f'href="/{lang}/events/"' in page
    assert host.organisation.name_en in page or host.organisation.name_zh in page
    assert "11:00–19:00" in page and "09:00–17:00" in page  # Beijing time for a visitor, Xinjiang time beside


def test_home_shows_event_times_in_the_viewers_zone(client, coming_up, create_user, login):
    login(create_user(timezone="Asia/Tashkent"))
    page = client.get("/en/").get_data(as_text=True)
    assert "08:00–16:00" in page and "09:00–17:00" in page


def test_home_without_events_says_so(client):
    page = client.get("/en/").get_data(as_text=True)
    assert 'id="events-title"' in page and 'href="/en/events/"' in page
    assert "data-event=" not in page


def test_home_events_cost_the_same_queries_for_one_or_four(client, organiser, make_event):
    from sqlalchemy import event as sa_event
    from sqlalchemy.engine import Engine

    def queries():
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        sa_event.listen(Engine, "before_cursor_execute", listener)
        try:
            assert client.get("/en/").status_code == 200
        finally:
            sa_event.remove(Engine, "before_cursor_execute", listener)
        return len(statements)

    host = organiser()
    make_event(host, **_event_times(3))
    client.get("/en/")  # warm caches
    one = queries()
    for days in (4, 5, 6):
        make_event(host, title_en=f"Day {days}", **_event_times(days))
    assert queries() == one
