"""Bilingual search over projects and needs (CJK uni- and bigrams, folded English
plurals) through an index on both databases, and the listings' filters, sorting and
pagination."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from collab.db import utcnow
from collab.extensions import db
from collab.needs.models import Need
from collab.needs.services import today
from collab.projects.models import Project
from collab.search.index import filter_by_query, snippet

from content_factories import page

PER_PAGE = 3


@pytest.fixture
def app_config(app_config):
    """Small pages, so pagination shows with a handful of items."""
    return {**app_config, "PER_PAGE": PER_PAGE}


def project_ids(response) -> list[int]:
    return [int(i) for i in re.findall(r'list-group-item-action" href="/(?:en|zh)/projects/(\d+)"', page(response))]


def need_ids(response) -> list[int]:
    return [int(i) for i in re.findall(r'list-group-item-action" href="/(?:en|zh)/needs/(\d+)"', page(response))]


@pytest.fixture
def center(create_user):
    return create_user(role="center")


@pytest.fixture
def enterprise(create_user):
    return create_user(role="enterprise")


@pytest.fixture
def corpus(center, enterprise, make_project, make_need):
    """A few public items with distinctive words, plus hidden ones that must never be found."""
    items = {
        "solar": make_project(center, "published", title_zh="分布式光伏电站运维", title_en="Distributed PV plant O&M",
                              summary_zh="为南疆的分布式光伏电站提供智能运维服务。", summary_en="Smart maintenance for PV plants.",
                              sectors=["new_energy"]),
        "membrane": make_project(center, "in_incubation", title_zh="海水淡化反渗透膜", title_en="Reverse osmosis membrane",
                                 summary_zh="高通量反渗透膜，用于苦咸水淡化。",
                                 summary_en="A high-flux Membrane for brackish water desalination.",
                                 sectors=["new_materials"]),
        "battery": make_project(center, "published", title_zh="储能电池梯次利用", title_en="Second-life battery storage",
                                summary_zh="退役动力电池用于储能。", summary_en="Retired EV battery packs reused for storage.",
                                sectors=["energy_saving_env"]),
        "film_need": make_need(enterprise, "open", title_zh="农用地膜回收", title_en="Recycling farm mulch",
                               description_zh="寻找农用地膜回收与再生技术。", description_en="Seeking recycling technology.",
                               sectors=["modern_agriculture"]),
        "batteries_need": make_need(enterprise, "open", title_zh="电池回收需求", title_en="Batteries wanted for recycling",
                                    description_zh="收购退役电池。", description_en="We buy retired batteries.",
                                    sectors=["energy_saving_env"]),
        # Never found by visitors (members only) or by anyone (drafts, pending).
        "members_need": make_need(enterprise, "open", visibility="members", title_zh="光伏支架采购（会员可见）",
                                  title_en="PV mounting members only", description_zh="光伏支架。",
                                  description_en="Membranes and mounts."),
        "draft": make_project(center, "draft", title_zh="光伏草稿", title_en="Draft membrane project",
                              summary_zh="光伏膜草稿", summary_en="membrane battery draft"),
        "pending": make_project(center, "pending_review", title_zh="光伏待审", title_en="Pending membrane project",
                                summary_zh="光伏膜待审", summary_en="membrane battery pending"),
        "draft_need": make_need(enterprise, "draft", title_zh="膜草稿需求", title_en="Draft membrane need",
                                description_zh="光伏膜", description_en="batteries membranes"),
    }
    return {name: item.id for name, item in items.items()}


# --- words in two languages ---------------------------------------------------------

@pytest.mark.parametrize("q, projects, needs", [
    ("光伏", {"solar"}, set()),            # two characters: the bigram
    ("膜", {"membrane"}, {"film_need"}),   # one character: the unigram
    ("反渗透膜", {"membrane"}, set()),
    ("电池", {"battery"}, {"batteries_need"}),
    ("membranes", {"membrane"}, set()),    # plural finds the singular
    ("MEMBRANE", {"membrane"}, set()),     # case folded
    ("Batteries", {"battery"}, {"batteries_need"}),
    ("battery", {"battery"}, {"batteries_need"}),
    ("battery storage", {"battery"}, set()),  # every word must be found
    ("新能源", {"solar"}, set()),            # the sector's Chinese name finds an item filed under it
    ("graphene", set(), set()),
])
def test_queries_in_chinese_and_english(client, corpus, q, projects, needs):
    assert set(project_ids(client.get("/en/projects/", query_string={"q": q}))) == {corpus[n] for n in projects}
    assert set(need_ids(client.get("/en/needs/", query_string={"q": q}))) == {corpus[n] for n in needs}


def test_results_highlight_the_query_in_snippets(client, corpus):
    text_zh = page(client.get("/zh/projects/", query_string={"q": "光伏"}))
    assert "<mark>光伏</mark>" in text_zh
    text_en = page(client.get("/en/projects/", query_string={"q": "membranes"}))
    assert "<mark>Membrane</mark>" in text_en
    text = page(client.get("/en/needs/", query_string={"q": "Batteries"}))
    assert "<mark>batteries</mark>" in text


def test_snippets_escape_the_text_around_the_marks():
    html = str(snippet("<b>membrane</b> & more", "membrane"))
    assert html == "&lt;b&gt;<mark>membrane</mark>&lt;/b&gt; &amp; more"


def test_an_edit_reindexes_the_item(client, login, center, corpus):
    project = db.session.get(Project, corpus["battery"])
    from collab.content import services

    services.update_item(project, {"title_en": "Second-life lithium storage", "summary_en": "Graphene anodes."},
                         center)
    from collab.content import services as content

    content.record_change(project, "published", None)
    db.session.commit()
    assert project_ids(client.get("/en/projects/", query_string={"q": "graphene"})) == [corpus["battery"]]


def test_a_deleted_draft_leaves_the_index(app, center, make_project):
    from collab.content import services

    project = make_project(center, title_en="Unique zeppelin idea")
    services.delete_draft(project, center)
    db.session.commit()
    table = "search_fts" if db.engine.dialect.name == "sqlite" else "search_documents"
    assert db.session.scalar(text(f"SELECT count(*) FROM {table} WHERE item_id = :id AND item_type = 'project'"),
                             {"id": project.id}) == 0


# --- visibility -----------------------------------------------------------------------

def test_visitors_never_find_members_only_needs_or_drafts(client, corpus):
    for q in ("光伏", "膜", "membrane", "batteries"):
        found_projects = set(project_ids(client.get("/en/projects/", query_string={"q": q})))
        found_needs = set(need_ids(client.get("/en/needs/", query_string={"q": q})))
        assert not found_projects & {corpus["draft"], corpus["pending"]}
        assert not found_needs & {corpus["members_need"], corpus["draft_need"]}


@pytest.mark.parametrize("role", ["enterprise", "center", "admin"])
def test_approved_members_find_members_only_needs(client, act_as, corpus, role):
    act_as(role)
    assert corpus["members_need"] in need_ids(client.get("/en/needs/", query_string={"q": "光伏"}))


def test_pending_members_do_not_find_members_only_needs(client, act_as, corpus):
    act_as("pending")
    assert corpus["members_need"] not in need_ids(client.get("/en/needs/", query_string={"q": "光伏"}))


def test_owners_do_not_find_their_drafts_in_search(client, login, center, enterprise, corpus):
    login(center)
    found = project_ids(client.get("/en/projects/", query_string={"q": "光伏"}))
    assert corpus["draft"] not in found and corpus["pending"] not in found
    client.post("/en/logout")
    login(enterprise)
    assert corpus["draft_need"] not in need_ids(client.get("/en/needs/", query_string={"q": "膜"}))


def test_the_api_search_respects_visibility_and_highlights(client, corpus):
    response = client.get("/api/v1/search", query_string={"q": "光伏"})
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert {(i["type"], i["id"]) for i in items} == {("project", corpus["solar"])}
    assert "<mark>光伏</mark>" in items[0]["snippet"]
    items = client.get("/api/v1/search", query_string={"q": "membranes"}).get_json()["items"]
    found = {(i["type"], i["id"]) for i in items}
    assert found == {("project", corpus["membrane"])}


# --- the index is used ------------------------------------------------------------------

def _plan(statement) -> str:
    """EXPLAIN (QUERY PLAN) of a SQLAlchemy select as the database would run it."""
    connection = db.session.connection()
    compiled = statement.compile(dialect=connection.dialect)
    if connection.dialect.name == "sqlite":
        params = tuple(compiled.params[name] for name in compiled.positiontup)
        rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), params).all()
        return "\n".join(str(row[-1]) for row in rows)
    # A handful of rows makes any plan cheap (the planner then filters the primary key on
    # item_type); give the table a realistic size and statistics, as a live network has.
    connection.exec_driver_sql(
        "INSERT INTO search_documents (item_type, item_id, tokens) SELECT "
        "CASE WHEN mod(g, 2) = 0 THEN 'project' ELSE 'need' END, 1000000 + g, ARRAY['filler' || mod(g, 97), 'w' || g] "
        "FROM generate_series(1, 5000) AS g")
    # Fresh GIN entries wait in the index's pending list (merged by autovacuum) and the
    # planner prices scanning that list in: merge it now, as a live database would have.
    connection.exec_driver_sql("SELECT gin_clean_pending_list('search_documents_tokens_gin')")
    connection.exec_driver_sql("ANALYZE search_documents")
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    rows = connection.exec_driver_sql("EXPLAIN " + str(compiled), compiled.params).all()
    return "\n".join(row[0] for row in rows)


@pytest.mark.parametrize("model, q", [(Project, "光伏"), (Project, "膜"), (Need, "membranes"), (Need, "电池 回收")])
def test_the_search_runs_through_the_index(corpus, model, q):
    from collab.content.kinds import kind_of
    from collab.content.services import listing as kind_listing

    statement = filter_by_query(select(model), model, q)
    plan = _plan(statement)
    if db.engine.dialect.name == "sqlite":
        assert re.search(r"SCAN search_fts VIRTUAL TABLE INDEX \d+:M", plan), plan
    else:
        assert "search_documents_tokens_gin" in plan, plan
    # The listings build the same condition: their rows match the index's answer.
    listing = kind_listing(kind_of(model), None, q=q)[0]
    assert {item.id for item in listing} <= set(db.session.scalars(statement.with_only_columns(model.id)))
    db.session.rollback()  # leave enable_seqscan and the search table as they were


def test_a_query_without_words_lists_everything(client, corpus):
    everything = project_ids(client.get("/en/projects/"))
    assert project_ids(client.get("/en/projects/", query_string={"q": "!!! ***"})) == everything


# --- filters, sorting, pagination -----------------------------------------------------------

@pytest.fixture
def projects_for_filters(create_org, create_user, make_project):
    """Five public projects that differ in every filtered column, published a day apart."""
    org_a = create_org(kind="offshore_incubator", key="shenzhen-test-centre")
    org_b = create_org(kind="offshore_incubator", key="dalian-test-base")
    a = create_user(role="center", org=org_a)
    b = create_user(role="center", org=org_b)
    specs = [
        ("p1", a, "published", dict(stage="idea", direction="offshore_to_xinjiang", city="Shenzhen",
                                    funding_sought_cny=1_000_000, sectors=["new_energy"])),
        ("p2", a, "in_incubation", dict(stage="prototype", direction="xinjiang_to_offshore", city="Shanghai",
                                        funding_sought_cny=9_000_000, sectors=["biomedicine"])),
        ("p3", b, "landed", dict(stage="growth", direction="international", city="Dalian",
                                 funding_sought_cny=None, sectors=["new_energy", "new_materials"])),
        ("p4", b, "published", dict(stage="early_revenue", direction="offshore_to_xinjiang", city="Dalian",
                                    funding_sought_cny=50_000_000, sectors=["next_gen_it"])),
        ("p5", a, "closed", dict(stage="idea", direction="offshore_to_xinjiang", city="Shenzhen",
                                 funding_sought_cny=3_000_000, sectors=["new_energy"])),
        ("p6", a, "graduated", dict(stage="growth", direction="offshore_to_xinjiang", city="Guangzhou",
                                    funding_sought_cny=2_000_000, sectors=["modern_services"])),
    ]
    ids = {}
    now = utcnow()
    for n, (name, owner, status, fields) in enumerate(specs):
        project = make_project(owner, status, title_en=f"Filter project {name}", title_zh=f"筛选项目{name}", **fields)
        project.published_at = now - timedelta(days=10 - n)  # p6 newest, p1 oldest
        ids[name] = project.id
    db.session.commit()
    return ids


@pytest.mark.parametrize("query, expected", [
    ({}, ["p6", "p4", "p3"]),  # first page, newest first; closed projects leave the default list
    ({"page": 2}, ["p2", "p1"]),
    ({"sector": "new_energy"}, ["p3", "p1"]),
    ({"stage": "idea"}, ["p1"]),
    ({"direction": "international"}, ["p3"]),
    ({"city": "Dalian"}, ["p4", "p3"]),
    ({"organisation": "dalian-test-base"}, ["p4", "p3"]),
    ({"status": "closed"}, ["p5"]),
    ({"status": "landed"}, ["p3"]),
    ({"sort": "funding"}, ["p4", "p2", "p6"]),
    ({"sort": "funding", "page": 2}, ["p1", "p3"]),  # no amount: last
    ({"sector": "new_energy", "stage": "growth"}, ["p3"]),
    ({"stage": "unicorn"}, ["p6", "p4", "p3"]),  # an unknown value is ignored
    ({"page": 99}, []),
])
def test_project_filters_sorting_and_pages(client, projects_for_filters, query, expected):
    assert project_ids(client.get("/en/projects/", query_string=query)) == [projects_for_filters[n] for n in expected]


def test_the_pager_keeps_the_filters(client, projects_for_filters):
    text = page(client.get("/en/projects/", query_string={"sector": "new_energy", "status": "published", "q": "筛选"}))
    assert "1 project" in text
    text = page(client.get("/en/projects/", query_string={"q": "filter", "sort": "funding"}))
    assert "5 projects" in text
    next_link = re.search(r'<a class="page-link" href="([^"]*page=2[^"]*)"', text).group(1)
    assert "q=filter" in next_link and "sort=funding" in next_link


@pytest.fixture
def needs_for_filters(create_org, create_user, make_need):
    org = create_org(kind="enterprise", key="kashgar-cotton-test")
    owner = create_user(role="enterprise", org=org)
    other = create_user(role="enterprise")
    specs = [
        ("n1", owner, "open", dict(kind="technology", location="kashgar", budget_max_cny=1_000_000, deadline_days=40,
                                   sectors=["modern_agriculture"])),
        ("n2", owner, "in_talks", dict(kind="capital", location="urumqi", budget_max_cny=20_000_000, deadline_days=10,
                                       sectors=["new_energy"])),
        ("n3", other, "open", dict(kind="talent", location="kashgar", budget_max_cny=None, deadline_days=90,
                                   sectors=["modern_agriculture"])),
        ("n4", other, "open", dict(kind="technology", location="hami", budget_max_cny=5_000_000, deadline_days=20,
                                   sectors=["new_energy"])),
        ("n5", owner, "fulfilled", dict(kind="industry", location="kashgar", budget_max_cny=3_000_000, deadline_days=5,
                                        sectors=["textiles_apparel"])),
        ("n6", owner, "open", dict(kind="industry", location="korla", budget_max_cny=2_000_000, deadline_days=60,
                                   visibility="anonymous", sectors=["textiles_apparel"])),
    ]
    ids = {}
    now = utcnow()
    for n, (name, user, status, fields) in enumerate(specs):
        days = fields.pop("deadline_days")
        need = make_need(user, status, title_en=f"Filter need {name}", title_zh=f"筛选需求{name}",
                         deadline=today() + timedelta(days=days), budget_min_cny=None, **fields)
        need.published_at = now - timedelta(days=10 - n)
        ids[name] = need.id
    db.session.commit()
    return ids


@pytest.mark.parametrize("query, expected", [
    ({}, ["n6", "n4", "n3"]),
    ({"page": 2}, ["n2", "n1"]),
    ({"kind": "technology"}, ["n4", "n1"]),
    ({"location": "kashgar"}, ["n3", "n1"]),
    ({"sector": "new_energy"}, ["n4", "n2"]),
    ({"status": "fulfilled"}, ["n5"]),
    ({"status": "in_talks"}, ["n2"]),
    ({"organisation": "kashgar-cotton-test"}, ["n2", "n1"]),  # the anonymous n6 stays hidden
    ({"sort": "deadline"}, ["n2", "n4", "n1"]),
    ({"sort": "deadline", "page": 2}, ["n6", "n3"]),
    ({"sort": "budget"}, ["n2", "n4", "n6"]),
    ({"sort": "budget", "page": 2}, ["n1", "n3"]),
    ({"kind": "technology", "location": "hami"}, ["n4"]),
    ({"location": "mars"}, ["n6", "n4", "n3"]),
])
def test_need_filters_sorting_and_pages(client, needs_for_filters, query, expected):
    assert need_ids(client.get("/en/needs/", query_string=query)) == [needs_for_filters[n] for n in expected]


def test_search_combines_with_filters(client, needs_for_filters):
    found = need_ids(client.get("/en/needs/", query_string={"q": "筛选", "kind": "technology", "sort": "budget"}))
    assert found == [needs_for_filters["n4"], needs_for_filters["n1"]]
