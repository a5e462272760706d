"""The organisation directory and profiles, as visitors, members and admins see them."""
from __future__ import annotations

import re

import pytest
from babel.numbers import format_currency
from flask_babel import force_locale, gettext

from collab.extensions import db
from collab.orgs.models import Organisation

SEEDED_APPROVED = 16  # collab/data/organisations.json


def page_text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def listed_keys(response) -> list[str]:
    """The organisation keys the directory page links to, in order."""
    return re.findall(r'href="/(?:zh|en)/organisations/([a-z0-9-]+)"', page_text(response))


def count_line(response) -> str:
    return re.search(r'<p class="text-muted small">([^<]*)</p>', page_text(response)).group(1)


# --- the directory ---------------------------------------------------------------

@pytest.mark.parametrize("lang", ["zh", "en"])
def test_directory_lists_the_approved_network_in_both_languages(client, lang):
    response = client.get(f"/{lang}/organisations/")
    keys = listed_keys(response)
    assert len(keys) == SEEDED_APPROVED
    assert {"shenzhen-offshore", "urumqi-hitech", "tashkent-offshore"} <= set(keys)
    page = page_text(response)
    assert ("深圳离岸创新中心" in page) if lang == "zh" else ("Shenzhen" in page)
    assert "16" in count_line(response)


def test_directory_filters_by_kind(client):
    keys = listed_keys(client.get("/en/organisations/?kind=offshore_incubator"))
    assert sorted(keys) == ["dalian-offshore", "shanghai-offshore", "shenzhen-offshore", "weplus-guangzhou"]


def test_directory_ignores_an_unknown_kind(client):
    assert len(listed_keys(client.get("/en/organisations/?kind=spaceport"))) == SEEDED_APPROVED


@pytest.mark.parametrize("city", ["Kashgar", "kashgar", "喀什"])
def test_directory_filters_by_city_in_either_language(client, city):
    keys = listed_keys(client.get("/zh/organisations/", query_string={"city": city}))
    assert sorted(keys) == ["changjiang-kashgar-fund", "kashgar-edz", "kashgar-university", "shenzhen-kashgar-center"]


@pytest.mark.parametrize("city", ["Ürümqi", "乌鲁木齐"])
def test_directory_filters_by_a_city_name_with_diacritics(client, city):
    # The city drop-down offers "Ürümqi" itself: choosing it must find Ürümqi's organisations.
    keys = listed_keys(client.get("/en/organisations/", query_string={"city": city}))
    assert sorted(keys) == ["dabancheng", "tech-transfer-xj", "urumqi-hitech", "xju-it-park"]


def test_city_drop_down_offers_each_city_once_in_the_page_language(client):
    page = page_text(client.get("/zh/organisations/"))
    select = page[page.index('id="city"'):page.index("</select>", page.index('id="city"'))]
    assert select.count('value="Kashgar"') == 1
    assert ">喀什<" in select


@pytest.mark.parametrize("country, expected", [("UZ", ["tashkent-offshore"]), ("kg", ["kyrgyzstan-station"])])
def test_directory_filters_by_country(client, country, expected):
    assert listed_keys(client.get(f"/en/organisations/?country={country}")) == expected


@pytest.mark.parametrize("q", ["离岸", "offshore", "OFFSHORE innovation", "深圳", "Shenzhen"])
def test_directory_search_finds_chinese_and_english_name_parts(client, q):
    keys = listed_keys(client.get("/en/organisations/", query_string={"q": q}))
    assert "shenzhen-offshore" in keys
    assert "urumqi-hitech" not in keys


def test_directory_search_treats_wildcards_literally(client):
    assert listed_keys(client.get("/en/organisations/", query_string={"q": "%"})) == []


def test_filters_combine(client):
    keys = listed_keys(client.get("/en/organisations/?kind=university&city=Kashgar"))
    assert keys == ["kashgar-university"]


def test_no_match_says_so(client):
    page = page_text(client.get("/en/organisations/?q=nothing-like-this"))
    assert "No organisation matches these filters." in page


def test_directory_paginates_after_twenty(client, create_org):
    for _ in range(5):
        create_org(kind="investor")
    first = client.get("/en/organisations/")
    second = client.get("/en/organisations/?page=2")
    first_keys, second_keys = listed_keys(first), listed_keys(second)
    assert len(first_keys) == 20
    assert len(second_keys) == SEEDED_APPROVED + 5 - 20
    assert not set(first_keys) & set(second_keys)
    assert "Page 1 of 2" in page_text(first)
    assert 'href="/en/organisations/?page=2"' in page_text(first)
    assert listed_keys(client.get("/en/organisations/?page=9")) == []


