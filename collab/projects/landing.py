"""Landing records (落地): where, when and as what company a project landed in Xinjiang,
and the receiving base's answer. Moving a project to ``landed`` goes through
``record_landing`` (the content core's generic step is refused without one, see
``ProjectKind.before_transition``); the receiving base's administrators confirm or question
it, the owner corrects a questioned one. Only confirmed landings count in reports.

Services flush and never commit (the unit of work does); refusals raise the
``collab.errors`` family, bad input as ``InvalidFields`` naming each field.
"""
from __future__ import annotations

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager

from ..content import services as content
from ..content.models import StatusChange
from ..db import MAX_ID, beijing_date, iso, today_in_beijing, utcnow
from ..errors import InvalidFields, NotAllowed, WrongState
from ..extensions import db
from ..input_values import iso_date, whole_number
from ..needs.models import XINJIANG_LOCATIONS
from ..orgs.access import administers, is_network_admin
from ..orgs.models import Organisation
from .models import LANDING_STATUSES, Landing, Project

MAX_INVESTMENT_CNY = 10**13               # 10 trillion yuan: far above any plan, far below BIGINT
MAX_JOBS = 10**6
MAX_COMPANY_NAME = 200
MAX_NOTE = 1000
FIELDS = ("city", "base_id", "landed_on", "company_name", "investment_cny", "jobs")

LANDING_STATUS_LABELS = {
    "pending": _l("Awaiting confirmation by the base"),
    "confirmed": _l("Confirmed by the base"),
    "questioned": _l("Questioned by the base"),
}

MESSAGES = {
    "city": _l("Choose the city in Xinjiang where the project landed."),
    "base_id": _l("Choose the Xinjiang base that received the project."),
    "landed_on_missing": _l("Give the landing date, such as 2026-11-20."),
    "landed_on_future": _l("The landing date cannot be in the future."),
    "company_missing": _l("Give the name of the company registered in Xinjiang."),
    "company_long": _l("Write at most %(max)s characters.", max=MAX_COMPANY_NAME),
    "text_bad": _l("This text contains characters that are not allowed."),
    "markup": _l("Please write plain text without HTML tags."),
    "investment": _l("Enter the planned investment in yuan: a whole number from 0 to 10 trillion."),
    "jobs": _l("Enter the planned jobs: a whole number from 0 to 1,000,000."),
    "note_required": _l("Say in a note what the owner should check or correct."),
    "note_long": _l("Write at most %(max)s characters.", max=MAX_NOTE),
}

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>")


# --- who may do what -----------------------------------------------------------------------

def may_record(project: Project, user) -> bool:
    """The owner or an administrator may record (and correct) a project's landing."""
    return bool(content.party_of(project, user) & {"owner", "admin"})


def may_review(landing: Landing, user) -> bool:
    """An administrator of the receiving base (or of the whole network) confirms or
    questions a landing; an administrator of another base may not."""
    return administers(user, landing.base)


def base_choices() -> list[Organisation]:
    """The approved Xinjiang bases a project may land at, by name."""
    return list(db.session.scalars(select(Organisation).where(
        Organisation.kind == "xinjiang_base", Organisation.status == "approved")
        .order_by(Organisation.name_en, Organisation.id).limit(200)))


# --- input ---------------------------------------------------------------------------------

