"""The matching engine on its own (no requests, no database): ranking quality on the
development set, matching across the two languages, kind and fit rules, explanations,
bulk refresh against one-at-a-time matching, and incremental updates."""
from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from collab.matching import (
    NeedDoc,
    ProjectDoc,
    build_index,
    need_matchable,
    need_visible_to,
    project_matchable,
    rank_needs_for_project,
    rank_projects_for_need,
    resolve_weights,
    top_k,
)
from collab.matching.evaluate import evaluate, load_dataset, metrics
from collab.matching.glossary import GLOSSARY_PATH, load_glossary, load_sectors
from collab.matching.text import stem
from collab.text import normalize

DEV = Path(__file__).parent / "data" / "matching_dev.json"
NOW = datetime(2026, 11, 1, tzinfo=timezone.utc)


def project(pid, *, zh=None, en=None, title_zh=None, title_en=None, **extra) -> ProjectDoc:
    fields = {"stage": "growth", "direction": "offshore_to_xinjiang", "city": "Shanghai", **extra}
    return ProjectDoc(id=pid, title_zh=title_zh, title_en=title_en, summary_zh=zh, summary_en=en, **fields)


def need(nid, *, zh=None, en=None, title_zh=None, title_en=None, kind="technology", **extra) -> NeedDoc:
    fields = {"location": "Urumqi", **extra}
    return NeedDoc(id=nid, kind=kind, title_zh=title_zh, title_en=title_en, description_zh=zh,
                   description_en=en, **fields)


def ranked_ids(matches) -> list[str]:
    return [m.project_id for m in matches]


# -- the development set ----------------------------------------------------------------

def test_dev_set_reaches_the_acceptance_bar():
    scores, ranking = evaluate(DEV)
    assert scores["needs"] == 40
    assert scores["mrr"] >= 0.85
    assert scores["recall_at_10"] >= 0.95
    projects, needs, _ = load_dataset(DEV)
    assert set(ranking) == {n.id for n in needs}
    assert all(sorted(r) == sorted(p.id for p in projects) for r in ranking.values())


def test_metrics_follow_the_dataset_readme():
    ranking = {"n1": ["a", "b", "c", "d", "e", "f"], "n2": ["x", "y", "z"]}
    relevant = {"n1": ["b", "f"], "n2": ["q"]}
    assert metrics(ranking, relevant) == {
        "mrr": round((1 / 2 + 0) / 2, 4), "p_at_5": round((1 / 5 + 0) / 2, 4),
        "recall_at_10": round((2 / 2 + 0) / 2, 4), "needs": 2,
    }


def test_every_score_lies_between_zero_and_one():
    projects, needs, _ = load_dataset(DEV)
    refresh = top_k(needs, projects, k=None, now=NOW)
    scores = [m.score for found in refresh.for_needs.values() for m in found]
    assert len(scores) > len(needs) * 50
    assert all(0.0 < s <= 1.0 for s in scores)


# -- across the two languages -----------------------------------------------------------

DISTRACTORS = [
    project("cotton", title_en="Cotton yarn spinning mill", en="Ring-spinning mill for combed cotton yarn."),
    project("shop", title_zh="跨境电商代运营", zh="为品牌提供俄语店铺开设、直播推广与报关服务。"),
    project("cement", title_zh="水泥窑余热发电", zh="水泥厂余热回收发电改造，降低能耗。"),
]


def test_a_chinese_only_need_finds_an_english_only_project():
    graphene = project("graphene", title_en="Graphene heat-spreading film",
                       en="Graphene films that spread heat in phones and LED lamps; pilot line running.")
    wanted = need("n", title_zh="寻求石墨烯导热膜量产技术", zh="我公司生产电子产品散热材料，希望引进石墨烯导热膜规模化生产工艺。")
    index = build_index([graphene, *DISTRACTORS], now=NOW)
    found = rank_projects_for_need(wanted, index, 5)
    assert ranked_ids(found)[0] == "graphene"
    assert {"zh": "石墨烯", "en": "graphene"} in found[0].reasons["terms"]


