"""Contracts (签约): marking an introduction agreement_signed records its type, value and
date; the other party confirms it, once; only confirmed contracts count. Services, the
introduction page and the API."""
from __future__ import annotations

import html
import re
from datetime import date, datetime, timezone

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from collab.errors import InvalidFields, NotAllowed, WrongState
from collab.extensions import db
from collab.matching import contracts
from collab.matching.models import Introduction
from collab.notifications.models import Notification
from content_factories import page, refused, reload

TODAY = date(2026, 12, 1)  # NOW (frozen) in Beijing time
BEGUN = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)  # 10:00 in Beijing, 20 November


@pytest.fixture
def world(frozen, create_user, make_need, make_project, make_admin, api_token):
    enterprise = create_user(role="enterprise", locale="zh")
    center = create_user(role="center", locale="en")
    need = make_need(enterprise, "open")
    project = make_project(center, "published")
    intro = Introduction(need_id=need.id, project_id=project.id, initiator_id=enterprise.id, initiator_side="need",
                         message="你好", status="accepted", created_at=BEGUN, accepted_at=BEGUN)
    db.session.add(intro)
    db.session.commit()
    people = {"enterprise": enterprise, "center": center, "stranger": create_user(role="center"),
              "admin": make_admin()}
    return {"intro": intro, "need": need, "project": project, **people,
            "tokens": {**{name: api_token(user) for name, user in people.items()}, "visitor": {}}}


def contract(**fields) -> dict:
    data = {"contract_type": "technology_transfer", "contract_value_cny": 3_500_000, "signed_on": "2026-11-28"}
    data.update(fields)
    return data


def notes_of(user, kind) -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id,
                                                              Notification.kind == kind)))


def rendered(notification, lang):
    from collab.notifications.messages import message

    with force_locale("zh_Hans" if lang == "zh" else "en"):
        return message(notification)


# --- services ---------------------------------------------------------------------------------

def test_signing_records_the_contract_and_the_other_party_confirms(world, app, outbox):
    intro = world["intro"]
    contracts.record_contract(intro, world["center"], contract())
    db.session.commit()
    intro = reload(intro)
    assert intro.status == "agreement_signed" and intro.signed_at and intro.meeting_at
    assert (intro.contract_type, intro.contract_value_cny, intro.signed_on) == (
        "technology_transfer", 3_500_000, date(2026, 11, 28))
    assert intro.contract_recorded_by_id == world["center"].id and intro.contract_confirmed_at is None
    (told,) = notes_of(world["enterprise"], "contract_recorded")
    with app.test_request_context("/zh/"):
        assert "3,500,000" in rendered(told, "zh") or "3 500 000" in rendered(told, "zh")
    assert outbox()[-1].recipient == world["enterprise"].email and outbox()[-1].locale == "zh"
    assert contracts.confirmed_contracts() == []
    with pytest.raises(NotAllowed):
        contracts.confirm_contract(intro, world["center"])  # the recorder does not confirm their own
    db.session.rollback()
    with pytest.raises(NotAllowed):
        contracts.confirm_contract(intro, world["stranger"])
    db.session.rollback()
    contracts.confirm_contract(intro, world["enterprise"])
    db.session.commit()
    assert reload(intro).contract_confirmed_by_id == world["enterprise"].id
    (confirmed,) = notes_of(world["center"], "contract_confirmed")
    assert confirmed.params["contract_type"] == "technology_transfer"
    assert outbox()[-1].recipient == world["center"].email and outbox()[-1].locale == "en"
    with pytest.raises(WrongState):
        contracts.confirm_contract(intro, world["enterprise"])  # once
    db.session.rollback()
    assert [i.id for i in contracts.confirmed_contracts()] == [intro.id]


BAD = [("contract_type", None), ("contract_type", "handshake"), ("contract_type", 3),
       ("contract_value_cny", None), ("contract_value_cny", -1), ("contract_value_cny", "much"),
       ("contract_value_cny", 10**13 + 1), ("contract_value_cny", 1.5), ("contract_value_cny", True),
       ("signed_on", None), ("signed_on", "soon"), ("signed_on", "2026-12-02"), ("signed_on", "2026-11-19"),
       ("signed_on", "2026-13-01")]