def clean_landing(project: Project, data: dict) -> dict:
    """The landing's fields checked and converted; every field at fault at once as
    ``InvalidFields`` (translated messages, keyed by field name)."""
    from ..i18n import fmt_date

    errors: dict[str, list] = {}
    cleaned: dict = {}

    city = data.get("city")
    if not isinstance(city, str) or city.strip() not in XINJIANG_LOCATIONS:
        errors["city"] = [MESSAGES["city"]]
    else:
        cleaned["city"] = city.strip()

    base_id = whole_number(data.get("base_id"))
    base = None
    if base_id is not None and 0 < base_id <= MAX_ID:
        base = db.session.get(Organisation, base_id)
    if base is None or base.kind != "xinjiang_base" or not base.is_approved:
        errors["base_id"] = [MESSAGES["base_id"]]
    else:
        cleaned["base_id"] = base.id

    landed_on = iso_date(data.get("landed_on"))
    published = beijing_date(project.published_at)
    if landed_on is None:
        errors["landed_on"] = [MESSAGES["landed_on_missing"]]
    elif landed_on > today_in_beijing():
        errors["landed_on"] = [MESSAGES["landed_on_future"]]
    elif published is not None and landed_on < published:
        errors["landed_on"] = [_l("The landing date cannot be before the project was published (%(date)s).",
                                  date=fmt_date(published))]
    else:
        cleaned["landed_on"] = landed_on

    company = data.get("company_name")
    company = company.strip() if isinstance(company, str) else None
    if not company:
        errors["company_name"] = [MESSAGES["company_missing"]]
    elif len(company) > MAX_COMPANY_NAME:
        errors["company_name"] = [MESSAGES["company_long"]]
    elif _CONTROL.search(company):
        errors["company_name"] = [MESSAGES["text_bad"]]
    elif _TAG.search(company):
        errors["company_name"] = [MESSAGES["markup"]]
    else:
        cleaned["company_name"] = company

    for name, limit in (("investment_cny", MAX_INVESTMENT_CNY), ("jobs", MAX_JOBS)):
        value = whole_number(data.get(name))
        if value is None or not 0 <= value <= limit:
            errors[name] = [MESSAGES["investment" if name == "investment_cny" else "jobs"]]
        else:
            cleaned[name] = value

    if errors:
        raise InvalidFields(errors, _l("Some details of the landing need correcting."))
    return cleaned


def clean_note(note, *, required: bool = False) -> str | None:
    if note is not None and not isinstance(note, str):
        raise InvalidFields({"note": [_l("Text is expected here.")]})
    note = (note or "").strip()
    if required and not note:
        raise InvalidFields({"note": [MESSAGES["note_required"]]}, MESSAGES["note_required"])
    if len(note) > MAX_NOTE:
        raise InvalidFields({"note": [MESSAGES["note_long"]]})
    if _CONTROL.search(note):
        raise InvalidFields({"note": [MESSAGES["text_bad"]]})
    if _TAG.search(note):
        raise InvalidFields({"note": [MESSAGES["markup"]]})
    return note or None


# --- the lifecycle ---------------------------------------------------------------------------

def record_landing(project: Project, actor, data: dict, note: str | None = None) -> Landing:
    """Record where the project landed and move it to ``landed`` (owner, admin); the
    receiving base's administrators are told. Nothing is saved when anything is refused."""
    if not may_record(project, actor):
        raise NotAllowed(_l("Only the project's owner or an administrator records its landing."))
    transition = project_transition()
    if project.status not in transition.sources:
        raise WrongState(_l("This project cannot be marked as landed from its current status."),
                         code="invalid_transition")
    # Two owners' tabs recording at once: the project's row lock makes the second wait and
    # then find the first record (not fail on the unique project_id).
    db.session.execute(select(Project.id).where(Project.id == project.id).with_for_update())
    if project.landing is not None or db.session.scalar(select(Landing.id).where(Landing.project_id == project.id)):
        raise WrongState(_l("This project already has a landing record; correct it instead."))
    cleaned = clean_landing(project, data)
    note = clean_note(note)
    landing = Landing(project=project, via_id=project.organisation_id, status="pending",
                      recorded_by_id=actor.id, **cleaned)
    db.session.add(landing)
    db.session.flush()
    content.transition_item(project, "landed", actor, note)
    _log(landing, None, "pending", actor)
    _tell_base(landing, "landing_recorded")
    db.session.flush()
    return landing


def project_transition():
    from .kind import PROJECTS

    return PROJECTS.transitions["landed"]


def update_landing(landing: Landing, actor, data: dict) -> Landing:
    """Correct a pending or questioned landing (owner, admin): it awaits the base's
    confirmation again and the base is told again. A confirmed landing stays as it is."""
    project = landing.project
    if not may_record(project, actor):
        raise NotAllowed(_l("Only the project's owner or an administrator corrects its landing."))
    if landing.status == "confirmed":
        raise WrongState(_l("The base has confirmed this landing: it can no longer be changed."))
    cleaned = clean_landing(project, {**landing_values(landing), **data})
    previous = landing.status
    for name, value in cleaned.items():
        setattr(landing, name, value)
    landing.status = "pending"
    landing.updated_at = utcnow()
    db.session.flush()
    _log(landing, previous, "pending", actor)
    _tell_base(landing, "landing_recorded", corrected=True)
    db.session.flush()
    return landing