def test_an_english_only_need_finds_a_chinese_only_project():
    drip = project("drip", title_zh="膜下滴灌智能控制系统", zh="为棉花和红枣种植提供滴灌自动控制、土壤墒情监测与手机远程操作。")
    wanted = need("n", title_en="Drip irrigation controllers for a jujube orchard",
                  en="Our orchard needs automatic drip irrigation control and soil moisture sensors.")
    index = build_index([drip, *DISTRACTORS], now=NOW)
    found = rank_projects_for_need(wanted, index, 5)
    assert ranked_ids(found)[0] == "drip"
    terms = found[0].reasons["terms"]
    assert {"zh": "滴灌", "en": "drip irrigation"} in terms
    assert {"zh": "红枣", "en": "jujube"} in terms


def test_homophone_and_spelling_typos_are_tolerated():
    glossary = load_glossary()
    assert "pv_module" in {h.concept for h in glossary.find(normalize("光复板无水清扫机器人"))}
    assert "drip_irrigation" in {h.concept for h in glossary.find(normalize("智慧滴罐云平台"))}
    assert "graphene" in {h.concept for h in glossary.find(normalize("Grapheme thermal film"))}
    # A homophone across a word boundary is not a typo: 人工水洗 does not hold 供水.
    assert "water_supply" not in {h.concept for h in glossary.find(normalize("人工水洗成本高"))}
    # Full-width letters and British spelling are read like the plain ones.
    assert normalize("ＡＩ质检") == "ai质检"
    assert stem("aluminium") == stem("aluminum") and stem("dryers") == stem("dryer")


# -- kind and fit rules -----------------------------------------------------------------

def test_a_capital_need_is_met_by_a_fund_not_by_a_startup_raising_money():
    startup = project("startup", title_zh="石墨烯导热膜初创企业寻求A轮融资",
                      zh="石墨烯导热膜团队，本轮拟融资5000万元用于扩建产线。", sectors=["new_materials"],
                      funding_sought_cny=50_000_000, stage="early_revenue")
    fund = project("fund", title_zh="新材料产业股权投资基金",
                   zh="基金专注投资新材料领域成长期企业，单笔投资2000万至1亿元。", sectors=["new_materials"])
    lender = project("lease", title_en="Equipment finance lease for factories",
                     en="Finance leases and instalment loans for production equipment.")
    wanted = need("n", kind="capital", title_zh="石墨烯导热膜扩产融资",
                  zh="公司生产石墨烯导热膜，扩建生产线需股权融资5000万元。", sectors=["new_materials"],
                  budget_min=50_000_000, budget_max=50_000_000)
    found = rank_projects_for_need(wanted, build_index([startup, fund, lender], now=NOW), 5)
    order = ranked_ids(found)
    assert order.index("fund") < order.index("startup")
    by_id = {m.project_id: m for m in found}
    assert "kind_fit" in by_id["fund"].reasons["rules"]
    assert "kind_fit" in by_id["startup"].reasons["penalties"]


def test_a_talent_need_is_met_by_training_and_staffing_services():
    product = project("product", title_zh="光伏组件清洗机器人", zh="无水清洗光伏组件的自动化机器人，已在多个电站应用。")
    training = project("training", title_zh="光伏电站运维人才培训与派驻",
                       zh="为新能源企业培训光伏运维工程师，并可派驻技术人员驻场服务。")
    wanted = need("n", kind="talent", title_zh="招聘光伏电站运维工程师",
                  zh="我公司光伏电站需要运维工程师和技术员5名，负责组件清洗和设备巡检。")
    found = rank_projects_for_need(wanted, build_index([product, training], now=NOW), 5)
    assert ranked_ids(found) == ["training", "product"]


