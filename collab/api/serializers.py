"""JSON shapes of the API (times in UTC with Z; bilingual fields as _zh/_en pairs)."""
from __future__ import annotations

from ..db import iso  # noqa: F401  (the API's time format, defined beside utcnow)


def organisation_json(org) -> dict:
    return {
        "id": org.id, "key": org.key, "kind": org.kind, "status": org.status,
        "name_zh": org.name_zh, "name_en": org.name_en,
        "city_zh": org.city_zh, "city_en": org.city_en,
        "country": org.country, "timezone": org.timezone,
        "description_zh": org.description_zh, "description_en": org.description_en,
        "website": org.website, "facts": org.facts or {},
        "parent_id": org.parent_id,
    }


def sector_json(sector) -> dict:
    return {"code": sector.code, "name_zh": sector.zh, "name_en": sector.en,
            "keywords_zh": sector.keywords_zh, "keywords_en": sector.keywords_en}


def _mentor_id(user) -> int | None:
    """The id of the user's mentor profile, if any."""
    from sqlalchemy import select

    from ..extensions import db
    from ..mentors.models import MentorProfile

    return db.session.scalar(select(MentorProfile.id).where(MentorProfile.user_id == user.id))


def user_json(user) -> dict:
    org = user.organisation
    return {
        "id": user.id, "email": user.email, "display_name": user.display_name,
        "roles": user.role_list, "locale": user.locale, "timezone": user.timezone,
        "organisation": ({"id": org.id, "key": org.key, "name_zh": org.name_zh, "name_en": org.name_en}
                         if org else None),
        "membership_status": user.membership_status,
        "can_publish": user.can_publish,
        "mentor_id": _mentor_id(user),
    }