def test_pagination_keeps_the_filters(client, create_org):
    for _ in range(21):
        create_org(kind="investor")
    page = page_text(client.get("/en/organisations/?kind=investor"))
    assert "kind=investor" in page[page.index('aria-label="Pages"'):]
    assert len(listed_keys(client.get("/en/organisations/?kind=investor&page=2"))) == 2


@pytest.mark.parametrize("status", ["proposed", "rejected"])
def test_unapproved_organisations_are_not_listed(client, create_org, status):
    create_org(status=status, key="hidden-org", name_en="Hidden Hydrogen Works")
    assert "hidden-org" not in listed_keys(client.get("/en/organisations/"))
    assert listed_keys(client.get("/en/organisations/?q=hidden")) == []
    assert listed_keys(client.get("/en/organisations/?kind=enterprise&city=Kashgar")) == []


def test_bad_page_numbers_show_the_first_page(client):
    for value in ("0", "-3", "abc"):
        assert len(listed_keys(client.get(f"/en/organisations/?page={value}"))) == SEEDED_APPROVED


# --- the profile -------------------------------------------------------------------

def test_profile_shows_the_name_in_the_page_language(client):
    zh = page_text(client.get("/zh/organisations/shenzhen-offshore"))
    en = page_text(client.get("/en/organisations/shenzhen-offshore"))
    assert '<h1 class="h3"><span lang="zh-Hans">深圳离岸创新中心</span></h1>' in zh
    assert '<h1 class="h3"><span lang="en">Shenzhen Offshore Innovation Center</span></h1>' in en
    assert "original-badge" not in zh.split("<h1", 1)[1].split("</h1>", 1)[0]


@pytest.mark.parametrize("lang, present, missing, shown, shown_lang", [
    ("en", "name_zh", "name_en", "和田玉石合作社", "zh-Hans"),
    ("zh", "name_en", "name_zh", "Hotan Jade Cooperative", "en"),
])
def test_profile_falls_back_to_the_other_language_marked_original(client, create_org, lang, present, missing,
                                                                   shown, shown_lang):
    org = create_org(key="hotan-jade", **{present: shown, missing: ""})
    heading = page_text(client.get(f"/{lang}/organisations/{org.key}")).split("<h1", 1)[1].split("</h1>", 1)[0]
    assert f'<span lang="{shown_lang}">{shown}</span>' in heading
    with force_locale("zh_Hans" if lang == "zh" else "en"):
        badge = gettext("original")
    assert f'original-badge">{badge}</span>' in heading


def test_facts_are_formatted_for_the_locale(client):
    # What Babel itself produces for CNY: ¥ in Chinese, CN¥ in English.
    assert format_currency(5000000, "CNY", locale="zh_Hans") == "¥5,000,000.00"
    assert format_currency(5000000, "CNY", locale="en") == "CN¥5,000,000.00"
    zh = page_text(client.get("/zh/organisations/shenzhen-offshore"))
    en = page_text(client.get("/en/organisations/shenzhen-offshore"))
    assert "¥5,000,000.00" in zh and "CN¥" not in zh
    assert "CN¥5,000,000.00" in en
    assert "789.41 m²" in en


def test_facts_reported_as_ranges_are_shown_as_written(client):
    # weplus-guangzhou reports "20-30" target resident companies: not a number, not a crash.
    page = page_text(client.get("/en/organisations/weplus-guangzhou"))
    assert ">20-30<" in page


def test_every_seeded_profile_renders_in_both_languages(client):
    keys = [org.key for org in db.session.scalars(db.select(Organisation))]
    for key in keys:
        for lang in ("zh", "en"):
            assert client.get(f"/{lang}/organisations/{key}").status_code == 200, (key, lang)


def test_unknown_profile_is_404(client):
    assert client.get("/en/organisations/no-such-org").status_code == 404


def test_profile_lists_approved_members_and_pending_ones_only_to_admins(client, create_org, create_user, login):
    org = create_org(key="kashgar-solar", name_en="Kashgar Solar")
    create_user(role="enterprise", org=org, display_name="Approved Aynur")
    create_user(role="enterprise", org=org, approved=False, display_name="Pending Pamir")
    visitor_page = page_text(client.get("/en/organisations/kashgar-solar"))
    assert "Approved Aynur" in visitor_page
    assert "Pending Pamir" not in visitor_page

    login(create_user(role="center"))
    assert "Pending Pamir" not in page_text(client.get("/en/organisations/kashgar-solar"))

    client.post("/en/logout")
    login(create_user(role="admin"))
    admin_page = page_text(client.get("/en/organisations/kashgar-solar"))
    assert "Approved Aynur" in admin_page
    assert "Pending Pamir" in admin_page and "Awaiting approval" in admin_page


def test_proposed_organisation_is_hidden_from_visitors(client, create_org):
    create_org(status="proposed", key="proposed-org")
    assert client.get("/en/organisations/proposed-org").status_code == 404
    assert client.get("/zh/organisations/proposed-org").status_code == 404


