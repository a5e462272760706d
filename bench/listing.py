"""Benchmark of the project and need listings and search on 10,000 of each.

    .venv/bin/python -m bench.listing [--projects 10000] [--needs 10000] [--requests 50]

Fills a fresh, migrated database (SQLite in a temporary folder; also PostgreSQL when
COLLAB_BENCH_DATABASE_URL names a server, on a throw-away database) with projects and
needs in mixed Chinese and English, then times whole pages through the Flask test
client: filtered listings, page 200, a two-character Chinese search (光伏), an English
search, and the API's list and search. For each page it prints the median and p95
latency and the number of SQL statements one request runs.

Targets (issue 3): every page under 50 ms median on SQLite, and a constant number of
statements per page (page 200 costs as many as page 1: no N+1, nothing loaded per row).
Exits 1 when a target is missed. Prints one JSON line last. Wall times include waiting
for a core when the machine is busy; the CPU column is the process's own time.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

TARGET_MEDIAN_MS = 50.0
SEED = 20261123
PASSWORD = "bench-pass-2026"

# Phrases without a domain term, so that texts are as long and as noisy as real posts.
ZH_FILLER = [
    "团队在该领域有十年以上经验", "已服务多家企业客户", "希望与新疆企业深度合作", "可提供现场安装调试与培训",
    "产品已通过第三方检测", "拟在当地设立子公司", "成本比传统方案降低三成", "可根据当地条件定制",
    "欢迎有意向的单位联系", "核心成员来自知名高校和企业", "已获得多项发明专利", "计划明年完成规模化推广",
    "需要园区提供厂房和政策支持", "寻求长期稳定的合作伙伴", "已在深圳完成中试", "希望在喀什经济开发区落地",
]
EN_FILLER = [
    "our team has more than ten years of experience", "we already serve dozens of customers",
    "we would like to work closely with companies in Xinjiang", "installation and training on site are included",
    "the product has passed third-party testing", "costs are about a third lower than usual",
    "we can adapt the solution to local conditions", "partners with long-term plans are welcome",
    "the core team comes from leading universities", "we hold several invention patents",
    "the pilot run finished in Shenzhen", "we plan to land production in the Kashgar zone",
]
ZH_SUFFIXES = ["项目", "技术", "解决方案", "产业化", "中试线", "合作"]
EN_SUFFIXES = ["project", "technology", "solution", "pilot line", "partnership", "platform"]
CITIES = ["Shenzhen", "Shanghai", "Guangzhou", "Dalian", "Beijing", "Hangzhou", "Tashkent", "Almaty", "Urumqi",
          "Kashgar"]


# --- data ----------------------------------------------------------------------------

def vocabulary(sectors: list[dict]) -> dict[str, list[tuple[str, str]]]:
    """(Chinese, English) term pairs of each sector: the taxonomy's keyword lists are aligned."""
    return {s["code"]: list(zip(s["keywords_zh"], s["keywords_en"])) or [(s["zh"], s["en"])] for s in sectors}


def bilingual_text(rnd: random.Random, terms: list[tuple[str, str]]) -> dict[str, str | None]:
    """A title and a body in Chinese, English or both (as authors really write them)."""
    picked = rnd.sample(terms, min(len(terms), rnd.randint(2, 4)))
    title_zh = "".join(z for z, _ in picked[:2]) + rnd.choice(ZH_SUFFIXES)
    title_en = " ".join(e for _, e in picked[:2]).capitalize() + " " + rnd.choice(EN_SUFFIXES)
    body_zh = "，".join(rnd.sample(ZH_FILLER, 3) + [z + rnd.choice(["技术", "设备", "平台", "工艺"]) for z, _ in picked])
    body_en = "; ".join(rnd.sample(EN_FILLER, 3) + [e for _, e in picked]).capitalize()
    body_zh = (body_zh + "。") * rnd.randint(1, 3)
    body_en = (body_en + ". ") * rnd.randint(1, 3)
    languages = rnd.choices(["both", "zh", "en"], weights=[5, 3, 2])[0]
    return {"title_zh": title_zh if languages != "en" else None, "title_en": title_en if languages != "zh" else None,
            "body_zh": body_zh if languages != "en" else None, "body_en": body_en.strip() if languages != "zh" else None}


