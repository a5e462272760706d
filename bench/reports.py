"""Benchmark of the network's numbers: the annual evaluation and the prefilled figures.

    .venv/bin/python -m bench.reports [--organisations 50] [--years 5] [--projects 10000]
                                      [--sessions 5000] [--events 500] [--runs 21]

Fills a fresh, migrated database (SQLite in a temporary folder; also PostgreSQL when
COLLAB_BENCH_DATABASE_URL names a server, on a throw-away database) with
``--organisations`` reporting organisations (a fifth of them Xinjiang bases, the others
offshore incubators and partner stations attached to them), their published targets and
``--years`` years of accepted annual reports (with superseded versions and quarterly
drafts beside them), ``--projects`` projects with their status history, confirmed and
pending landings, signed contracts, ``--sessions`` mentoring sessions and ``--events``
events with registrations. Then it times, on the last full year:

- the evaluation of every organisation (``collab.reports.evaluation.evaluate``), and
  its XLSX export;
- the prefilled figures of one base (itself and its members) and of one incubator
  (``collab.reports.figures.prefill``), and the rows behind a base's figures.

Targets (issue 11): each under 200 ms median, and a constant number of SQL statements
(the evaluation of 10 organisations costs as many as that of all of them). Exits 1 when
a target is missed; prints one JSON line last.

The data builder (:func:`build_dataset`) and :func:`app_with_dataset` are meant for the
other report benchmarks too (the dashboards add their pages to :data:`MEASURES`).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

if not __package__:  # run as ``python bench/reports.py``: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import timed  # noqa: E402
from bench.listing import StatementCounter, postgres_database, sqlite_database  # noqa: E402

TARGET_MEDIAN_MS = 200.0
SEED = 20261204
PASSWORD = "bench-pass-2026"
BEIJING = timezone(timedelta(hours=8))


@dataclass
class Dataset:
    """What :func:`build_dataset` made: ids to measure with, and the row counts."""

    years: list[int]
    organisation_ids: list[int] = field(default_factory=list)
    base_ids: list[int] = field(default_factory=list)
    incubator_ids: list[int] = field(default_factory=list)
    admin_email: str = ""
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def year(self) -> int:
        return self.years[-1]


def _moment(rnd: random.Random, year: int) -> datetime:
    """A random instant of ``year`` (Beijing time), as UTC."""
    start = datetime(year, 1, 1, tzinfo=BEIJING)
    return (start + timedelta(seconds=rnd.uniform(0, 365 * 86400 - 1))).astimezone(timezone.utc)


def _insert(db, table, rows: list[dict], chunk: int = 2000) -> None:
    from sqlalchemy import insert

    for start in range(0, len(rows), chunk):
        db.session.execute(insert(table), rows[start:start + chunk])


def build_dataset(db, *, organisations: int = 50, years: int = 5, projects: int = 10_000, sessions: int = 5_000,
                  events: int = 500, seed: int = SEED) -> Dataset:
    """Fill the (migrated, empty) database; the last of ``years`` full years is the one
    before the current one. Core inserts in bulk; returns what it made."""
    from sqlalchemy import select, text

    from collab.auth.services import create_user
    from collab.content.models import StatusChange
    from collab.events.models import Event, Registration
    from collab.matching.models import CONTRACT_TYPES, Introduction
    from collab.mentors.models import Booking, MentorProfile
    from collab.needs.models import XINJIANG_LOCATIONS, Need
    from collab.orgs.models import Indicator, IndicatorTarget, Organisation
    from collab.orgs.services import load_reference_data
    from collab.projects.models import Landing, Project
    from collab.reports.models import Report

    rnd = random.Random(seed)
    load_reference_data()
    this_year = datetime.now(timezone.utc).year
    span = list(range(this_year - years, this_year))
    data = Dataset(years=span)

    # Organisations: bases, and incubators / partner stations attached to them.
    n_bases = max(1, organisations // 5)
    bases, members = [], []
    created = datetime(span[0] - 1, 6, 1, tzinfo=timezone.utc)
    for n in range(organisations):
        is_base = n < n_bases
        kind = "xinjiang_base" if is_base else ("offshore_incubator" if n % 3 else "international_partner")
        org = Organisation(key=f"bench-org-{n}", kind=kind, status="approved", country="CN",
                           name_zh=f"基准{'基地' if is_base else '孵化器'}{n}",
                           name_en=f"Bench {'Base' if is_base else 'Incubator'} {n}",
                           city_zh="喀什", city_en="Kashgar", timezone="Asia/Urumqi", facts={}, created_at=created,
                           parent=None if is_base else bases[n % n_bases])
        org.refresh_search_text()
        db.session.add(org)
        (bases if is_base else members).append(org)
    enterprise = Organisation(key="bench-buyer", kind="enterprise", status="approved", name_zh="基准企业",
                              name_en="Bench Buyer", country="CN", facts={})
    enterprise.refresh_search_text()
    db.session.add(enterprise)
    db.session.flush()
    orgs = bases + members
    data.organisation_ids = [o.id for o in orgs]
    data.base_ids, data.incubator_ids = [o.id for o in bases], [o.id for o in members]

    staff = [create_user(email=f"staff{n}@bench.test", password=PASSWORD, role="center", organisation=org,
                         display_name=f"Staff {n}") for n, org in enumerate(orgs)]
    buyers = [create_user(email=f"buyer{n}@bench.test", password=PASSWORD, role="enterprise", organisation=enterprise,
                          display_name=f"Buyer {n}") for n in range(40)]
    admin = create_user(email="admin@bench.test", password=PASSWORD, role="admin", display_name="Bench admin")
    data.admin_email = admin.email
    mentors = [create_user(email=f"mentor{n}@bench.test", password=PASSWORD, role="mentor",
                           organisation=orgs[n % len(orgs)], display_name=f"Mentor {n}") for n in range(2 * len(orgs))]
    db.session.flush()
    profiles = list(db.session.scalars(select(MentorProfile).order_by(MentorProfile.id)))
    for profile in profiles:
        profile.created_at = created
    db.session.commit()

    # Targets and reports.
    indicators = list(db.session.scalars(select(Indicator).order_by(Indicator.position)))
    by_level = {level: [i for i in indicators if i.level == level] for level in ("base", "incubator")}
    targets, reports = [], []
    for org in orgs:
        own = by_level["base" if org.kind == "xinjiang_base" else "incubator"]
        for indicator in rnd.sample(own, min(8, len(own))):
            baseline = rnd.choice([None, rnd.randint(1, 50)])
            target = (baseline or 10) * rnd.uniform(1.2, 3)
            first = rnd.choice([span[0], span[0] + 1])
            targets.append({"organisation_id": org.id, "code": indicator.code, "start_year": first,
                            "end_year": min(first + rnd.choice([2, 4]), span[-1]), "baseline": baseline,
                            "target": round(target, 2), "cumulative": rnd.random() < 0.3,
                            "source": "基准测试目标"})
        for year in span:
            values = {i.code: rnd.randint(0, 80) for i in own}
            base_row = {"organisation_id": org.id, "period": str(year), "year": year, "quarter": None,
                        "status": "accepted", "values": values, "prefilled": {}, "created_by_id": staff[0].id,
                        "submitted_at": _moment(rnd, year), "reviewed_at": _moment(rnd, year)}
            if rnd.random() < 0.2:  # corrected once: version 1 superseded
                reports.append({**base_row, "version": 1, "values": {k: v + 1 for k, v in values.items()},
                                "superseded_at": _moment(rnd, year)})
                reports.append({**base_row, "version": 2, "superseded_at": None})
            else:
                reports.append({**base_row, "version": 1, "superseded_at": None})
            reports.append({**base_row, "period": f"{year}-Q4", "quarter": 4, "version": 1, "status": "draft",
                            "submitted_at": None, "reviewed_at": None, "superseded_at": None})
    _insert(db, IndicatorTarget.__table__, targets)
    _insert(db, Report.__table__, reports)

    # Projects, their history, landings.
    project_rows, changes, landings = [], [], []
    owners = {org.id: staff[n] for n, org in enumerate(orgs)}
    parent_of = {o.id: (o.parent.id if o.parent is not None else o.id) for o in orgs}
    ladders = {"published": ("pending_review", "published"),
               "in_incubation": ("pending_review", "published", "in_incubation"),
               "landed": ("pending_review", "published", "in_incubation", "landed"),
               "graduated": ("pending_review", "published", "in_incubation", "landed", "graduated"),
               "closed": ("pending_review", "published", "closed"), "draft": ()}
    weights = {"published": 35, "in_incubation": 25, "landed": 15, "graduated": 10, "closed": 5, "draft": 10}
    first_id = (db.session.scalar(select(Project.id).order_by(Project.id.desc()).limit(1)) or 0) + 1
    for offset in range(projects):
        project_id = first_id + offset
        org = rnd.choice(orgs)
        status = rnd.choices(list(weights), list(weights.values()))[0]
        when = _moment(rnd, rnd.choice(span))
        project_rows.append({
            "id": project_id, "owner_id": owners[org.id].id, "organisation_id": org.id,
            "title_zh": f"基准项目{project_id}", "title_en": f"Bench project {project_id}", "status": status,
            "stage": "prototype", "direction": "offshore_to_xinjiang", "ip_status": "none", "seeks": [],
            "created_at": when, "updated_at": when, "submitted_at": None, "published_at": None,
            "review_return_status": None})
        previous = "draft"
        for step in ladders[status]:
            when = when + timedelta(days=rnd.uniform(1, 120))
            changes.append({"item_type": "project", "item_id": project_id, "from_status": previous, "to_status": step,
                            "actor_id": admin.id, "created_at": when})
            previous = step
        if status in ("landed", "graduated"):
            landings.append({"project_id": project_id, "city": rnd.choice(XINJIANG_LOCATIONS),
                             "base_id": parent_of[org.id], "via_id": org.id,
                             "landed_on": (when - timedelta(days=30)).astimezone(BEIJING).date(),
                             "company_name": f"基准公司{project_id}",
                             "investment_cny": rnd.randrange(0, 50_000_000, 10_000),
                             "jobs": rnd.randint(0, 80), "status": rnd.choices(["confirmed", "pending", "questioned"],
                                                                              [8, 1, 1])[0]})
    _insert(db, Project.__table__, project_rows)
    _insert(db, StatusChange.__table__, changes)
    _insert(db, Landing.__table__, landings)

    # Needs and signed contracts.
    need_rows = []
    first_need = (db.session.scalar(select(Need.id).order_by(Need.id.desc()).limit(1)) or 0) + 1
    for offset in range(500):
        owner = rnd.choice(buyers + staff)
        need_rows.append({"id": first_need + offset, "owner_id": owner.id, "organisation_id": owner.organisation_id,
                          "kind": "technology", "title_zh": f"基准需求{offset}", "title_en": f"Bench need {offset}",
                          "location": rnd.choice(XINJIANG_LOCATIONS), "deadline": date(this_year + 1, 1, 1),
                          "visibility": "public", "status": "open", "created_at": _moment(rnd, span[0]),
                          "updated_at": _moment(rnd, span[0]), "submitted_at": None, "published_at": None,
                          "review_return_status": None})
    _insert(db, Need.__table__, need_rows)
    pairs, contracts = set(), []
    while len(contracts) < min(2000, projects):
        need_id, project_id = first_need + rnd.randrange(500), first_id + rnd.randrange(projects)
        if (need_id, project_id) in pairs:
            continue
        pairs.add((need_id, project_id))
        signed = _moment(rnd, rnd.choice(span))
        contracts.append({"need_id": need_id, "project_id": project_id, "initiator_side": "need", "message": "bench",
                          "status": "agreement_signed", "created_at": signed - timedelta(days=60), "signed_at": signed,
                          "contract_type": rnd.choice(CONTRACT_TYPES),
                          "contract_value_cny": rnd.randrange(100_000, 20_000_000, 10_000),
                          "signed_on": signed.astimezone(BEIJING).date(),
                          "contract_confirmed_at": signed + timedelta(days=3) if rnd.random() < 0.8 else None})
    _insert(db, Introduction.__table__, contracts)

    # Mentoring sessions (none live: the live-slot constraints stay out of the way).
    bookings = []
    for n in range(sessions):
        start = _moment(rnd, rnd.choice(span)).replace(minute=0, second=0, microsecond=0)
        bookings.append({"uid": f"bench-{n}@collab", "mentor_id": rnd.choice(profiles).id,
                         "booker_id": rnd.choice(buyers).id, "start_at": start,
                         "end_at": start + timedelta(minutes=rnd.choice([30, 60, 90])),
                         "status": rnd.choices(["completed", "cancelled", "no_show", "declined"], [7, 1, 1, 1])[0],
                         "topic": "bench", "language": "zh", "mode": "online", "timezone": "Asia/Shanghai"})
    _insert(db, Booking.__table__, bookings)

    # Events and registrations.
    event_rows, registrations = [], []
    first_event = (db.session.scalar(select(Event.id).order_by(Event.id.desc()).limit(1)) or 0) + 1
    types = ("matchmaking", "roadshow", "talent", "training", "competition")
    for offset in range(events):
        org = rnd.choice(orgs)
        start = _moment(rnd, rnd.choice(span))
        event_id = first_event + offset
        event_rows.append({"id": event_id, "owner_id": owners[org.id].id, "organisation_id": org.id,
                           "title_zh": f"基准活动{offset}", "title_en": f"Bench event {offset}",
                           "status": rnd.choices(["held", "cancelled", "published"], [8, 1, 1])[0],
                           "type": rnd.choice(types), "starts_at": start, "ends_at": start + timedelta(hours=4),
                           "timezone": "Asia/Urumqi", "capacity": 50,
                           "registration_deadline": start - timedelta(days=1),
                           "created_at": start - timedelta(days=30), "updated_at": start, "submitted_at": None,
                           "published_at": start - timedelta(days=20), "review_return_status": None})
        for sequence, buyer in enumerate(rnd.sample(buyers, rnd.randint(0, 8)), start=1):
            registrations.append({"event_id": event_id, "user_id": buyer.id, "sequence": sequence,
                                  "status": rnd.choices(["registered", "cancelled", "waitlisted"], [8, 1, 1])[0],
                                  "created_at": start - timedelta(days=10)})
    _insert(db, Event.__table__, event_rows)
    _insert(db, Registration.__table__, registrations)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        for table in ("projects", "needs", "events"):
            db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                    f"(SELECT max(id) FROM {table}))"))
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    data.rows = {"organisations": len(orgs), "targets": len(targets), "reports": len(reports),
                 "projects": len(project_rows), "status_changes": len(changes), "landings": len(landings),
                 "contracts": len(contracts), "sessions": len(bookings), "events": len(event_rows),
                 "registrations": len(registrations)}
    return data


@contextmanager
def app_with_dataset(url: str, folder: str, **sizes):
    """A migrated app on ``url`` filled by :func:`build_dataset`; yields (app, dataset, seconds)."""
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
        dataset = build_dataset(db, **sizes)
        seconds = time.perf_counter() - started
        db.session.remove()
    try:
        yield app, dataset, seconds
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


# --- measuring -------------------------------------------------------------------------------

def _orgs(ids):
    from sqlalchemy import select

    from collab.extensions import db
    from collab.orgs.models import Organisation

    return list(db.session.scalars(select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.id)))


def _evaluate(dataset: Dataset, ids=None):
    from collab.reports.evaluation import evaluate

    return lambda: evaluate(dataset.year, _orgs(ids or dataset.organisation_ids))


def _evaluation_xlsx(dataset: Dataset):
    from collab.reports.evaluation import evaluate
    from collab.reports.exports import evaluation_xlsx

    return lambda: evaluation_xlsx(evaluate(dataset.year, _orgs(dataset.organisation_ids)), dataset.year)


def _prefill(dataset: Dataset, org_id: int):
    from collab.extensions import db
    from collab.orgs.models import Organisation
    from collab.reports.figures import prefill
    from collab.reports.indicators import Period

    return lambda: prefill(db.session.get(Organisation, org_id), Period(dataset.year))


def _base_sources(dataset: Dataset):
    from collab.extensions import db
    from collab.orgs.models import Organisation
    from collab.reports.figures import KNOWN_CODES, activity, sources
    from collab.reports.indicators import Period

    def run():
        org, period = db.session.get(Organisation, dataset.base_ids[0]), Period(dataset.year)
        return [sources(org, period, code, lang="zh") for code in KNOWN_CODES] + [activity(org, period)]

    return run


# (label, builder of the function to time); each run in a fresh app context.
MEASURES = [
    ("evaluation: every organisation", lambda d: _evaluate(d)),
    ("evaluation: 10 organisations", lambda d: _evaluate(d, d.organisation_ids[:10])),
    ("evaluation: XLSX of every organisation", _evaluation_xlsx),
    ("prefill: a base and its members", lambda d: _prefill(d, d.base_ids[0])),
    ("prefill: an incubator", lambda d: _prefill(d, d.incubator_ids[0])),
    ("sources + activity: a base, every figure", _base_sources),
]
# Pairs whose statement counts must be equal: cost does not grow with the organisations.
SAME_COST = [("evaluation: 10 organisations", "evaluation: every organisation")]


def measure(app, dataset: Dataset, runs: int) -> list[dict]:
    """Each measure in a request context of its own (as a page would run it): the
    statements of one run after a warm-up, and the median of ``runs`` runs."""
    from collab.extensions import db

    with app.app_context():
        counter = StatementCounter(db.engine)
    results = []
    for label, build in MEASURES:
        with app.test_request_context("/zh/"):
            function = build(dataset)
            function()  # warm-up
            db.session.expire_all()
            with counter.measuring():
                function()
            statements = counter.count

            def fresh():
                db.session.expire_all()  # nothing read before counts
                return function()

            median, _ = timed(fresh, runs)
            db.session.remove()
        results.append({"measure": label, "median_ms": round(median, 2), "statements": statements})
    return results


def verdict(results: list[dict]) -> list[str]:
    misses = [f"{r['measure']}: median {r['median_ms']} ms > {TARGET_MEDIAN_MS} ms"
              for r in results if r["median_ms"] > TARGET_MEDIAN_MS]
    by_label = {r["measure"]: r for r in results}
    for few, many in SAME_COST:
        if by_label[few]["statements"] != by_label[many]["statements"]:
            misses.append(f"{many}: {by_label[many]['statements']} statements, {few}: {by_label[few]['statements']}")
    return misses


def run_on(url: str, folder: str, sizes: dict, runs: int) -> dict:
    with app_with_dataset(url, folder, **sizes) as (app, dataset, seconds):
        results = measure(app, dataset, runs)
    return {"backend": url.split(":", 1)[0].split("+", 1)[0], "year": dataset.year, "rows": dataset.rows,
            "fill_seconds": round(seconds, 1), "load_average": round(os.getloadavg()[0], 2), "cpus": os.cpu_count(),
            "measures": results}


def report(run: dict) -> None:
    rows = run["rows"]
    print(f"\n{run['backend']}: {rows['organisations']} organisations, {rows['reports']} reports, "
          f"{rows['projects']} projects, {rows['sessions']} sessions, {rows['events']} events "
          f"(filled in {run['fill_seconds']} s; evaluated year {run['year']}; load average {run['load_average']} "
          f"on {run['cpus']} cores)")
    print(f"  {'measure':44} {'median ms':>10} {'SQL':>5}")
    for r in run["measures"]:
        flag = "" if r["median_ms"] <= TARGET_MEDIAN_MS else "  <- over target"
        print(f"  {r['measure']:44} {r['median_ms']:>10.2f} {r['statements']:>5}{flag}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organisations", type=int, default=50)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument("--sessions", type=int, default=5_000)
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args(argv)
    sizes = {"organisations": args.organisations, "years": args.years, "projects": args.projects,
             "sessions": args.sessions, "events": args.events}
    runs = []
    with sqlite_database() as (url, folder):
        runs.append(run_on(url, folder, sizes, args.runs))
    report(runs[-1])
    misses = verdict(runs[-1]["measures"])
    pg_url = os.environ.get("COLLAB_BENCH_DATABASE_URL")
    if pg_url:
        with postgres_database(pg_url) as (url, folder):
            runs.append(run_on(url, folder, sizes, args.runs))
        report(runs[-1])
        misses += [f"postgresql: {m}" for m in verdict(runs[-1]["measures"])]
    print("\nreports targets: " + ("all met" if not misses else "MISSED\n  " + "\n  ".join(misses)))
    print(json.dumps({"bench": "reports", "target_median_ms": TARGET_MEDIAN_MS, "runs": runs, "misses": misses},
                     ensure_ascii=False))
    return 1 if misses else 0


# --- the dashboards (collab/reports/dashboard_routes.py): whole pages, as the admin reads them ----

def _dashboard_page(path):
    """A page rendered through the app (login, views, templates, SVG), the last full year."""

    def build(dataset: Dataset):
        from flask import current_app

        client = current_app.test_client()
        assert client.post("/zh/login", data={"email": dataset.admin_email, "password": PASSWORD}).status_code == 302
        url = path(dataset)

        def run():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response

        return run

    return build


def _range(d: Dataset) -> str:
    return f"from={d.year}-01-01&to={d.year}-12-31"


MEASURES += [
    ("dashboard page: the network", _dashboard_page(lambda d: f"/zh/reports/dashboard?{_range(d)}")),
    ("dashboard page: the network, one base", _dashboard_page(
        lambda d: f"/zh/reports/dashboard?{_range(d)}&org=bench-org-0")),
    ("dashboard page: an incubator", _dashboard_page(
        lambda d: f"/zh/reports/organisations/bench-org-{len(d.base_ids)}/dashboard?{_range(d)}")),
    ("dashboard file: flows XLSX", _dashboard_page(lambda d: f"/zh/reports/dashboard/flows.xlsx?{_range(d)}")),
    ("evaluation page: every organisation", _dashboard_page(lambda d: f"/zh/reports/evaluation?year={d.year}")),
]


if __name__ == "__main__":
    sys.exit(main())
