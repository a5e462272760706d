"""Contracts (签约): marking an introduction ``agreement_signed`` records its contract
(type, value in yuan, date signed); the other party confirms it, and only confirmed
contracts count in reports. Both parties are told in their own language.

Services flush and never commit (the unit of work does); refusals raise the
``collab.errors`` family, bad input as ``InvalidFields`` naming each field.
"""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from ..db import beijing_date, iso, today_in_beijing, utcnow
from ..errors import InvalidFields, NotAllowed, WrongState
from ..extensions import db
from ..input_values import iso_date, whole_number
from ..needs.models import Need
from ..notifications.services import notify
from ..projects.models import Project
from . import introductions
from .models import CONTRACT_TYPES, Introduction

MAX_CONTRACT_VALUE_CNY = 10**13            # 10 trillion yuan
FIELDS = ("contract_type", "contract_value_cny", "signed_on")

CONTRACT_TYPE_LABELS = {
    "technology_transfer": _l("Technology transfer (技术转让)"),
    "technology_development": _l("Technology development (技术开发)"),
    "technology_service": _l("Technology service (技术服务)"),
    "technology_consulting": _l("Technology consulting (技术咨询)"),
    "investment": _l("Investment (投资)"),
    "other": _l("Other contract"),
}

MESSAGES = {
    "contract_type": _l("Choose the kind of contract."),
    "contract_value_cny": _l("Enter the contract value in yuan: a whole number from 0 to 10 trillion."),
    "signed_on_missing": _l("Give the date the contract was signed, such as 2026-11-20."),
    "signed_on_future": _l("The signing date cannot be in the future."),
}


# --- who may do what -------------------------------------------------------------------------

def has_contract(intro: Introduction) -> bool:
    return intro.contract_type is not None and intro.signed_on is not None


def is_confirmed(intro: Introduction) -> bool:
    return intro.contract_confirmed_at is not None


def may_confirm(intro: Introduction, user) -> bool:
    """The party that did not record the contract confirms it, once."""
    return bool(has_contract(intro) and not is_confirmed(intro) and user is not None
                and getattr(user, "is_authenticated", False) and introductions.is_party(intro, user)
                and user.id != intro.contract_recorded_by_id)


# --- input -----------------------------------------------------------------------------------

def clean_contract(intro: Introduction, data: dict) -> dict:
    """The contract's fields checked and converted; every field at fault at once."""
    from ..i18n import fmt_date

    errors: dict[str, list] = {}
    cleaned: dict = {}
    kind = data.get("contract_type")
    if not isinstance(kind, str) or kind not in CONTRACT_TYPES:
        errors["contract_type"] = [MESSAGES["contract_type"]]
    else:
        cleaned["contract_type"] = kind
    value = whole_number(data.get("contract_value_cny"))
    if value is None or not 0 <= value <= MAX_CONTRACT_VALUE_CNY:
        errors["contract_value_cny"] = [MESSAGES["contract_value_cny"]]
    else:
        cleaned["contract_value_cny"] = value
    signed_on = iso_date(data.get("signed_on"))
    begun = beijing_date(intro.created_at)
    if signed_on is None:
        errors["signed_on"] = [MESSAGES["signed_on_missing"]]
    elif signed_on > today_in_beijing():
        errors["signed_on"] = [MESSAGES["signed_on_future"]]
    elif begun is not None and signed_on < begun:
        errors["signed_on"] = [_l("The signing date cannot be before the introduction began (%(date)s).",
                                  date=fmt_date(begun))]
    else:
        cleaned["signed_on"] = signed_on
    if errors:
        raise InvalidFields(errors, _l("Some details of the contract need correcting."))
    return cleaned


# --- the steps -------------------------------------------------------------------------------

def record_contract(intro: Introduction, actor, data: dict) -> Introduction:
    """Mark the introduction ``agreement_signed`` with its contract (either party); the
    other party is told and asked to confirm. Nothing is saved when anything is refused."""
    sources, target, _who = introductions.ACTIONS["agreement_signed"]
    if not introductions.is_party(intro, actor):
        raise NotAllowed(_l("Only the two parties take this step."))
    if intro.status not in sources:
        raise WrongState(_l("This step is not possible from the current status."))
    cleaned = clean_contract(intro, data)
    now = utcnow()
    previous = intro.status
    intro.status = target
    intro.signed_at = now
    intro.meeting_at = intro.meeting_at or now
    for name, value in cleaned.items():
        setattr(intro, name, value)
    intro.contract_recorded_by_id = actor.id
    intro.contract_confirmed_by_id = intro.contract_confirmed_at = None
    introductions._record(intro, previous, target, actor)
    for person in introductions.parties(intro):
        if person.id != actor.id:
            _tell(person, "contract_recorded", intro)
    db.session.flush()
    return intro


