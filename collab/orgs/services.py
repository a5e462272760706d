"""Organisations: the directory, reference data, and the admin's approvals."""
from __future__ import annotations

import json
import re
import unicodedata
from importlib import resources

from sqlalchemy import func, or_, select

from .. import audit
from ..db import paginate
from ..extensions import db
from .models import Indicator, IndicatorTarget, Organisation, Sector


def _data(name: str) -> dict:
    return json.loads(resources.files("collab.data").joinpath(name).read_text(encoding="utf-8"))


def unique_key(name: str) -> str:
    """A URL-safe key from a name; Chinese-only names get a numbered key."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:48] or "org"
    key, n = base, 1
    while db.session.scalar(select(func.count(Organisation.id)).where(Organisation.key == key)):
        n += 1
        key = f"{base}-{n}"
    return key


def load_reference_data() -> dict[str, int]:
    """Upsert sectors, indicator definitions and the real organisations (idempotent)."""
    counts = {"sectors": 0, "indicators": 0, "organisations": 0, "targets": 0}
    for position, item in enumerate(_data("sectors.json")["sectors"]):
        sector = db.session.get(Sector, item["code"]) or Sector(code=item["code"])
        sector.zh, sector.en = item["zh"], item["en"]
        sector.keywords_zh, sector.keywords_en = item["keywords_zh"], item["keywords_en"]
        sector.position = position
        db.session.add(sector)
        counts["sectors"] += 1
    for position, item in enumerate(_data("indicators.json")["indicators"]):
        indicator = db.session.get(Indicator, item["code"]) or Indicator(code=item["code"])
        for field in ("level", "unit", "zh", "en", "baseline_2020", "target_2023"):
            setattr(indicator, field, item.get(field))
        indicator.position = position
        db.session.add(indicator)
        counts["indicators"] += 1
    by_key = {}
    items = _data("organisations.json")["organisations"]
    for item in items:
        org = db.session.scalar(select(Organisation).where(Organisation.key == item["key"]))
        if org is None:
            org = Organisation(key=item["key"])
            db.session.add(org)
        for field in ("kind", "name_zh", "name_en", "city_zh", "city_en", "country", "timezone", "facts"):
            setattr(org, field, item.get(field))
        org.description_en = org.description_en or item.get("note")
        org.status = "approved"
        org.refresh_search_text()
        by_key[item["key"]] = org
        counts["organisations"] += 1
    db.session.flush()
    for item in items:
        if item.get("parent"):
            by_key[item["key"]].parent_id = by_key[item["parent"]].id
    db.session.flush()
    counts["targets"] = _load_targets(_data("indicators.json"), by_key)
    return counts


# The Ürümqi base's own 2021–2023 table is given inside each indicator's definition.
_URUMQI_TABLE = ("urumqi-hitech", 2021, 2023, "乌鲁木齐高新区（新市区）双创示范基地主要指标 (2020 → 2023)")


def _load_targets(data: dict, by_key: dict[str, Organisation]) -> int:
    """Upsert the published targets (idempotent: one row per organisation, span and code)."""
    rows = []
    key, start, end, source = _URUMQI_TABLE
    for item in data["indicators"]:
        if item.get("target_2023") is not None:
            rows.append((key, start, end, item["code"], item.get("baseline_2020"), item["target_2023"], False, source))
    for item in data.get("targets", []):
        first, _, last = item["period"].partition("-")
        rows.append((item["organisation"], int(first), int(last or first), item["code"], item.get("baseline"),
                     item["target"], bool(item.get("cumulative")), item.get("source")))
    for key, start, end, code, baseline, target, cumulative, source in rows:
        org = by_key.get(key)
        if org is None:
            continue
        row = db.session.scalar(select(IndicatorTarget).where(
            IndicatorTarget.organisation_id == org.id, IndicatorTarget.code == code,
            IndicatorTarget.start_year == start, IndicatorTarget.end_year == end))
        if row is None:
            row = IndicatorTarget(organisation_id=org.id, code=code, start_year=start, end_year=end)
            db.session.add(row)
        row.baseline, row.target, row.cumulative, row.source = baseline, target, cumulative, source
    db.session.flush()
    return len(rows)


def list_sectors() -> list[Sector]:
    return list(db.session.scalars(select(Sector).order_by(Sector.position)))


def directory(*, kind: str | None = None, city: str | None = None, country: str | None = None,
              q: str | None = None, page: int = 1, per_page: int = 20,
              include_unapproved: bool = False) -> tuple[list[Organisation], int]:
    """One page of the organisation directory with its filters."""
    statement = select(Organisation)
    if not include_unapproved:
        statement = statement.where(Organisation.status == "approved")
    if kind:
        statement = statement.where(Organisation.kind == kind)
    if country:
        statement = statement.where(Organisation.country == country.upper())
    if city:
        city = city.strip()
        # lower() on both sides: SQLite lowers ASCII only, so a Python-lowered "ürümqi"
        # would never equal the database's lower("Ürümqi").
        statement = statement.where(or_(func.lower(Organisation.city_en) == func.lower(city),
                                        Organisation.city_zh == city))
    if q:
        for word in q.lower().split()[:5]:
            statement = statement.where(Organisation.search_text.contains(word, autoescape=True))
    statement = statement.order_by(Organisation.kind, Organisation.id)
    return paginate(statement, page, per_page)


def city_options() -> list[tuple[str, str]]:
    """Distinct (city_en, city_zh) pairs of approved organisations, for the filter."""
    rows = db.session.execute(
        select(Organisation.city_en, Organisation.city_zh).where(Organisation.status == "approved")
        .distinct().order_by(Organisation.city_en)
    ).all()
    return [(en, zh) for en, zh in rows if en or zh]


def get_by_key(key: str, *, viewer=None) -> Organisation | None:
    """An organisation visible to ``viewer``: proposed ones only to admins and their proposers."""
    org = db.session.scalar(select(Organisation).where(Organisation.key == key))
    if org is None:
        return None
    if org.is_approved:
        return org
    if viewer is not None and viewer.is_authenticated and (viewer.is_admin or viewer.organisation_id == org.id):
        return org
    return None


def members(org: Organisation, *, include_pending: bool = False):
    """The organisation's members (at most 200), by name; pending ones on request."""
    return [user for user in org.members if include_pending or user.membership_status == "approved"][:200]