@pytest.mark.parametrize("field, value", BAD)
def test_bad_contract_fields_are_refused_and_nothing_is_saved(world, field, value):
    intro = world["intro"]
    with pytest.raises(InvalidFields) as refusal:
        contracts.record_contract(intro, world["center"], contract(**{field: value}))
    db.session.rollback()
    assert set(refusal.value.fields) == {field}
    intro = reload(intro)
    assert intro.status == "accepted" and intro.contract_type is None and intro.signed_at is None
    assert not notes_of(world["enterprise"], "contract_recorded")


def test_the_day_the_introduction_began_is_a_valid_signing_date(world):
    contracts.record_contract(world["intro"], world["enterprise"], contract(signed_on="2026-11-20"))
    assert world["intro"].signed_on == date(2026, 11, 20)


@pytest.mark.parametrize("status", ["proposed", "declined", "agreement_signed"])
def test_signing_from_the_wrong_status_is_refused(world, status):
    intro = world["intro"]
    intro.status = status
    db.session.commit()
    with pytest.raises(WrongState):
        contracts.record_contract(intro, world["center"], contract())
    db.session.rollback()
    assert reload(intro).contract_type is None


@pytest.mark.parametrize("who", ["stranger", "admin"])
def test_only_parties_sign(world, who):
    with pytest.raises(NotAllowed):
        contracts.record_contract(world["intro"], world[who], contract())
    db.session.rollback()
    assert reload(world["intro"]).status == "accepted"


def test_confirmed_contracts_count_for_both_organisations_by_signing_date(world):
    intro = world["intro"]
    contracts.record_contract(intro, world["center"], contract())
    contracts.confirm_contract(intro, world["enterprise"])
    db.session.commit()
    need_org, project_org = world["enterprise"].organisation_id, world["center"].organisation_id
    assert [i.id for i in contracts.confirmed_contracts(org_ids=[need_org])] == [intro.id]
    assert [i.id for i in contracts.confirmed_contracts(org_ids=[project_org])] == [intro.id]
    assert contracts.confirmed_contracts(org_ids=[world["stranger"].organisation_id]) == []
    assert contracts.confirmed_contracts(start=date(2026, 11, 29)) == []
    assert contracts.confirmed_contracts(end=date(2026, 11, 28)) == []
    assert [i.id for i in contracts.confirmed_contracts(start=date(2026, 11, 28), end=date(2026, 11, 29))] == [intro.id]
    totals = contracts.contract_totals([need_org, project_org, world["stranger"].organisation_id])
    assert totals == {need_org: (1, 3_500_000), project_org: (1, 3_500_000)}


# --- the introduction page ------------------------------------------------------------------------

def _form(**fields):
    return {k: "" if v is None else str(v) for k, v in contract(**fields).items()}


def test_the_page_signs_and_the_other_party_confirms(world, client, login):
    intro = world["intro"]
    login(world["center"])
    text = page(client.get(f"/en/introductions/{intro.id}"))
    for name in contracts.FIELDS:
        assert f'id="{name}"' in text and f'for="{name}"' in text
    assert client.post(f"/en/introductions/{intro.id}/agreement_signed", data=_form()).status_code == 302
    text = html.unescape(page(client.get(f"/en/introductions/{intro.id}")))
    assert 'id="contract"' in text and "CN¥3,500,000.00" in text
    assert str(contracts.CONTRACT_TYPE_LABELS["technology_transfer"]) in text
    assert 'data-confirmed="no"' in text and 'id="confirm-contract"' not in text
    login(world["enterprise"], lang="zh")
    text = page(client.get(f"/zh/introductions/{intro.id}"))
    assert 'id="confirm-contract"' in text
    assert client.post(f"/zh/introductions/{intro.id}/contract/confirm").status_code == 302
    assert reload(intro).contract_confirmed_by_id == world["enterprise"].id
    assert 'data-confirmed="yes"' in page(client.get(f"/zh/introductions/{intro.id}"))