def test_direction_freshness_and_budget_shape_the_score():
    base = project("base", title_zh="热泵烘干设备", zh="果品热泵烘干设备，节能无硫。", funding_sought_cny=3_000_000)
    wanted = need("n", title_zh="杏干烘干技术", zh="需要无硫烘干设备。", location="Kashgar",
                  budget_min=2_000_000, budget_max=5_000_000, published_at=NOW - timedelta(days=3))
    abroad = replace(base, id="abroad", direction="international")
    stale = replace(base, id="stale", published_at=NOW - timedelta(days=720))
    huge = replace(base, id="huge", funding_sought_cny=3_000_000_000)
    fresh = replace(base, published_at=NOW - timedelta(days=1))
    found = rank_projects_for_need(wanted, build_index([fresh, abroad, stale, huge], now=NOW), 5)
    assert ranked_ids(found)[0] == "base"
    scores = {m.project_id: m.score for m in found}
    assert scores["base"] > max(scores["abroad"], scores["stale"], scores["huge"])
    reasons = found[0].reasons
    assert {"direction_fit", "budget_fit", "freshness", "kind_fit"} <= set(reasons["rules"])
    assert "budget_fit" in {m.project_id: m for m in found}["huge"].reasons["penalties"]


def test_a_need_aimed_at_one_foreign_market_prefers_projects_in_that_market():
    southeast = project("sea", title_en="Cross-border e-commerce store launch in Southeast Asia",
                        en="We open and run Shopee and Lazada stores for Chinese brands in Southeast Asia.")
    central = project("ca", title_zh="哈萨克斯坦跨境电商店铺运营", zh="在哈萨克斯坦Kaspi平台为中国品牌开店和代运营。",
                      direction="international", city="Almaty")
    wanted = need("n", kind="industry", title_en="Selling household goods in Kazakhstan",
                  en="We want to export household goods to Kazakhstan through cross-border e-commerce stores.")
    found = rank_projects_for_need(wanted, build_index([southeast, central], now=NOW), 5)
    by_id = {m.project_id: m for m in found}
    assert ranked_ids(found)[0] == "ca"
    assert "region_fit" in by_id["ca"].reasons["rules"]
    assert "region_fit" in by_id["sea"].reasons["penalties"]


def test_sectors_are_inferred_for_items_that_declare_none():
    declared = project("declared", title_en="Drip tape extrusion line", en="High-speed drip tape lines.",
                       sectors=["energy_saving_env"])
    silent = project("silent", title_zh="滴灌带高速挤出设备", zh="滴灌带生产线。")
    wanted = need("n", title_zh="滴灌带生产线", zh="采购滴灌带挤出设备。", sectors=["energy_saving_env"])
    found = rank_projects_for_need(wanted, build_index([declared, silent], now=NOW), 5)
    assert all("energy_saving_env" in m.reasons["sectors"] for m in found)


def test_weights_come_from_config_overrides():
    assert resolve_weights({"kind": 0.5})["kind"] == 0.5
    with pytest.raises(KeyError):
        resolve_weights({"no_such_weight": 1})
    with pytest.raises(ValueError):
        resolve_weights({"kind": 2})


def test_matchable_and_visible_items():
    assert project_matchable("published") and project_matchable("in_incubation")
    assert not any(project_matchable(s) for s in ("draft", "pending_review", "rejected", "closed", "graduated"))
    assert need_matchable("open") and need_matchable("in_talks")
    assert not any(need_matchable(s) for s in ("draft", "pending_review", "fulfilled", "expired", "withdrawn"))
    assert not need_matchable("open", deadline=NOW - timedelta(days=1), now=NOW)
    assert need_matchable("open", deadline=NOW + timedelta(days=1), now=NOW)
    assert need_visible_to("members", viewer_is_member=True)
    assert not need_visible_to("members", viewer_is_member=False)
    assert need_visible_to("anonymous", viewer_is_member=False)


# -- bulk refresh and incremental matching ----------------------------------------------