def confirm_landing(landing: Landing, actor, note: str | None = None) -> Landing:
    """The receiving base confirms the landing (it now counts); the owner is told."""
    return _review(landing, actor, "confirmed", clean_note(note))


def question_landing(landing: Landing, actor, note: str) -> Landing:
    """The receiving base questions the landing with a note; the owner is told and may correct it."""
    return _review(landing, actor, "questioned", clean_note(note, required=True))


def _review(landing: Landing, actor, target: str, note: str | None) -> Landing:
    if not may_review(landing, actor):
        raise NotAllowed(_l("Only an administrator of the receiving base confirms or questions this landing."))
    allowed = {"confirmed": {"pending", "questioned"}, "questioned": {"pending"}}[target]
    if landing.status not in allowed:
        raise WrongState(_l("This landing has already been answered."))
    previous = landing.status
    landing.status, landing.review_note = target, note
    landing.reviewed_by_id, landing.reviewed_at = actor.id, utcnow()
    db.session.flush()
    _log(landing, previous, target, actor, note=note)
    project = landing.project
    if project.owner is not None:
        _notify(project.owner, f"landing_{target}", landing, note=note)
    db.session.flush()
    return landing


def _log(landing: Landing, previous, target: str, actor, note: str | None = None) -> None:
    db.session.add(StatusChange(item_type="landing", item_id=landing.id, from_status=previous, to_status=target,
                                actor_id=getattr(actor, "id", None), note=note))


def _base_admins(landing: Landing) -> list:
    """The receiving base's own administrators; the network's when the base has none."""
    from ..auth.models import User

    admins = list(db.session.scalars(select(User).where(User.roles.contains("admin"), User.is_enabled.is_(True))
                                     .order_by(User.id).limit(200)))
    own = [a for a in admins if a.is_admin and landing.base_id is not None and a.organisation_id == landing.base_id]
    return own or [a for a in admins if is_network_admin(a)]


def _tell_base(landing: Landing, kind: str, corrected: bool = False) -> None:
    for admin in _base_admins(landing):
        if admin.id != landing.recorded_by_id or corrected:
            _notify(admin, kind, landing, corrected=corrected)


def _notify(user, kind: str, landing: Landing, **extra) -> None:
    from ..notifications.services import notify

    project, base = landing.project, landing.base
    notify(user, kind, item_type="project", item_id=project.id, title_zh=project.title_zh,
           title_en=project.title_en, city=landing.city, company_name=landing.company_name,
           base_zh=base.name_zh if base else None, base_en=base.name_en if base else None, **extra)


# --- reading -----------------------------------------------------------------------------------

def landing_values(landing: Landing) -> dict:
    return {name: getattr(landing, name) for name in FIELDS}


def landing_json(landing: Landing | None) -> dict | None:
    """The landing in the API's shape (null when the project has none)."""
    if landing is None:
        return None

    def org(o):
        return {"id": o.id, "key": o.key, "name_zh": o.name_zh, "name_en": o.name_en} if o else None

    return {"id": landing.id, "city": landing.city, "base_id": landing.base_id, "base": org(landing.base),
            "via_id": landing.via_id, "via": org(landing.via), "landed_on": landing.landed_on.isoformat(),
            "company_name": landing.company_name, "investment_cny": landing.investment_cny, "jobs": landing.jobs,
            "status": landing.status, "review_note": landing.review_note, "reviewed_at": iso(landing.reviewed_at),
            "created_at": iso(landing.created_at), "updated_at": iso(landing.updated_at)}


