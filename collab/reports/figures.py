"""What the platform knows of an organisation's indicators for a period: the figures a
report is prefilled with, each marked with its source, and the rows behind each figure.

Scope
-----
An offshore incubator or a partner station answers for itself. A Xinjiang base answers
for itself and its member organisations (``parent_id`` = the base), and also for the
landings it received (``Landing.base_id``), whoever the project landed through.

Figures (a period is ``[period.start, period.end)`` in Beijing-time days; instants are
compared with :func:`collab.events.stats.instant` of those days)
--------------------------------------------------------------------------------------

============================  ==============================  =============================================
indicator                     source                          what counts
============================  ==============================  =============================================
``projects_landed_xinjiang``  ``confirmed_landings``          landings with status ``confirmed`` whose
                                                              ``landed_on`` is in the period, through the
                                                              scope (``via_id``; a base also by ``base_id``)
``mentoring_sessions``        ``completed_sessions``          bookings ``completed``, started in the period,
                                                              with a mentor whose profile belongs to the scope
``mentors``                   ``active_mentors``              active mentor profiles of the scope created
                                                              before the period's end
``events_held``               ``held_events``                 :mod:`collab.events.stats` (held events by start)
``trainings_held``            ``held_trainings``              idem
``competition_entries``       ``competition_registrations``   idem (places taken at held competitions)
``resident_companies``        ``projects_in_incubation``      the scope's projects whose status at the end of
                                                              the period (now, for a period still running) is
                                                              ``in_incubation``, read from their recorded
                                                              history (a project without recorded history
                                                              has no known past status and does not count
                                                              for an ended period)
``graduated_companies``       ``graduated_projects``          the scope's projects moved to ``graduated``
                                                              during the period (each project once)
``tech_contract_value``       ``confirmed_contracts``         confirmed contracts (``contract_confirmed_at``
                                                              set) signed in the period where the project's
                                                              or the need's organisation is in the scope,
                                                              in 亿元
``offshore_incubators``       ``network_incubators``          (bases) approved member organisations of kind
                                                              ``offshore_incubator`` or
                                                              ``international_partner`` (as they are now:
                                                              the reference data carries no founding dates,
                                                              so a row's created_at would say "not yet" of
                                                              every year before the platform's launch);
                                                              异地、离岸孵化器 are the base's
                                                              offshore incubators and its partner stations
                                                              abroad alike
============================  ==============================  =============================================

Only the figures of indicators the organisation reports (``indicators_for``) are given.
Each function runs a fixed, small number of queries, whatever the number of rows.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app, has_request_context, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from werkzeug.routing import BuildError

from ..content.models import StatusChange
from ..db import beijing_date, utcnow
from ..events import stats
from ..events.models import Event, Registration
from ..extensions import db
from ..matching.models import Introduction
from ..mentors.models import Booking, MentorProfile
from ..needs.models import Need
from ..orgs.models import Organisation
from ..projects.models import Landing, Project
from .indicators import Period, convert, indicators_for

INCUBATOR_KINDS = ("offshore_incubator", "international_partner")

# indicator code → the source its figure comes from
SOURCE_OF = {
    "projects_landed_xinjiang": "confirmed_landings",
    "mentoring_sessions": "completed_sessions",
    "mentors": "active_mentors",
    "events_held": "held_events",
    "trainings_held": "held_trainings",
    "competition_entries": "competition_registrations",
    "resident_companies": "projects_in_incubation",
    "graduated_companies": "graduated_projects",
    "tech_contract_value": "confirmed_contracts",
    "offshore_incubators": "network_incubators",
}
KNOWN_CODES = tuple(SOURCE_OF)

SOURCE_LABELS = {
    "confirmed_landings": _l("Landings in Xinjiang confirmed by the receiving base, by landing date "
                             "(for a base: also those it received)"),
    "completed_sessions": _l("Mentoring sessions marked completed, held by the organisation's mentors"),
    "active_mentors": _l("Active mentor profiles of the organisation"),
    "held_events": _l("Matchmaking days, talent days and roadshows the organisation hosted and marked held"),
    "held_trainings": _l("Trainings, salons and boot camps the organisation hosted and marked held"),
    "competition_registrations": _l("Places taken at competitions the organisation hosted and marked held"),
    "projects_in_incubation": _l("The organisation's projects in incubation at the end of the period"),
    "graduated_projects": _l("The organisation's projects that graduated during the period"),
    "confirmed_contracts": _l("Contracts confirmed by the other party, by signing date, in 100 million CNY"),
    "network_incubators": _l("Offshore incubators and partner stations attached to the base"),
}
# The same, in Chinese whatever the reader's language: the exports' 来源 column.
SOURCE_ZH = {
    "confirmed_landings": "经接收基地确认的新疆落地项目（按落地日期；基地含其接收的项目）",
    "completed_sessions": "本机构导师已完成的辅导",
    "active_mentors": "本机构在册的创业导师",
    "held_events": "本机构主办并已举办的对接会、人才对接活动和路演",
    "held_trainings": "本机构主办并已举办的培训、沙龙和训练营",
    "competition_registrations": "本机构主办并已举办的大赛的报名参赛数",
    "projects_in_incubation": "期末在孵的本机构项目",
    "graduated_projects": "本期毕业的本机构项目",
    "confirmed_contracts": "经对方确认的合同（按签订日期，亿元）",
    "network_incubators": "隶属本基地的离岸孵化器和工作站",
}
SCOPE_NOTE = _l("For a base, the figures include its member organisations.")


# --- scope and period -------------------------------------------------------------------

@dataclass(frozen=True)
class Scope:
    org: Organisation
    ids: tuple[int, ...]  # the organisation, and a base's member organisations
    start: date
    end: date

    @property
    def is_base(self) -> bool:
        return self.org.kind == "xinjiang_base"

    @property
    def start_at(self) -> datetime:
        return stats.instant(self.start)

    @property
    def end_at(self) -> datetime:
        return stats.instant(self.end)

    @property
    def has_ended(self) -> bool:
        return self.end_at <= utcnow()


def scope(org: Organisation, period: Period) -> Scope:
    """The organisations ``org`` answers for in ``period`` (one query for a base)."""
    ids = [org.id]
    if org.kind == "xinjiang_base":
        ids += db.session.scalars(select(Organisation.id).where(Organisation.parent_id == org.id)
                                  .order_by(Organisation.id)).all()
    return Scope(org, tuple(ids), period.start, period.end)


_day = beijing_date


def _path(endpoint: str, lang: str | None, **values) -> str | None:
    """The page's path (``/zh/projects/12``), inside a request or not."""
    from ..i18n import current_lang

    values["lang"] = lang or current_lang()
    try:
        if has_request_context():
            return url_for(endpoint, **values)
        root = current_app.config.get("APPLICATION_ROOT") or "/"
        return current_app.url_map.bind("localhost", script_name=root).build(endpoint, values)
    except BuildError:
        return None