def network_overview() -> dict[str, list[Organisation]]:
    """The home page's network: bases, offshore incubators and partners."""
    orgs = db.session.scalars(
        select(Organisation).where(
            Organisation.status == "approved",
            Organisation.kind.in_(("xinjiang_base", "offshore_incubator", "international_partner")),
        ).order_by(Organisation.id)
    ).all()
    groups: dict[str, list[Organisation]] = {"xinjiang_base": [], "offshore_incubator": [], "international_partner": []}
    for org in orgs:
        groups[org.kind].append(org)
    return groups


# --- admin ---------------------------------------------------------------------

def save_organisation(org: Organisation, data: dict, actor) -> Organisation:
    """Create or edit an organisation from validated form data."""
    creating = org.id is None
    for field, value in data.items():
        setattr(org, field, (value or None) if isinstance(value, str) else value)
    if not org.key:
        org.key = unique_key(org.name_en or org.name_zh or "org")
    org.facts = org.facts or {}
    org.refresh_search_text()
    db.session.add(org)
    db.session.flush()
    audit.record(actor, "organisation.created" if creating else "organisation.updated", "organisation", org.id)
    return org


def proposed_organisations(limit: int = 100) -> list[Organisation]:
    return list(db.session.scalars(
        select(Organisation).where(Organisation.status == "proposed").order_by(Organisation.created_at).limit(limit)
    ))