def _pick(rnd: random.Random, weighted: dict[str, int]) -> str:
    return rnd.choices(list(weighted), weights=list(weighted.values()))[0]


PROJECT_STATUS_WEIGHTS = {"published": 40, "in_incubation": 15, "landed": 10, "graduated": 5, "closed": 8,
                          "draft": 10, "pending_review": 7, "rejected": 5}
NEED_STATUS_WEIGHTS = {"open": 55, "in_talks": 12, "fulfilled": 8, "expired": 7, "withdrawn": 3, "draft": 8,
                       "pending_review": 5, "rejected": 2}
UNPUBLISHED = ("draft", "pending_review", "rejected")


def fill(db, n_projects: int, n_needs: int, rnd: random.Random) -> dict[str, int]:
    """Insert users, projects, needs, their sectors and search documents in bulk (Core inserts)."""
    from sqlalchemy import insert, select

    from collab.auth.services import create_user
    from collab.needs.models import NEED_KINDS, XINJIANG_LOCATIONS, Need, need_sectors
    from collab.orgs.models import Organisation, Sector
    from collab.orgs.services import load_reference_data
    from collab.projects.models import IP_STATUSES, PROJECT_DIRECTIONS, PROJECT_SEEKS, PROJECT_STAGES, Project, \
        project_sectors
    from collab.search.index import fts_rowid
    from collab.search.tokens import document_tokens

    load_reference_data()
    orgs = list(db.session.scalars(select(Organisation).order_by(Organisation.id)))
    for n in range(12):  # enterprises of their own, like the real network's members
        org = Organisation(key=f"bench-enterprise-{n}", kind="enterprise", status="approved",
                           name_zh=f"新疆示范企业{n}有限公司", name_en=f"Xinjiang Demo Enterprise {n} Co., Ltd.",
                           city_zh="喀什", city_en="Kashgar", country="CN", timezone="Asia/Urumqi", facts={})
        org.refresh_search_text()
        db.session.add(org)
        orgs.append(org)
    db.session.flush()
    centers = [create_user(email=f"center{n}@bench.test", password=PASSWORD, role="center",
                           organisation=orgs[n % len(orgs)], display_name=f"Center staff {n}") for n in range(20)]
    enterprises = [create_user(email=f"enterprise{n}@bench.test", password=PASSWORD, role="enterprise",
                               organisation=orgs[-1 - n % 12], display_name=f"Enterprise staff {n}")
                   for n in range(20)]
    db.session.commit()

    sectors = [{"code": s.code, "zh": s.zh, "en": s.en, "keywords_zh": s.keywords_zh, "keywords_en": s.keywords_en}
               for s in db.session.scalars(select(Sector).order_by(Sector.position))]
    names = {s["code"]: (s["zh"], s["en"]) for s in sectors}
    terms = vocabulary(sectors)
    codes = list(terms)
    now = datetime.now(timezone.utc)
    today = now.date()
    sqlite = db.engine.dialect.name == "sqlite"

    def when(days_back: int) -> datetime:
        return now - timedelta(days=rnd.uniform(0, days_back))

    def search_row(item_type: str, item_id: int, texts: list[str | None], sector_codes: list[str]) -> dict:
        """The row collab.search.index.index_item would write."""
        parts = [t or "" for t in texts] + [name for code in sector_codes for name in names[code]]
        tokens = document_tokens("\n".join(parts))
        if sqlite:
            return {"rowid": fts_rowid(item_type, item_id), "item_type": item_type, "item_id": item_id,
                    "tokens": " ".join(tokens)}
        return {"item_type": item_type, "item_id": item_id, "tokens": tokens}

    projects, project_links, needs, need_links, documents = [], [], [], [], []
    for item_id in range(1, n_projects + 1):
        chosen = rnd.sample(codes, rnd.choice([1, 1, 2, 2, 3]))
        text = bilingual_text(rnd, [t for c in chosen for t in terms[c]])
        status = _pick(rnd, PROJECT_STATUS_WEIGHTS)
        owner = rnd.choice(centers + enterprises[:4])
        created = when(720)
        published = None if status in UNPUBLISHED else created + timedelta(days=rnd.uniform(1, 10))
        city = rnd.choice(CITIES)
        projects.append({
            "id": item_id, "owner_id": owner.id, "organisation_id": owner.organisation_id,
            "title_zh": text["title_zh"], "title_en": text["title_en"],
            "summary_zh": text["body_zh"], "summary_en": text["body_en"],
            "stage": rnd.choice(PROJECT_STAGES), "direction": rnd.choice(PROJECT_DIRECTIONS),
            "funding_sought_cny": rnd.choice([None, rnd.randrange(100_000, 200_000_000, 50_000)]),
            "team_size": rnd.randint(2, 300), "ip_status": rnd.choice(IP_STATUSES),
            "seeks": rnd.sample(PROJECT_SEEKS, rnd.randint(1, 3)), "city": city, "status": status,
            "review_return_status": None, "created_at": created, "updated_at": published or created,
            "submitted_at": None if status == "draft" else created + timedelta(hours=6), "published_at": published,
        })
        project_links += [{"project_id": item_id, "sector_code": c} for c in chosen]
        documents.append(search_row("project", item_id, [text["title_zh"], text["title_en"], text["body_zh"],
                                                         text["body_en"], city], chosen))
    for item_id in range(1, n_needs + 1):
        chosen = rnd.sample(codes, rnd.choice([1, 1, 2, 3]))
        text = bilingual_text(rnd, [t for c in chosen for t in terms[c]])
        status = _pick(rnd, NEED_STATUS_WEIGHTS)
        owner = rnd.choice(enterprises)
        created = when(540)
        published = None if status in UNPUBLISHED else created + timedelta(days=rnd.uniform(1, 10))
        low = rnd.choice([None, rnd.randrange(100_000, 5_000_000, 100_000)])
        deadline = (today - timedelta(days=rnd.randint(1, 200)) if status == "expired"
                    else today + timedelta(days=rnd.randint(5, 365)))
        needs.append({
            "id": item_id, "owner_id": owner.id, "organisation_id": owner.organisation_id,
            "kind": rnd.choice(NEED_KINDS), "title_zh": text["title_zh"], "title_en": text["title_en"],
            "description_zh": text["body_zh"], "description_en": text["body_en"],
            "budget_min_cny": low, "budget_max_cny": None if low is None else low * rnd.randint(1, 10),
            "location": rnd.choice(XINJIANG_LOCATIONS), "deadline": deadline,
            "visibility": _pick(rnd, {"public": 8, "members": 1, "anonymous": 1}), "status": status,
            "review_return_status": None, "created_at": created, "updated_at": published or created,
            "submitted_at": None if status == "draft" else created + timedelta(hours=6), "published_at": published,
        })
        need_links += [{"need_id": item_id, "sector_code": c} for c in chosen]
        documents.append(search_row("need", item_id, [text["title_zh"], text["title_en"], text["body_zh"],
                                                      text["body_en"]], chosen))

    index_table = _index_table(sqlite)
    for table, rows in ((Project.__table__, projects), (project_sectors, project_links), (Need.__table__, needs),
                        (need_sectors, need_links), (index_table, documents)):
        for start in range(0, len(rows), 2000):
            db.session.execute(insert(table), rows[start:start + 2000])
    db.session.commit()
    if not sqlite:
        from sqlalchemy import text as sql

        # The integer keys were given explicitly: move the sequences past them.
        for table in ("projects", "needs"):
            db.session.execute(sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                   f"(SELECT max(id) FROM {table}))"))
        # PostgreSQL's autovacuum analyzes freshly loaded tables within a minute; do it
        # now rather than time plans made without statistics. (SQLite has no such thing,
        # so it is measured as deployed, without ANALYZE.)
        db.session.execute(sql("ANALYZE"))
        db.session.commit()
    return {"projects": len(projects), "needs": len(needs), "search_documents": len(documents)}