def _titles(zh, en) -> dict:
    return {"title_zh": zh or en or "", "title_en": en or zh or ""}


# --- the conditions of each figure ---------------------------------------------------------

def _landing_conditions(s: Scope) -> list:
    through = Landing.via_id.in_(s.ids)
    if s.is_base:
        through = or_(through, Landing.base_id == s.org.id)
    return [Landing.status == "confirmed", Landing.landed_on >= s.start, Landing.landed_on < s.end, through]


def _booking_conditions(s: Scope) -> list:
    mentors = select(MentorProfile.id).where(MentorProfile.organisation_id.in_(s.ids))
    return [Booking.status == "completed", Booking.start_at >= s.start_at, Booking.start_at < s.end_at,
            Booking.mentor_id.in_(mentors)]


def _mentor_conditions(s: Scope) -> list:
    return [MentorProfile.organisation_id.in_(s.ids), MentorProfile.is_active.is_(True),
            MentorProfile.created_at < s.end_at]


def _event_conditions(s: Scope, code: str) -> list:
    types = stats.TYPES_OF["competitions_held" if code == "competition_entries" else code]
    return [Event.status == "held", Event.organisation_id.in_(s.ids), Event.type.in_(types),
            Event.starts_at >= s.start_at, Event.starts_at < s.end_at]


def _scope_projects(s: Scope):
    return select(Project.id).where(Project.organisation_id.in_(s.ids))