def _with_duplicates(items):
    """Items plus copies of some of them, so that exact ties must be broken the same way."""
    return items + [replace(item, id=item.id + "-copy") for item in items[::9]]


def test_bulk_top_k_equals_one_item_at_a_time():
    projects, needs, _ = load_dataset(DEV)
    projects, needs = _with_duplicates(projects), _with_duplicates(needs)
    refresh = top_k(needs, projects, k=7, now=NOW, chunk_size=11)
    for item in needs:
        alone = rank_projects_for_need(item, refresh.projects, 7)
        assert [(m.project_id, m.score) for m in alone] == \
            [(m.project_id, m.score) for m in refresh.for_needs[item.id]]
    for item in projects:
        alone = rank_needs_for_project(item, refresh.needs, 7)
        assert [(m.need_id, m.score) for m in alone] == \
            [(m.need_id, m.score) for m in refresh.for_projects[item.id]]
    sample = refresh.for_needs[needs[0].id][0]
    assert sample.reasons == rank_projects_for_need(needs[0], refresh.projects, 1)[0].reasons


def test_newly_published_items_match_without_a_full_refresh():
    projects, needs, _ = load_dataset(DEV)
    refresh = top_k(needs, projects, k=5, now=NOW)
    newcomer = project("new", title_en="Heat-pump dryers for apricots and raisins",
                       en="Low-temperature heat-pump drying rooms; no sulphur needed.")
    refresh.projects.add(newcomer)
    apricot_need = next(n for n in needs if n.title_zh and "杏干" in n.title_zh)
    assert "new" in ranked_ids(rank_projects_for_need(apricot_need, refresh.projects, 5))
    assert [m.need_id for m in rank_needs_for_project(newcomer, refresh.needs, 3)][0] == apricot_need.id
    refresh.projects.discard("new")  # withdrawn: it matches no more
    assert "new" not in ranked_ids(rank_projects_for_need(apricot_need, refresh.projects, None))


def test_empty_sides_give_empty_lists():
    refresh = top_k([need("n", title_zh="光伏")], [], k=5, now=NOW)
    assert refresh.for_needs == {"n": []} and refresh.for_projects == {}
    assert rank_projects_for_need(need("n", title_zh="光伏"), build_index([], side="projects"), 5) == []


# -- the glossary -----------------------------------------------------------------------

def test_glossary_holds_every_sector_keyword_and_is_consistent():
    data = json.loads(GLOSSARY_PATH.read_text(encoding="utf-8"))
    concepts = {c["id"]: c for c in data["concepts"]}
    assert len(concepts) == len(data["concepts"]) >= 400
    forms = [f.lower() for c in data["concepts"] for f in c.get("zh", []) + c.get("en", [])]
    for sector in load_sectors():
        for keyword in sector["keywords_zh"] + sector["keywords_en"]:
            assert keyword.lower() in forms, keyword
    codes = {s["code"] for s in load_sectors()}
    for concept in data["concepts"]:
        assert set(concept.get("broader", [])) <= set(concepts), concept["id"]
        assert set(concept.get("sectors", [])) <= codes, concept["id"]
        assert concept.get("zh") or concept.get("en"), concept["id"]
    zh_forms = [normalize(f) for c in data["concepts"] for f in c.get("zh", []) if re.search(r"[\u4e00-\u9fff]", f)]
    assert len(zh_forms) == len(set(zh_forms)), "a Chinese form belongs to two concepts"


def test_the_app_reads_no_shared_files_at_run_time():
    package = Path(__file__).resolve().parent.parent / "collab"
    assert GLOSSARY_PATH.resolve().is_relative_to(package)
    shared = Path(__file__).resolve().parent.parent.parent / "shared" / "domain" / "sectors.json"
    if shared.exists():  # the copy in collab/data must be the taxonomy itself
        assert json.loads(shared.read_text(encoding="utf-8")) == \
            json.loads((package / "data" / "sectors.json").read_text(encoding="utf-8"))