def _index_table(sqlite: bool):
    """The search index as a Core table (it lives only in the migration)."""
    from sqlalchemy import Column, Integer, MetaData, String, Table, Text
    from sqlalchemy.dialects.postgresql import ARRAY

    if sqlite:
        return Table("search_fts", MetaData(), Column("rowid", Integer), Column("tokens", Text),
                     Column("item_type", String), Column("item_id", Integer))
    return Table("search_documents", MetaData(), Column("item_type", String), Column("item_id", Integer),
                 Column("tokens", ARRAY(Text)))


# --- measuring -------------------------------------------------------------------------

PAGES = [
    # (label, path, signed in)
    ("projects: sector + stage filter", "/zh/projects/?sector=new_energy&stage=prototype", False),
    ("projects: direction + city, funding sort", "/en/projects/?direction=offshore_to_xinjiang&city=Shenzhen&sort=funding", False),
    ("projects: page 1", "/zh/projects/", False),
    ("projects: page 200", "/zh/projects/?page=200", False),
    ("projects: search 光伏", "/zh/projects/?q=光伏", False),
    ("projects: search photovoltaic", "/en/projects/?q=photovoltaic", False),
    ("needs: kind + location filter", "/zh/needs/?kind=technology&location=kashgar", False),
    ("needs: page 1", "/zh/needs/", False),
    ("needs: page 200", "/zh/needs/?page=200", False),
    ("needs: search 光伏", "/zh/needs/?q=光伏", False),
    ("needs: search photovoltaic", "/en/needs/?q=photovoltaic", False),
    ("needs: page 200, signed-in member", "/zh/needs/?page=200", True),
    ("needs: search 光伏, signed-in member", "/zh/needs/?q=光伏", True),
    ("api: projects, sector filter", "/api/v1/projects?sector=new_energy", False),
    ("api: projects page 200", "/api/v1/projects?page=200", False),
    ("api: needs page 200", "/api/v1/needs?page=200", False),
    ("api: search 光伏", "/api/v1/search?q=光伏", False),
    ("api: search 光伏 page 20", "/api/v1/search?q=光伏&page=20", False),
]
# Pairs whose statement counts must be equal: a deep page costs what the first one does.
SAME_COST = [("projects: page 1", "projects: page 200"), ("needs: page 1", "needs: page 200")]
# The search loads each kind on the page with one query: a deep page of needs only runs fewer.
NO_DEARER = [("api: search 光伏", "api: search 光伏 page 20")]