def confirmed_landings(org_ids=None, via_ids=None, base_ids=None, start: date | None = None,
                       end: date | None = None) -> list[Landing]:
    """Confirmed landings (the only ones that count), each with its project loaded:
    ``org_ids`` those that landed through or at any of these organisations, ``via_ids``
    through (the offshore incubator), ``base_ids`` at (the receiving base); ``start`` and
    ``end`` bound ``landed_on`` as [start, end). One query, oldest landing first."""
    statement = (select(Landing).join(Project, Project.id == Landing.project_id)
                 .options(contains_eager(Landing.project)).where(Landing.status == "confirmed"))
    if org_ids is not None:
        ids = list(org_ids)
        statement = statement.where(or_(Landing.via_id.in_(ids), Landing.base_id.in_(ids)))
    if via_ids is not None:
        statement = statement.where(Landing.via_id.in_(list(via_ids)))
    if base_ids is not None:
        statement = statement.where(Landing.base_id.in_(list(base_ids)))
    if start is not None:
        statement = statement.where(Landing.landed_on >= start)
    if end is not None:
        statement = statement.where(Landing.landed_on < end)
    return list(db.session.scalars(statement.order_by(Landing.landed_on, Landing.id)).unique())


def landings_of(org: Organisation, limit: int = 50) -> list[Landing]:
    """The confirmed landings of publicly readable projects that landed through or at
    ``org``, newest first, with projects and organisations loaded (one query)."""
    from .kind import PROJECTS

    statement = (select(Landing).join(Project, Project.id == Landing.project_id)
                 .options(contains_eager(Landing.project))
                 .where(Landing.status == "confirmed", or_(Landing.via_id == org.id, Landing.base_id == org.id),
                        Project.status.in_(PROJECTS.public))
                 .order_by(Landing.landed_on.desc(), Landing.id.desc()).limit(limit))
    return list(db.session.scalars(statement).unique())


def awaiting_answer(user, limit: int = 100) -> list[Landing]:
    """Pending landings ``user`` answers (the receiving base's administrators, the network's),
    oldest record first, projects and organisations loaded (one query)."""
    if not (user is not None and getattr(user, "is_authenticated", False) and user.is_admin):
        return []
    statement = (select(Landing).join(Project, Project.id == Landing.project_id)
                 .options(contains_eager(Landing.project)).where(Landing.status == "pending"))
    if not is_network_admin(user):
        under = select(Organisation.id).where(or_(Organisation.id == user.organisation_id,
                                                  Organisation.parent_id == user.organisation_id))
        statement = statement.where(Landing.base_id.in_(under))
    return list(db.session.scalars(statement.order_by(Landing.created_at, Landing.id).limit(limit)).unique())


def landing_history(landing: Landing) -> list[StatusChange]:
    return list(db.session.scalars(select(StatusChange).where(
        StatusChange.item_type == "landing", StatusChange.item_id == landing.id).order_by(StatusChange.id)))


def landing_message(kind: str, p: dict) -> str:
    """The sentence of a landing's notification, in the current locale (registered with
    collab.notifications.messages by collab/subscribers.py)."""
    from flask_babel import gettext as _

    from ..content.labels import LOCATION_LABELS
    from ..i18n import current_lang

    lang = current_lang()
    other = "en" if lang == "zh" else "zh"
    title = p.get(f"title_{lang}") or p.get(f"title_{other}") or "—"
    base = p.get(f"base_{lang}") or p.get(f"base_{other}") or "—"
    city = str(LOCATION_LABELS.get(p.get("city"), p.get("city") or "—"))
    if kind == "landing_recorded":
        if p.get("corrected"):
            return _("The landing of “%(title)s” in %(city)s was corrected: please confirm it for %(base)s.",
                     title=title, city=city, base=base)
        return _("“%(title)s” reports landing in %(city)s at %(base)s: please confirm or question it.",
                 title=title, city=city, base=base)
    if kind == "landing_confirmed":
        if p.get("note"):
            return _("%(base)s confirmed the landing of “%(title)s”: %(note)s", base=base, title=title, note=p["note"])
        return _("%(base)s confirmed the landing of “%(title)s”.", base=base, title=title)
    if kind == "landing_questioned":
        return _("%(base)s questioned the landing of “%(title)s”: %(note)s. Please check and correct it.",
                 base=base, title=title, note=p.get("note") or "—")
    return _("You have a new notification.")


assert set(LANDING_STATUS_LABELS) == set(LANDING_STATUSES)