def confirm_contract(intro: Introduction, actor) -> Introduction:
    """The other party confirms the contract as recorded (once); the recorder is told."""
    if not introductions.is_party(intro, actor):
        raise NotAllowed(_l("Only the two parties take this step."))
    if not has_contract(intro):
        raise WrongState(_l("No contract has been recorded on this introduction yet."))
    if is_confirmed(intro):
        raise WrongState(_l("This contract is already confirmed."))
    if actor.id == intro.contract_recorded_by_id:
        raise NotAllowed(_l("The other party confirms the contract you recorded."))
    intro.contract_confirmed_by_id, intro.contract_confirmed_at = actor.id, utcnow()
    db.session.flush()
    recorder = next((p for p in introductions.parties(intro) if p.id == intro.contract_recorded_by_id), None)
    if recorder is not None:
        _tell(recorder, "contract_confirmed", intro)
    db.session.flush()
    return intro


def _tell(user, kind: str, intro: Introduction) -> None:
    notify(user, kind, item_type="introduction", item_id=intro.id,
           need_title_zh=intro.need.title_zh, need_title_en=intro.need.title_en,
           project_title_zh=intro.project.title_zh, project_title_en=intro.project.title_en,
           contract_type=intro.contract_type, contract_value_cny=intro.contract_value_cny,
           signed_on=intro.signed_on.isoformat() if intro.signed_on else None)


def contract_message(kind: str, p: dict) -> str:
    """The sentence of a contract's notification, in the current locale (registered with
    collab.notifications.messages by collab/subscribers.py)."""
    from flask_babel import gettext as _

    from ..i18n import current_lang, fmt_date, fmt_money

    lang = current_lang()
    other = "en" if lang == "zh" else "zh"
    need = p.get(f"need_title_{lang}") or p.get(f"need_title_{other}") or "—"
    project = p.get(f"project_title_{lang}") or p.get(f"project_title_{other}") or "—"
    kind_label = str(CONTRACT_TYPE_LABELS.get(p.get("contract_type"), CONTRACT_TYPE_LABELS["other"]))
    value = fmt_money(p["contract_value_cny"]) if p.get("contract_value_cny") is not None else "—"
    signed = fmt_date(date.fromisoformat(p["signed_on"])) if p.get("signed_on") else "—"
    if kind == "contract_recorded":
        return _("Agreement signed (签约): “%(need)s” and “%(project)s”, %(kind)s of %(value)s on %(date)s. "
                 "Please confirm the contract.", need=need, project=project, kind=kind_label, value=value, date=signed)
    if kind == "contract_confirmed":
        return _("The other party confirmed the contract of “%(need)s” and “%(project)s” (%(kind)s, %(value)s).",
                 need=need, project=project, kind=kind_label, value=value)
    return _("You have a new notification.")


# --- reading ---------------------------------------------------------------------------------

def contract_json(intro: Introduction) -> dict | None:
    """The introduction's contract in the API's shape (null before the signing)."""
    if not has_contract(intro):
        return None
    return {"contract_type": intro.contract_type, "contract_value_cny": intro.contract_value_cny,
            "signed_on": intro.signed_on.isoformat(), "recorded_by_id": intro.contract_recorded_by_id,
            "confirmed": is_confirmed(intro), "confirmed_by_id": intro.contract_confirmed_by_id,
            "confirmed_at": iso(intro.contract_confirmed_at)}


def _confirmed_statement(start: date | None, end: date | None):
    statement = select(Introduction).where(Introduction.contract_confirmed_at.is_not(None),
                                           Introduction.signed_on.is_not(None))
    if start is not None:
        statement = statement.where(Introduction.signed_on >= start)
    if end is not None:
        statement = statement.where(Introduction.signed_on < end)
    return statement


def confirmed_contracts(org_ids=None, start: date | None = None, end: date | None = None) -> list[Introduction]:
    """Introductions whose contract the other party confirmed (the only ones that count),
    signed in [start, end); with ``org_ids``, those where the project's or the need's
    organisation is one of them (an introduction counts for both sides). Need and project
    come loaded (one query), oldest signing first."""
    statement = _confirmed_statement(start, end)
    if org_ids is not None:
        ids = list(org_ids)
        statement = statement.where(or_(
            Introduction.project_id.in_(select(Project.id).where(Project.organisation_id.in_(ids))),
            Introduction.need_id.in_(select(Need.id).where(Need.organisation_id.in_(ids)))))
    return list(db.session.scalars(statement.order_by(Introduction.signed_on, Introduction.id)).unique())


def contract_totals(org_ids, start: date | None = None, end: date | None = None) -> dict[int, tuple[int, int]]:
    """{org_id: (confirmed contracts, their value in yuan)} for each of ``org_ids``, counting
    an introduction for the project's organisation and for the need's (once if both are
    the same organisation). Two queries."""
    ids = list(org_ids)
    totals: dict[int, list] = {}
    seen: set[tuple[int, int]] = set()
    for model, column in ((Project, Introduction.project_id), (Need, Introduction.need_id)):
        rows = db.session.execute(
            _confirmed_statement(start, end).with_only_columns(
                model.organisation_id, Introduction.id, Introduction.contract_value_cny)
            .join(model, model.id == column).where(model.organisation_id.in_(ids)))
        for org_id, intro_id, value in rows:
            if (org_id, intro_id) in seen:
                continue
            seen.add((org_id, intro_id))
            bucket = totals.setdefault(org_id, [0, 0])
            bucket[0] += 1
            bucket[1] += value or 0
    return {org_id: (count, value) for org_id, (count, value) in totals.items()}