def test_proposed_organisation_is_hidden_from_members_of_other_orgs(client, create_org, create_user, login):
    create_org(status="proposed", key="proposed-org")
    login(create_user(role="enterprise"))
    assert client.get("/en/organisations/proposed-org").status_code == 404


def test_proposed_organisation_is_visible_to_its_pending_member(client, create_org, create_user, login):
    org = create_org(status="proposed", key="proposed-org", name_en="Proposed Pomegranate Co")
    login(create_user(role="enterprise", org=org, approved=False))
    page = page_text(client.get("/en/organisations/proposed-org"))
    assert "Proposed Pomegranate Co" in page
    assert "Proposed, awaiting review" in page


def test_proposed_organisation_is_visible_to_admins(client, create_org, create_user, login):
    create_org(status="proposed", key="proposed-org", name_en="Proposed Pomegranate Co")
    login(create_user(role="admin"))
    assert "Proposed Pomegranate Co" in page_text(client.get("/en/organisations/proposed-org"))


def test_rejected_organisation_is_404_for_visitors(client, create_org):
    create_org(status="rejected", key="rejected-org")
    assert client.get("/en/organisations/rejected-org").status_code == 404


# --- who may publish ------------------------------------------------------------------

@pytest.mark.parametrize("org_status, membership, expected", [
    ("approved", "approved", True),
    ("approved", "pending", False),
    ("approved", "rejected", False),
    ("proposed", "approved", False),
    ("rejected", "approved", False),
])
def test_only_approved_members_of_approved_orgs_publish(create_org, create_user, org_status, membership, expected):
    user = create_user(role="enterprise", org=create_org(status=org_status))
    user.membership_status = membership
    db.session.commit()
    assert user.can_publish is expected


def test_a_user_without_organisation_does_not_publish(create_user):
    assert create_user(role="mentor").can_publish is False


# --- the events an organisation hosts ------------------------------------------------

def _days_from_now(days: int) -> dict:
    from datetime import datetime, timedelta, timezone

    from collab.db import utcnow

    day = (utcnow() + timedelta(days=days)).date()
    start = datetime(day.year, day.month, day.day, 3, tzinfo=timezone.utc)
    return {"starts_at": start, "ends_at": start + timedelta(hours=8), "registration_deadline": start - timedelta(hours=12)}


@pytest.fixture
def hosting(organiser, make_event):
    """A base with upcoming, held, cancelled and draft events, and another host's event."""
    staff = organiser(kind="xinjiang_base")
    make_event(staff, title_zh="喀什人才对接会", title_en="Kashgar talent day", type="talent", **_days_from_now(5))
    make_event(staff, title_zh="创业培训营", title_en="Start-up boot camp", type="training", **_days_from_now(15))
    make_event(staff, "held", title_zh="已举办的路演", title_en="Roadshow held", type="roadshow",
               **_days_from_now(-20))
    make_event(staff, "cancelled", title_zh="取消的对接会", title_en="Cancelled matching day", **_days_from_now(8))
    make_event(staff, "draft", title_zh="草稿对接会", title_en="Draft matching day", **_days_from_now(9))
    other = organiser(kind="offshore_incubator")
    make_event(other, title_zh="别家的路演", title_en="Someone else's roadshow", type="roadshow", **_days_from_now(4))
    return staff.organisation


def _section(page: str, name: str) -> str:
    start = page.index(f'data-events="{name}"')
    return page[start:page.index("</ul>", start)]


@pytest.mark.parametrize("lang, title", [("zh", "title_zh"), ("en", "title_en")])
def test_profile_lists_the_organisations_upcoming_and_held_events(client, hosting, lang, title):
    page = page_text(client.get(f"/{lang}/organisations/{hosting.key}"))
    names = {"zh": ("喀什人才对接会", "创业培训营", "已举办的路演"), "en": ("Kashgar talent day", "Start-up boot camp",
                                                                "Roadshow held")}[lang]
    upcoming, past = _section(page, "upcoming"), _section(page, "past")
    assert names[0] in upcoming and names[1] in upcoming and upcoming.index(names[0]) < upcoming.index(names[1])
    assert names[2] in past and names[2] not in upcoming
    for hidden in ("取消的对接会", "Cancelled matching day", "草稿对接会", "Draft matching day", "别家的路演",
                   "Someone else's roadshow"):
        assert hidden not in page
    assert f'href="/{lang}/events/?organisation={hosting.key}"' in page


def test_a_host_without_events_says_so_and_others_show_no_events_section(client):
    base = page_text(client.get("/en/organisations/dabancheng"))
    assert "No upcoming events." in _section(base, "upcoming") and "No events held yet." in _section(base, "past")
    assert 'data-events="upcoming"' not in page_text(client.get("/en/organisations/kashgar-university"))