def _last_changes(s: Scope):
    """Each scope project's last recorded status change before the period's end: one
    grouped (windowed) query over the status history."""
    ranked = select(
        StatusChange.item_id.label("project_id"), StatusChange.to_status.label("status"),
        StatusChange.created_at.label("changed_at"),
        func.row_number().over(partition_by=StatusChange.item_id,
                               order_by=(StatusChange.created_at.desc(), StatusChange.id.desc())).label("rank"),
    ).where(StatusChange.item_type == "project", StatusChange.created_at < s.end_at,
            StatusChange.item_id.in_(_scope_projects(s))).subquery("ranked")
    return select(ranked.c.project_id, ranked.c.changed_at).where(ranked.c.rank == 1,
                                                                   ranked.c.status == "in_incubation")


def _resident(s: Scope):
    """(project id, since when) of the scope's resident projects, as a subquery."""
    if s.has_ended:
        return _last_changes(s).subquery("resident")
    entered = (select(StatusChange.item_id.label("item_id"), func.max(StatusChange.created_at).label("changed_at"))
               .where(StatusChange.item_type == "project", StatusChange.to_status == "in_incubation",
                      StatusChange.item_id.in_(_scope_projects(s)))
               .group_by(StatusChange.item_id).subquery("entered"))
    return (select(Project.id.label("project_id"), entered.c.changed_at)
            .outerjoin(entered, entered.c.item_id == Project.id)
            .where(Project.organisation_id.in_(s.ids), Project.status == "in_incubation").subquery("resident"))


def _graduation_conditions(s: Scope) -> list:
    return [StatusChange.item_type == "project", StatusChange.to_status == "graduated",
            StatusChange.created_at >= s.start_at, StatusChange.created_at < s.end_at,
            StatusChange.item_id.in_(_scope_projects(s))]


def _contract_conditions(s: Scope) -> list:
    return [Introduction.contract_confirmed_at.is_not(None), Introduction.contract_value_cny.is_not(None),
            Introduction.signed_on >= s.start, Introduction.signed_on < s.end,
            or_(Project.organisation_id.in_(s.ids), Need.organisation_id.in_(s.ids))]


def _contracts():
    return (select(Introduction).join(Project, Project.id == Introduction.project_id)
            .join(Need, Need.id == Introduction.need_id))


def _incubator_conditions(s: Scope) -> list:
    return [Organisation.parent_id == s.org.id, Organisation.status == "approved",
            Organisation.kind.in_(INCUBATOR_KINDS)]


# --- figures ---------------------------------------------------------------------------------

def _count(statement) -> int:
    return int(db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0)


def _figure(s: Scope, code: str, events: dict | None):
    if code == "projects_landed_xinjiang":
        return _count(select(Landing.id).where(*_landing_conditions(s)))
    if code == "mentoring_sessions":
        return _count(select(Booking.id).where(*_booking_conditions(s)))
    if code == "mentors":
        return _count(select(MentorProfile.id).where(*_mentor_conditions(s)))
    if code in stats.INDICATOR_KEYS:
        return events[code]
    if code == "resident_companies":
        return _count(select(_resident(s).c.project_id))
    if code == "graduated_companies":
        return _count(select(StatusChange.item_id).where(*_graduation_conditions(s)).distinct())
    if code == "tech_contract_value":
        total = db.session.scalar(
            select(func.coalesce(func.sum(Introduction.contract_value_cny), 0))
            .select_from(Introduction).join(Project, Project.id == Introduction.project_id)
            .join(Need, Need.id == Introduction.need_id).where(*_contract_conditions(s)))
        return convert(int(total or 0), "cny", "100m_cny")
    if code == "offshore_incubators":
        return _count(select(Organisation.id).where(*_incubator_conditions(s))) if s.is_base else None
    return None


def _event_figures(s: Scope) -> dict[str, int]:
    """The event figures of the scope, one grouped query."""
    if len(s.ids) == 1:
        return stats.event_counts(s.ids[0], s.start, s.end)
    counts = stats.empty_counts()
    for host, figures in stats.event_counts_by_organisation(s.start, s.end).items():
        if host in s.ids:
            for key, value in figures.items():
                counts[key] += value
    return counts


