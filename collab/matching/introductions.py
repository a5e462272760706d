"""Introductions (对接): one side expresses interest in a match, the other accepts or
declines with a typed reason; accepted pairs see each other's contacts and record the
meeting and the signed agreement (签约). Every party is told in their own language."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from ..content.models import StatusChange
from ..db import utcnow
from ..errors import NotAllowed, ServiceError, WrongState
from ..extensions import db
from ..needs.models import Need
from ..notifications.services import notify
from ..projects.models import Project
from .models import DECLINE_REASONS, Introduction, Match
from ..content.kinds import kind_named

DECLINE_LABELS = {
    "not_relevant": _l("Not relevant to us"),
    "too_early": _l("Too early for us"),
    "budget": _l("Budget does not fit"),
    "already_solved": _l("Already solved"),
    "other": _l("Other reason"),
}

# action -> (allowed from, to, who: "responder" = the side that did not initiate, "party" = either)
ACTIONS = {
    "accept": ({"proposed"}, "accepted", "responder"),
    "decline": ({"proposed"}, "declined", "responder"),
    "meeting_held": ({"accepted"}, "meeting_held", "party"),
    "agreement_signed": ({"accepted", "meeting_held"}, "agreement_signed", "party"),
}


def side_of(user, need: Need, project: Project) -> str | None:
    """Which side ``user`` speaks for: the need's owner or the project's owner."""
    if user is None or not user.is_authenticated:
        return None
    if need.owner_id == user.id:
        return "need"
    if project.owner_id == user.id:
        return "project"
    return None


def parties(intro: Introduction) -> list:
    return [intro.need.owner, intro.project.owner]


def is_party(intro: Introduction, user) -> bool:
    return bool(user.is_authenticated and user.id in (intro.need.owner_id, intro.project.owner_id))


def can_view(intro: Introduction, user) -> bool:
    return bool(user.is_authenticated and (user.is_admin or is_party(intro, user)))


def express_interest(user, need: Need, project: Project, message: str) -> Introduction:
    """Start an introduction for a matched pair from either side."""
    side = side_of(user, need, project)
    if side is None:
        raise NotAllowed(_l("Only the owners of the need or the project can express interest."))
    if need.status not in kind_named("need").matchable or project.status not in kind_named("project").matchable:
        raise WrongState(_l("This need or project is no longer open for introductions."))
    match = db.session.scalar(select(Match).where(Match.need_id == need.id, Match.project_id == project.id))
    if match is None:
        raise WrongState(_l("These two are not a current match."))
    if db.session.scalar(select(Introduction.id).where(Introduction.need_id == need.id,
                                                       Introduction.project_id == project.id)):
        raise WrongState(_l("An introduction between these two already exists."))
    if not (message or "").strip():
        raise ServiceError(_l("Write a short message to introduce yourself."), "message")
    intro = Introduction(need_id=need.id, project_id=project.id, initiator_id=user.id, initiator_side=side,
                         message=message.strip(), status="proposed", score=match.score)
    db.session.add(intro)
    db.session.flush()
    _record(intro, None, "proposed", user)
    other = project.owner if side == "need" else need.owner
    _tell(other, "introduction_proposed", intro)
    return intro


def act(intro: Introduction, action: str, user, *, reason: str | None = None, note: str | None = None) -> None:
    """Accept, decline, or record the meeting (the signed agreement: contracts.record_contract)."""
    if action not in ACTIONS:
        raise WrongState(_l("This step is not possible."))
    if action == "agreement_signed":
        # A signing records its contract: collab.matching.contracts.record_contract.
        raise WrongState(_l("Record the contract (type, value and date) to mark the agreement signed."))
    sources, target, who = ACTIONS[action]
    if not is_party(intro, user):
        raise NotAllowed(_l("Only the two parties take this step."))
    responder_side = "project" if intro.initiator_side == "need" else "need"
    if who == "responder" and side_of(user, intro.need, intro.project) != responder_side:
        raise NotAllowed(_l("The other side answers this introduction."))
    if intro.status not in sources:
        raise WrongState(_l("This step is not possible from the current status."))
    if action == "decline":
        if reason not in DECLINE_REASONS:
            raise ServiceError(_l("Pick a reason for declining."), "reason")
        if reason == "other" and not note:
            raise ServiceError(_l("Explain the reason in a few words."), "note")
        intro.decline_reason, intro.decline_note = reason, note or None
    now = utcnow()
    previous = intro.status
    intro.status = target
    if action in ("accept", "decline"):
        intro.responded_at = now
    if action == "accept":
        intro.accepted_at = now
    elif action == "meeting_held":
        intro.meeting_at = now
    _record(intro, previous, target, user, note=note, reason=reason)
    for person in parties(intro):
        if person.id != user.id:
            _tell(person, f"introduction_{target}", intro)
    db.session.flush()


def _record(intro, previous, target, actor, note=None, reason=None) -> None:
    db.session.add(StatusChange(item_type="introduction", item_id=intro.id, from_status=previous, to_status=target,
                                actor_id=actor.id, note=note, reason_code=reason))


def _tell(user, kind: str, intro: Introduction) -> None:
    notify(user, kind, item_type="introduction", item_id=intro.id,
           need_title_zh=intro.need.title_zh, need_title_en=intro.need.title_en,
           project_title_zh=intro.project.title_zh, project_title_en=intro.project.title_en,
           reason_code=intro.decline_reason)


def history(intro: Introduction) -> list[StatusChange]:
    return list(db.session.scalars(select(StatusChange).where(
        StatusChange.item_type == "introduction", StatusChange.item_id == intro.id).order_by(StatusChange.id)))


def for_user(user, limit: int = 100) -> list[Introduction]:
    """Introductions where ``user`` owns the need or the project, newest first."""
    return list(db.session.scalars(
        select(Introduction).join(Need, Need.id == Introduction.need_id).join(Project, Project.id == Introduction.project_id)
        .where(or_(Need.owner_id == user.id, Project.owner_id == user.id))
        .order_by(Introduction.created_at.desc()).limit(limit)))


def existing_for(need_ids=(), project_ids=()) -> dict[tuple[int, int], Introduction]:
    """Introductions already made among the given items (to mark matches on a page)."""
    if not need_ids and not project_ids:
        return {}
    rows = db.session.scalars(select(Introduction).where(or_(
        Introduction.need_id.in_(list(need_ids)), Introduction.project_id.in_(list(project_ids)))))
    return {(i.need_id, i.project_id): i for i in rows}


def funnel(group: str = "month", limit: int = 24) -> list[dict]:
    """Matches → interest → accepted → meeting → signed, per month or per organisation."""
    from ..orgs.models import Organisation

    if group == "organisation":
        rows = {}
        for side_model, column in ((Need, Match.need_id), (Project, Match.project_id)):
            for org_id, count in db.session.execute(
                    select(side_model.organisation_id, func.count(Match.id)).join(side_model, side_model.id == column)
                    .group_by(side_model.organisation_id)):
                rows.setdefault(org_id, _empty())["matches"] += count
            intro_column = Introduction.need_id if side_model is Need else Introduction.project_id
            for org_id, status_counts in _intro_counts(side_model, intro_column):
                bucket = rows.setdefault(org_id, _empty())
                for key, value in status_counts.items():
                    bucket[key] += value
        orgs = {o.id: o for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(
            [k for k in rows if k is not None])))}
        result = [{"key": orgs.get(k), **v} for k, v in rows.items() if k is not None]
        return sorted(result, key=lambda r: -r["matches"])[:limit]
    months: dict[str, dict] = {}
    month = _month(Match.created_at)
    for key, count in db.session.execute(select(month, func.count(Match.id)).group_by(month)):
        months.setdefault(key, _empty())["matches"] += count
    for name, column in (("interest", Introduction.created_at), ("accepted", Introduction.accepted_at),
                         ("meeting", Introduction.meeting_at), ("signed", Introduction.signed_at)):
        month = _month(column)
        for key, count in db.session.execute(select(month, func.count(Introduction.id))
                                             .where(column.is_not(None)).group_by(month)):
            months.setdefault(key, _empty())[name] += count
    return [{"key": key, **counts} for key, counts in sorted(months.items(), reverse=True)[:limit]]


def _month(column):
    """The UTC month of a timestamp as YYYY-MM, grouped in the database."""
    if db.session.get_bind().dialect.name == "sqlite":
        return func.strftime("%Y-%m", column)
    return func.to_char(func.timezone("UTC", column), "YYYY-MM")


def _empty() -> dict:
    return {"matches": 0, "interest": 0, "accepted": 0, "meeting": 0, "signed": 0}


def _intro_counts(side_model, intro_column):
    counts: dict = {}
    for org_id, accepted, meeting, signed in db.session.execute(
            select(side_model.organisation_id, Introduction.accepted_at, Introduction.meeting_at, Introduction.signed_at)
            .join(side_model, side_model.id == intro_column)):
        bucket = counts.setdefault(org_id, {"interest": 0, "accepted": 0, "meeting": 0, "signed": 0})
        bucket["interest"] += 1
        bucket["accepted"] += accepted is not None
        bucket["meeting"] += meeting is not None
        bucket["signed"] += signed is not None
    return counts.items()