@pytest.mark.parametrize("field, value", [("contract_type", ""), ("contract_value_cny", "-5"),
                                          ("contract_value_cny", "abc"), ("signed_on", "2027-01-01"),
                                          ("signed_on", "")])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_page_shows_translated_errors_and_saves_nothing(world, client, login, app, field, value, lang):
    intro = world["intro"]
    login(world["center"], lang=lang)
    text = page(client.post(f"/{lang}/introductions/{intro.id}/agreement_signed", data=_form(**{field: value})))
    error = re.search(rf'id="{field}-error"[^>]*>(.*?)</div>', text, re.S)
    assert error, f"no error beside {field}"
    with pytest.raises(InvalidFields) as refusal:
        contracts.clean_contract(intro, contract(**{field: value}))
    with app.test_request_context(f"/{lang}/"), force_locale("zh_Hans" if lang == "zh" else "en"):
        expected = str(refusal.value.fields[field][0])
    assert html.unescape(error.group(1).strip()) == expected
    assert reload(intro).status == "accepted" and reload(intro).contract_type is None


@pytest.mark.parametrize("who", ["stranger", "admin", "visitor"])
def test_others_cannot_sign_or_confirm_on_the_page(world, client, login, who):
    intro = world["intro"]
    if who != "visitor":
        login(world[who])
    assert refused(client.post(f"/en/introductions/{intro.id}/agreement_signed", data=_form()), 403, 404)
    assert refused(client.post(f"/en/introductions/{intro.id}/contract/confirm"), 403, 404)
    assert reload(intro).status == "accepted"


# --- the API ------------------------------------------------------------------------------------------

def _sign(client, world, who, body):
    return client.post(f"/api/v1/introductions/{world['intro'].id}/agreement_signed", headers=world["tokens"][who],
                       json=body)


def test_api_sign_and_confirm(world, client):
    response = _sign(client, world, "enterprise", contract(contract_type="investment"))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "agreement_signed"
    assert body["contract"] == {"contract_type": "investment", "contract_value_cny": 3_500_000,
                                "signed_on": "2026-11-28", "recorded_by_id": world["enterprise"].id,
                                "confirmed": False, "confirmed_by_id": None, "confirmed_at": None}
    url = f"/api/v1/introductions/{world['intro'].id}/contract/confirm"
    assert client.post(url, headers=world["tokens"]["enterprise"]).status_code == 403
    assert client.post(url, headers=world["tokens"]["stranger"]).status_code == 404
    confirmed = client.post(url, headers=world["tokens"]["center"])
    assert confirmed.status_code == 200 and confirmed.get_json()["contract"]["confirmed"] is True
    assert client.post(url, headers=world["tokens"]["center"]).status_code == 409
    got = client.get(f"/api/v1/introductions/{world['intro'].id}", headers=world["tokens"]["center"]).get_json()
    assert got["contract"]["confirmed_by_id"] == world["center"].id


def test_api_contract_is_null_before_signing(world, client):
    got = client.get(f"/api/v1/introductions/{world['intro'].id}", headers=world["tokens"]["center"]).get_json()
    assert got["contract"] is None


@pytest.mark.parametrize("field, value", BAD)
def test_api_bad_fields_are_named_and_nothing_is_saved(world, client, field, value):
    body = contract(**{field: value})
    if value is None:
        del body[field]
    response = _sign(client, world, "center", body)
    assert response.status_code == 400
    assert set(response.get_json()["error"]["fields"]) == {field}
    assert reload(world["intro"]).status == "accepted" and reload(world["intro"]).contract_type is None


def test_api_sign_without_a_body_names_every_field(world, client):
    response = client.post(f"/api/v1/introductions/{world['intro'].id}/agreement_signed",
                           headers=world["tokens"]["center"])
    assert response.status_code == 400
    assert set(response.get_json()["error"]["fields"]) == set(contracts.FIELDS)


@pytest.mark.parametrize("who, status", [("center", 200), ("enterprise", 200), ("stranger", 404), ("admin", 403),
                                         ("visitor", 401)])
def test_api_who_signs(world, client, who, status):
    assert _sign(client, world, who, contract()).status_code == status
    assert (reload(world["intro"]).status == "agreement_signed") is (status == 200)


def test_api_introduction_conforms_to_the_document(world, client):
    import jsonschema
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    document = client.get("/api/v1/openapi.json").get_json()
    registry = Registry().with_resource("urn:x", Resource.from_contents(document, default_specification=DRAFT202012))
    body = _sign(client, world, "center", contract()).get_json()
    jsonschema.Draft202012Validator({"$ref": "urn:x#/components/schemas/Introduction"}, registry=registry,
                                    format_checker=jsonschema.FormatChecker()).validate(body)