def prefill(org: Organisation, period: Period) -> dict[str, dict]:
    """``{code: {"value": number, "source": source code}}`` for the indicators of ``org``
    the platform knows (see the module's table), in each indicator's own unit."""
    codes = [i.code for i in indicators_for(org) if i.code in SOURCE_OF]
    if not codes:
        return {}
    s = scope(org, period)
    events = _event_figures(s) if any(code in stats.INDICATOR_KEYS for code in codes) else None
    result = {}
    for code in codes:
        value = _figure(s, code, events)
        if value is not None:
            result[code] = {"value": value, "source": SOURCE_OF[code]}
    return result


# --- the rows behind a figure -------------------------------------------------------------------

def _row(kind: str, id_: int, zh, en, day, url, amount=None, **extra) -> dict:
    return {"kind": kind, "id": id_, **_titles(zh, en), "date": day, "url": url, "amount": amount, **extra}


def sources(org: Organisation, period: Period, code: str, limit: int = 500, lang: str | None = None) -> list[dict]:
    """The rows behind the figure ``code`` of ``org`` for ``period`` (at most ``limit``, in
    date order). Each row: ``kind`` (landing, session, mentor, event, project, contract,
    organisation), ``id``, ``title_zh``, ``title_en``, ``date``, ``url`` (the page's path,
    or None), ``amount`` (CNY, or None), and what else the kind has (``company_name``,
    ``city``, ``jobs``; ``minutes``; ``event_type``, ``entries``; ``contract_type``;
    ``organisation_kind``). Unknown codes: []."""
    if code not in SOURCE_OF or (code == "offshore_incubators" and org.kind != "xinjiang_base"):
        return []
    s = scope(org, period)
    if code == "projects_landed_xinjiang":
        rows = db.session.execute(
            select(Landing, Project.title_zh, Project.title_en).join(Project, Project.id == Landing.project_id)
            .where(*_landing_conditions(s)).order_by(Landing.landed_on, Landing.id).limit(limit)).all()
        return [_row("landing", landing.id, zh, en, landing.landed_on,
                     _path("projects.detail", lang, project_id=landing.project_id), landing.investment_cny,
                     project_id=landing.project_id, company_name=landing.company_name, city=landing.city,
                     jobs=landing.jobs, base_id=landing.base_id, via_id=landing.via_id)
                for landing, zh, en in rows]
    if code == "mentoring_sessions":
        from ..auth.models import User

        rows = db.session.execute(
            select(Booking.id, Booking.start_at, Booking.end_at, Booking.mentor_id, User.display_name)
            .join(MentorProfile, MentorProfile.id == Booking.mentor_id).join(User, User.id == MentorProfile.user_id)
            .where(*_booking_conditions(s)).order_by(Booking.start_at, Booking.id).limit(limit)).all()
        return [_row("session", id_, name, name, _day(start), _path("mentors.profile", lang, mentor_id=mentor_id),
                     minutes=int((end - start) / timedelta(minutes=1)), mentor_id=mentor_id)
                for id_, start, end, mentor_id, name in rows]
    if code == "mentors":
        from ..auth.models import User

        rows = db.session.execute(
            select(MentorProfile.id, MentorProfile.created_at, User.display_name)
            .join(User, User.id == MentorProfile.user_id).where(*_mentor_conditions(s))
            .order_by(MentorProfile.created_at, MentorProfile.id).limit(limit)).all()
        return [_row("mentor", id_, name, name, _day(created), _path("mentors.profile", lang, mentor_id=id_))
                for id_, created, name in rows]
    if code in stats.INDICATOR_KEYS:
        entries = (select(Registration.event_id.label("event_id"), func.count(Registration.id).label("n"))
                   .where(Registration.status == "registered").group_by(Registration.event_id).subquery("entries"))
        rows = db.session.execute(
            select(Event.id, Event.title_zh, Event.title_en, Event.starts_at, Event.type,
                   func.coalesce(entries.c.n, 0))
            .outerjoin(entries, entries.c.event_id == Event.id)
            .where(*_event_conditions(s, code)).order_by(Event.starts_at, Event.id).limit(limit)).all()
        return [_row("event", id_, zh, en, _day(start), _path("events.detail", lang, event_id=id_),
                     event_type=type_, **({"entries": int(n)} if code == "competition_entries" else {}))
                for id_, zh, en, start, type_, n in rows]
    if code == "resident_companies":
        resident = _resident(s)
        rows = db.session.execute(
            select(Project.id, Project.title_zh, Project.title_en, resident.c.changed_at)
            .join(resident, resident.c.project_id == Project.id)
            .order_by(resident.c.changed_at, Project.id).limit(limit)).all()
        return [_row("project", id_, zh, en, _day(since), _path("projects.detail", lang, project_id=id_))
                for id_, zh, en, since in rows]
    if code == "graduated_companies":
        graduated = (select(StatusChange.item_id.label("project_id"),
                            func.min(StatusChange.created_at).label("changed_at"))
                     .where(*_graduation_conditions(s)).group_by(StatusChange.item_id).subquery("graduated"))
        rows = db.session.execute(
            select(Project.id, Project.title_zh, Project.title_en, graduated.c.changed_at)
            .join(graduated, graduated.c.project_id == Project.id)
            .order_by(graduated.c.changed_at, Project.id).limit(limit)).all()
        return [_row("project", id_, zh, en, _day(when), _path("projects.detail", lang, project_id=id_))
                for id_, zh, en, when in rows]
    if code == "tech_contract_value":
        rows = db.session.execute(
            select(Introduction.id, Introduction.project_id, Project.title_zh, Project.title_en, Introduction.signed_on,
                   Introduction.contract_value_cny, Introduction.contract_type)
            .join(Project, Project.id == Introduction.project_id).join(Need, Need.id == Introduction.need_id)
            .where(*_contract_conditions(s)).order_by(Introduction.signed_on, Introduction.id).limit(limit)).all()
        return [_row("contract", id_, zh, en, signed, _path("projects.detail", lang, project_id=project_id),
                     int(value), contract_type=type_, project_id=project_id)
                for id_, project_id, zh, en, signed, value, type_ in rows]
    rows = db.session.execute(
        select(Organisation.id, Organisation.key, Organisation.name_zh, Organisation.name_en, Organisation.created_at,
               Organisation.kind)
        .where(*_incubator_conditions(s)).order_by(Organisation.created_at, Organisation.id).limit(limit)).all()
    return [_row("organisation", id_, zh, en, _day(created), _path("orgs.profile", lang, key=key),
                 organisation_kind=kind)
            for id_, key, zh, en, created, kind in rows]


