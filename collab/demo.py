"""Demo data: the real network plus one account per role (README lists them)."""
from __future__ import annotations

from sqlalchemy import func, select

from .extensions import db

DEMO_PASSWORD = "collab-demo-2026"
DEMO_USERS = (
    # email, role, organisation key, display name, locale, time zone
    ("admin@collab.demo", "admin", "urumqi-hitech", "管委会管理员", "zh", "Asia/Urumqi"),
    ("enterprise@collab.demo", "enterprise", None, "喀什丝路新材料有限公司", "zh", "Asia/Urumqi"),
    ("center@collab.demo", "center", "shanghai-offshore", "Shanghai Offshore Center", "en", "Asia/Shanghai"),
    ("mentor@collab.demo", "mentor", "tashkent-offshore", "Dilnoza Karimova", "en", "Asia/Tashkent"),
)
DEMO_ENTERPRISE = {
    "key": "kashgar-silkroad-materials", "kind": "enterprise",
    "name_zh": "喀什丝路新材料有限公司", "name_en": "Kashgar Silk Road New Materials Co., Ltd.",
    "city_zh": "喀什", "city_en": "Kashgar", "country": "CN", "timezone": "Asia/Urumqi",
    "description_zh": "演示用企业：位于喀什经济开发区的新材料企业。",
    "description_en": "A demo enterprise: a new-materials company in the Kashgar Economic Development Zone.",
}


def database_is_empty() -> bool:
    from .auth.models import User

    return not db.session.scalar(select(func.count(User.id)))


def load_demo() -> dict[str, int]:
    """Upsert reference data and demo accounts; running it twice changes nothing."""
    from .auth.models import User
    from .auth.services import create_user
    from .orgs.models import Organisation
    from .orgs.services import load_reference_data

    summary = load_reference_data()
    enterprise = db.session.scalar(select(Organisation).where(Organisation.key == DEMO_ENTERPRISE["key"]))
    if enterprise is None:
        enterprise = Organisation(status="approved", facts={}, **DEMO_ENTERPRISE)
        enterprise.refresh_search_text()
        db.session.add(enterprise)
        db.session.flush()
    created = 0
    for email, role, org_key, name, locale, tz in DEMO_USERS:
        if db.session.scalar(select(User).where(User.email == email)):
            continue
        org = (db.session.scalar(select(Organisation).where(Organisation.key == org_key))
               if org_key else enterprise)
        create_user(email=email, password=DEMO_PASSWORD, role=role, display_name=name,
                    locale=locale, timezone=tz, organisation=org)
        created += 1
    summary["demo_users_created"] = created
    from .demo_content import load_content_demo

    summary.update(load_content_demo(DEMO_PASSWORD))
    from .mentors.demo import load_mentor_demo

    summary.update(load_mentor_demo(DEMO_PASSWORD))
    from .demo_content import load_event_demo

    summary.update(load_event_demo(DEMO_PASSWORD))  # after the mentors: some of them take part
    from .matching.store import refresh_all

    summary["matches"] = refresh_all()["matches"]
    from .reports.demo import load_numbers_demo

    summary.update(load_numbers_demo(DEMO_PASSWORD))  # after the matches: contracts sign some of them
    return summary