class StatementCounter:
    """Counts the SQL statements a request sends (BEGIN/COMMIT and pragmas left out)."""

    IGNORED = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA")

    def __init__(self, engine):
        from sqlalchemy import event

        self.count, self.statements = 0, []
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if not statement.lstrip().upper().startswith(self.IGNORED):
            self.count += 1
            self.statements.append(statement)

    @contextmanager
    def measuring(self):
        self.count, self.statements = 0, []
        yield self


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def measure(app, counter: StatementCounter, requests: int, warmup: int = 5) -> list[dict]:
    # No app context is pushed here, so each request gets its own, as in a server.
    visitor, member = app.test_client(), app.test_client()
    response = member.post("/en/login", data={"email": "enterprise0@bench.test", "password": PASSWORD})
    assert response.status_code == 302, f"log-in failed: {response.status_code}"
    results = []
    for label, path, signed_in in PAGES:
        client = member if signed_in else visitor
        for _ in range(warmup):
            assert client.get(path).status_code == 200, (label, path)
        with counter.measuring():
            response = client.get(path)
        statements = counter.count
        assert response.status_code == 200, (label, path, response.status_code)
        timings, cpu = [], []
        for _ in range(requests):
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            assert response.status_code == 200
        results.append({"page": label, "path": path, "median_ms": round(statistics.median(timings), 2),
                        "p95_ms": round(percentile(timings, 0.95), 2), "cpu_median_ms": round(statistics.median(cpu), 2),
                        "statements": statements, "bytes": len(response.data)})
    return results