# --- figures beside the indicators ----------------------------------------------------------------

def _minutes(start_column, end_column):
    """The minutes between two UTC timestamp columns, on either database."""
    if db.session.get_bind().dialect.name == "sqlite":
        return (func.julianday(end_column) - func.julianday(start_column)) * 1440
    return func.extract("epoch", end_column - start_column) / 60


def activity(org: Organisation, period: Period) -> dict:
    """What the report page shows beside the indicators (same scope and rules):
    ``contracts`` (confirmed, signed in the period) and ``contract_value_cny``;
    ``landings`` (confirmed) with their planned ``landing_investment_cny`` and
    ``landing_jobs``; completed ``mentoring_sessions`` and ``mentoring_hours``.
    Three queries (four for a base)."""
    s = scope(org, period)
    contracts, value = db.session.execute(
        select(func.count(Introduction.id), func.coalesce(func.sum(Introduction.contract_value_cny), 0))
        .select_from(Introduction).join(Project, Project.id == Introduction.project_id)
        .join(Need, Need.id == Introduction.need_id).where(*_contract_conditions(s))).one()
    landings, investment, jobs = db.session.execute(
        select(func.count(Landing.id), func.coalesce(func.sum(Landing.investment_cny), 0),
               func.coalesce(func.sum(Landing.jobs), 0)).where(*_landing_conditions(s))).one()
    sessions, minutes = db.session.execute(
        select(func.count(Booking.id), func.coalesce(func.sum(_minutes(Booking.start_at, Booking.end_at)), 0))
        .where(*_booking_conditions(s))).one()
    return {
        "contracts": int(contracts), "contract_value_cny": int(value or 0),
        "landings": int(landings), "landing_investment_cny": int(investment or 0), "landing_jobs": int(jobs or 0),
        "mentoring_sessions": int(sessions), "mentoring_hours": round(float(minutes or 0) / 60, 2),
    }


__all__ = ["KNOWN_CODES", "SCOPE_NOTE", "SOURCE_LABELS", "SOURCE_OF", "SOURCE_ZH", "Scope", "activity", "prefill",
           "scope", "sources"]