def verdict(results: list[dict]) -> list[str]:
    """What misses the targets (empty when all is well)."""
    misses = [f"{r['page']}: median {r['median_ms']} ms > {TARGET_MEDIAN_MS} ms"
              for r in results if r["median_ms"] > TARGET_MEDIAN_MS]
    by_label = {r["page"]: r for r in results}
    for first, deep in SAME_COST + NO_DEARER:
        more = by_label[deep]["statements"] - by_label[first]["statements"]
        if more > 0 or (more < 0 and (first, deep) in SAME_COST):
            misses.append(f"{deep}: {by_label[deep]['statements']} statements, {first}: {by_label[first]['statements']}")
    return misses


# --- databases ---------------------------------------------------------------------------

@contextmanager
def sqlite_database():
    with tempfile.TemporaryDirectory(prefix="collab-bench-") as folder:
        yield f"sqlite:///{Path(folder) / 'bench.db'}", folder


@contextmanager
def postgres_database(server_url: str):
    """A throw-away database on the server ``server_url`` names, dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(make_url(server_url), isolation_level="AUTOCOMMIT")
    name = f"collab_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'"))
    try:
        with tempfile.TemporaryDirectory(prefix="collab-bench-") as folder:
            yield make_url(server_url).set(database=name).render_as_string(hide_password=False), folder
    finally:
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n "
                              "AND pid <> pg_backend_pid()"), {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def run_on(url: str, folder: str, n_projects: int, n_needs: int, requests: int) -> dict:
    from flask_migrate import upgrade

    from collab import create_app
    from collab.extensions import db

    app = create_app({
        "DATABASE_URL": url, "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING", "SCHEDULER_AUTOSTART": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
        "UPLOAD_FOLDER": str(Path(folder) / "uploads"), "MAIL_DELIVERY": "outbox",
    })
    with app.app_context():
        started = time.perf_counter()
        upgrade()
        counts = fill(db, n_projects, n_needs, random.Random(SEED))
        fill_seconds = time.perf_counter() - started
        counter = StatementCounter(db.engine)
        db.session.remove()
    results = measure(app, counter, requests)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return {"backend": url.split(":", 1)[0].split("+", 1)[0], "rows": counts,
            "fill_seconds": round(fill_seconds, 1), "load_average": round(os.getloadavg()[0], 2),
            "cpus": os.cpu_count(), "pages": results}


def report(run: dict) -> None:
    print(f"\n{run['backend']}: {run['rows']['projects']} projects, {run['rows']['needs']} needs "
          f"(filled in {run['fill_seconds']} s; load average {run['load_average']} on {run['cpus']} cores)")
    if run["load_average"] > run["cpus"]:
        print("  the machine is busy: wall times include waiting for a core (compare the CPU column)")
    print(f"  {'page':42} {'median ms':>10} {'p95 ms':>8} {'CPU ms':>7} {'SQL':>5}")
    for r in run["pages"]:
        flag = "" if r["median_ms"] <= TARGET_MEDIAN_MS else "  <- over target"
        print(f"  {r['page']:42} {r['median_ms']:>10.2f} {r['p95_ms']:>8.2f} {r['cpu_median_ms']:>7.2f} "
              f"{r['statements']:>5}{flag}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument("--needs", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=50, help="timed requests per page (after 5 warm-up ones)")
    args = parser.parse_args(argv)
    runs = []
    with sqlite_database() as (url, folder):
        runs.append(run_on(url, folder, args.projects, args.needs, args.requests))
    report(runs[-1])
    misses = verdict(runs[-1]["pages"])  # the targets are set for SQLite
    pg_url = os.environ.get("COLLAB_BENCH_DATABASE_URL")
    if pg_url:
        with postgres_database(pg_url) as (url, folder):
            runs.append(run_on(url, folder, args.projects, args.needs, args.requests))
        report(runs[-1])
        misses += [f"postgresql: {m}" for m in verdict(runs[-1]["pages"]) if "statements" in m]
    print("\nlisting targets: " + ("all met" if not misses else "MISSED\n  " + "\n  ".join(misses)))
    print(json.dumps({"bench": "listing", "target_median_ms": TARGET_MEDIAN_MS, "runs": runs, "misses": misses},
                     ensure_ascii=False))
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
