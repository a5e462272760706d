"""The OpenAPI 3.1 document for /api/v1 (kept next to the routes it describes).

Each feature adds its paths to PATHS and its schemas to SCHEMAS; tests/test_api.py
fails when a route under /api/v1 is missing here, when the document stops validating
as OpenAPI 3.1, and when a response no longer matches its schema.
"""
from __future__ import annotations

from copy import deepcopy

from ..content.kinds import kind_named
from ..events.models import EVENT_TYPES as EVENT_TYPE_CODES, REGISTRATION_STATUSES as REGISTRATION_STATUS_CODES
from ..needs.models import NEED_KINDS as NEED_KIND_CODES, XINJIANG_LOCATIONS
from ..projects.models import PROJECT_DIRECTIONS as PROJECT_DIRECTION_CODES, PROJECT_STAGES as PROJECT_STAGE_CODES


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


ERROR_TEXT = {400: "Bad input (code validation_error or bad_request)", 401: "No or bad token",
              403: "Not allowed", 404: "Absent or not visible to the caller", 405: "Method not allowed",
              409: "Conflict: slot taken, wrong state", 413: "Payload too large", 429: "Rate limited",
              503: "Database unavailable for a moment"}


def _error_responses(*codes: int) -> dict:
    responses = {}
    for code in codes:
        response = {"description": ERROR_TEXT[code], "content": {"application/json": {"schema": _ref("Error")}}}
        if code in (429, 503):
            response["headers"] = {"Retry-After": {"$ref": "#/components/headers/RetryAfter"}}
        responses[str(code)] = response
    return responses


def _json(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _page_of(schema: str) -> dict:
    return {"type": "object", "required": ["items", "page", "per_page", "total"], "properties": {
        "items": {"type": "array", "items": _ref(schema)},
        "page": {"type": "integer", "minimum": 1},
        "per_page": {"type": "integer", "minimum": 0, "maximum": 100},
        "total": {"type": "integer", "minimum": 0}}}


def _path_id(name: str = "id", description: str = "Numeric id") -> dict:
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": {"type": "integer"}}


PAGE_PARAMS = [
    {"name": "page", "in": "query", "description": "Page number, from 1",
     "schema": {"type": "integer", "minimum": 1, "default": 1}},
    {"name": "per_page", "in": "query", "description": "Items per page (at most 100; more is a 400)",
     "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}},
]

ACCEPT_LANGUAGE = {"name": "Accept-Language", "in": "header", "required": False,
                   "description": "zh or en: the language of error messages", "schema": {"type": "string"}}

NULLABLE_STRING = {"type": ["string", "null"]}
UTC_TIME = {"type": "string", "format": "date-time", "pattern": "Z$",
            "description": "ISO 8601 instant in UTC, ending in Z"}

ORG_KINDS = ["xinjiang_base", "offshore_incubator", "international_partner", "enterprise", "university", "investor"]
ROLES = ["enterprise", "center", "mentor", "admin"]

SCHEMAS = {
    "Error": {"type": "object", "required": ["error"], "additionalProperties": False, "properties": {"error": {
        "type": "object", "required": ["code", "message"], "additionalProperties": False, "properties": {
            "code": {"type": "string", "examples": ["validation_error", "invalid_credentials", "not_found"]},
            "message": {"type": "string", "description": "In the caller's language (Accept-Language)"},
            "fields": {"type": "object", "description": "Per-field messages, for validation_error",
                       "additionalProperties": {"type": "array", "items": {"type": "string"}}}}}}},
    "TokenRequest": {"type": "object", "required": ["email", "password"], "properties": {
        "email": {"type": "string", "format": "email"}, "password": {"type": "string"},
        "label": {"type": "string", "maxLength": 100, "description": "Shown in the profile's token list"}}},
    "Token": {"type": "object", "required": ["token", "expires_at"], "properties": {
        "token": {"type": "string", "description": "Send as Authorization: Bearer <token>"},
        "expires_at": UTC_TIME}},
    "OrganisationRef": {"type": "object", "required": ["id", "key", "name_zh", "name_en"], "properties": {
        "id": {"type": "integer"}, "key": {"type": "string"},
        "name_zh": NULLABLE_STRING, "name_en": NULLABLE_STRING}},
    "Me": {"type": "object",
           "required": ["id", "email", "display_name", "roles", "organisation", "membership_status",
                        "can_publish", "locale", "timezone", "mentor_id"],
           "properties": {
               "id": {"type": "integer"}, "email": {"type": "string", "format": "email"},
               "display_name": {"type": "string"},
               "roles": {"type": "array", "items": {"type": "string", "enum": ROLES}},
               "organisation": {"oneOf": [_ref("OrganisationRef"), {"type": "null"}]},
               "membership_status": {"type": "string", "enum": ["none", "pending", "approved", "rejected"]},
               "can_publish": {"type": "boolean",
                               "description": "Approved member of an approved organisation (or an admin)"},
               "locale": {"type": "string", "enum": ["zh", "en"]},
               "timezone": {"type": "string", "description": "IANA zone, e.g. Asia/Urumqi"},
               "mentor_id": {"type": ["integer", "null"], "description": "Set when the caller has a mentor profile"}}},
    "Sector": {"type": "object", "required": ["code", "name_zh", "name_en", "keywords_zh", "keywords_en"],
               "properties": {
                   "code": {"type": "string"}, "name_zh": {"type": "string"}, "name_en": {"type": "string"},
                   "keywords_zh": {"type": "array", "items": {"type": "string"}},
                   "keywords_en": {"type": "array", "items": {"type": "string"}}}},
    "Organisation": {"type": "object",
                     "required": ["id", "key", "kind", "status", "name_zh", "name_en", "city_zh", "city_en",
                                  "country", "timezone", "description_zh", "description_en", "website",
                                  "facts", "parent_id"],
                     "properties": {
                         "id": {"type": "integer"}, "key": {"type": "string"},
                         "kind": {"type": "string", "enum": ORG_KINDS},
                         "status": {"type": "string", "enum": ["proposed", "approved", "rejected"]},
                         "name_zh": NULLABLE_STRING, "name_en": NULLABLE_STRING,
                         "city_zh": NULLABLE_STRING, "city_en": NULLABLE_STRING,
                         "country": {"type": "string", "description": "ISO 3166 alpha-2 code, or OTHER"},
                         "timezone": {"type": "string"},
                         "description_zh": NULLABLE_STRING, "description_en": NULLABLE_STRING,
                         "website": NULLABLE_STRING,
                         "facts": {"type": "object", "description": "Reported figures: numbers, or ranges as text",
                                   "additionalProperties": {"type": ["number", "string", "null"]}},
                         "parent_id": {"type": ["integer", "null"]}}},
}

PATHS = {
    "/tokens": {"post": {
        "operationId": "createToken", "tags": ["auth"], "summary": "Log in and get a bearer token",
        "security": [], "parameters": [ACCEPT_LANGUAGE],
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("TokenRequest")}}},
        "responses": {"201": _json("Token issued", _ref("Token")),
                      **_error_responses(400, 401, 429)}}},
    "/me": {"get": {
        "operationId": "getMe", "tags": ["auth"], "summary": "The caller", "parameters": [ACCEPT_LANGUAGE],
        "responses": {"200": _json("The caller", _ref("Me")), **_error_responses(401)}}},
    "/sectors": {"get": {
        "operationId": "listSectors", "tags": ["reference"], "summary": "The bilingual sector taxonomy",
        "security": [],
        "responses": {"200": _json("All sectors, on one page", _page_of("Sector"))}}},
    "/organisations": {"get": {
        "operationId": "listOrganisations", "tags": ["organisations"], "summary": "Approved organisations",
        "security": [],
        "parameters": [*PAGE_PARAMS, ACCEPT_LANGUAGE,
                       {"name": "kind", "in": "query", "schema": {"type": "string", "enum": ORG_KINDS}},
                       {"name": "city", "in": "query", "description": "City name in Chinese or English",
                        "schema": {"type": "string"}},
                       {"name": "country", "in": "query", "description": "ISO 3166 alpha-2 code",
                        "schema": {"type": "string"}},
                       {"name": "q", "in": "query", "description": "Words of the name or city, either language",
                        "schema": {"type": "string"}}],
        "responses": {"200": _json("A page of organisations", _page_of("Organisation")),
                      **_error_responses(400)}}},
    "/organisations/{id}": {"get": {
        "operationId": "getOrganisation", "tags": ["organisations"], "summary": "One approved organisation",
        "security": [], "parameters": [_path_id(), ACCEPT_LANGUAGE],
        "responses": {"200": _json("The organisation", _ref("Organisation")), **_error_responses(404)}}},
    "/openapi.json": {"get": {
        "operationId": "getOpenApi", "tags": ["reference"], "summary": "This document", "security": [],
        "responses": {"200": {"description": "OpenAPI 3.1 document",
                              "content": {"application/json": {"schema": {"type": "object"}}}}}}},
}


# --- projects, needs, reviews and search (collab/api/content.py) ---------------------------

_PROJECTS, _NEEDS = kind_named("project"), kind_named("need")
PROJECT_STAGES = list(PROJECT_STAGE_CODES)
PROJECT_DIRECTIONS = list(PROJECT_DIRECTION_CODES)
PROJECT_STATUSES = list(_PROJECTS.statuses)
PUBLIC_PROJECT_STATUSES = [s for s in _PROJECTS.statuses if s in _PROJECTS.public]
NEED_KINDS = list(NEED_KIND_CODES)
NEED_STATUSES = list(_NEEDS.statuses)
PUBLIC_NEED_STATUSES = [s for s in _NEEDS.statuses if s in _NEEDS.public]
NEED_LOCATIONS = list(XINJIANG_LOCATIONS)
REVIEW_REASONS = ["incomplete", "not_in_scope", "duplicate", "unclear", "confidential", "other"]
_PLAIN = "Plain text: no HTML tags, no control characters"
_AMOUNT = {"type": ["integer", "null"], "minimum": 0, "maximum": 100_000_000_000}
_SECTOR_CODES = {"type": "array", "items": {"type": "string"}, "description": "Codes from GET /sectors"}


def _text(max_length: int, description: str = _PLAIN) -> dict:
    return {"type": ["string", "null"], "maxLength": max_length, "description": description}


def _query(name: str, description: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "query", "description": description, "schema": schema or {"type": "string"}}


SCHEMAS.update({
    "StatusChange": {"type": "object", "required": ["from", "to", "at", "actor_id", "note", "reason"], "properties": {
        "from": NULLABLE_STRING, "to": {"type": "string"}, "at": UTC_TIME,
        "actor_id": {"type": ["integer", "null"],
                     "description": "Who made the change (null for the system, and for others on an anonymous need)"},
        "note": NULLABLE_STRING,
        "reason": {"type": ["string", "null"], "enum": [*REVIEW_REASONS, None],
                   "description": "The typed reason of a review rejection"}}},
    "ProjectInput": {"type": "object", "description": (
        "A project as written by its owner. Title and summary: at least one language each. "
        "PATCH takes any subset; a field set to null is cleared."), "properties": {
        "title_zh": _text(200), "title_en": _text(200), "summary_zh": _text(5000), "summary_en": _text(5000),
        "sectors": _SECTOR_CODES, "stage": {"type": "string", "enum": PROJECT_STAGES},
        "direction": {"type": "string", "enum": PROJECT_DIRECTIONS},
        "funding_sought_cny": _AMOUNT, "team_size": {"type": ["integer", "null"], "minimum": 1, "maximum": 100_000},
        "ip_status": {"type": "string", "enum": ["none", "pending", "granted", "licensed"]},
        "seeks": {"type": "array", "items": {"type": "string", "enum": [
            "landing_site", "partners", "capital", "talent", "market"]}},
        "city": _text(100, "Where it is incubated")}},
    "Project": {"type": "object", "required": [
        "id", "status", "title_zh", "title_en", "summary_zh", "summary_en", "sectors", "stage", "direction",
        "funding_sought_cny", "team_size", "ip_status", "seeks", "city", "organisation", "owner_id",
        "created_at", "updated_at", "published_at"], "properties": {
        "id": {"type": "integer"}, "status": {"type": "string", "enum": PROJECT_STATUSES},
        "title_zh": NULLABLE_STRING, "title_en": NULLABLE_STRING,
        "summary_zh": NULLABLE_STRING, "summary_en": NULLABLE_STRING,
        "sectors": _SECTOR_CODES, "stage": {"type": "string", "enum": PROJECT_STAGES},
        "direction": {"type": "string", "enum": PROJECT_DIRECTIONS},
        "funding_sought_cny": {"type": ["integer", "null"]}, "team_size": {"type": ["integer", "null"]},
        "ip_status": {"type": "string"}, "seeks": {"type": "array", "items": {"type": "string"}},
        "city": NULLABLE_STRING, "organisation": {"oneOf": [_ref("OrganisationRef"), {"type": "null"}]},
        "organisation_hidden": {"type": "boolean"},
        "owner_id": {"type": "integer"}, "created_at": UTC_TIME, "updated_at": UTC_TIME,
        "published_at": {"oneOf": [UTC_TIME, {"type": "null"}]}}},
    "ProjectDetail": {"allOf": [_ref("Project"), {"type": "object", "required": ["history", "attachments", "landing"],
                                                  "properties": {
        "history": {"type": "array", "items": _ref("StatusChange"),
                    "description": "Every status change, oldest first: incubated offshore, landed in Xinjiang"},
        "attachments": {"type": "array", "items": {"type": "object", "required": [
            "id", "filename", "kind", "size", "content_type", "url"], "properties": {
            "id": {"type": "integer"}, "filename": {"type": "string"},
            "kind": {"type": "string", "enum": ["business_plan", "pitch_deck", "other"]},
            "size": {"type": "integer"}, "content_type": {"type": "string"},
            "url": {"type": "string", "description": "Download link (same visibility as the project)"}}}},
        "landing": {"oneOf": [_ref("Landing"), {"type": "null"}],
                    "description": "Where the project landed in Xinjiang (null until it is recorded)"}}}]},
    "NeedInput": {"type": "object", "description": (
        "A need as written by its enterprise. Title and description: at least one language each; "
        "the deadline (a Beijing date) must be after today. PATCH takes any subset."), "properties": {
        "kind": {"type": "string", "enum": NEED_KINDS},
        "title_zh": _text(200), "title_en": _text(200),
        "description_zh": _text(5000), "description_en": _text(5000), "sectors": _SECTOR_CODES,
        "budget_min_cny": _AMOUNT, "budget_max_cny": {**_AMOUNT, "description": "Not below budget_min_cny"},
        "location": {"type": "string", "enum": NEED_LOCATIONS},
        "deadline": {"type": "string", "format": "date"},
        "visibility": {"type": "string", "enum": ["public", "members", "anonymous"], "description": (
            "members: approved members only; anonymous: public, organisation hidden")}}},
    "Need": {"type": "object", "required": [
        "id", "status", "kind", "title_zh", "title_en", "description_zh", "description_en", "sectors",
        "budget_min_cny", "budget_max_cny", "location", "deadline", "visibility", "organisation",
        "organisation_hidden", "owner_id", "created_at", "updated_at", "published_at"], "properties": {
        "id": {"type": "integer"}, "status": {"type": "string", "enum": NEED_STATUSES},
        "kind": {"type": "string", "enum": NEED_KINDS},
        "title_zh": NULLABLE_STRING, "title_en": NULLABLE_STRING,
        "description_zh": NULLABLE_STRING, "description_en": NULLABLE_STRING, "sectors": _SECTOR_CODES,
        "budget_min_cny": {"type": ["integer", "null"]}, "budget_max_cny": {"type": ["integer", "null"]},
        "location": {"type": "string", "enum": NEED_LOCATIONS}, "deadline": {"type": "string", "format": "date"},
        "visibility": {"type": "string", "enum": ["public", "members", "anonymous"]},
        "organisation": {"oneOf": [_ref("OrganisationRef"), {"type": "null"}],
                         "description": "null when the need is anonymous (except for its owner and admins)"},
        "organisation_hidden": {"type": "boolean"}, "owner_id": {"type": ["integer", "null"]},
        "created_at": UTC_TIME, "updated_at": UTC_TIME, "published_at": {"oneOf": [UTC_TIME, {"type": "null"}]}}},
    "NeedDetail": {"allOf": [_ref("Need"), {"type": "object", "required": ["history"], "properties": {
        "history": {"type": "array", "items": _ref("StatusChange")}}}]},
    "Transition": {"type": "object", "required": ["to"], "properties": {
        "to": {"type": "string", "description": (
            "Projects: in_incubation, landed, graduated, closed; needs: in_talks, open, fulfilled, withdrawn; "
            "both: withdraw (back to draft from review)")},
        "note": _text(1000, "For the record, shown in the history"),
        "landing": {**_ref("LandingInput"), "description": (
            "Projects, required with \"to\": \"landed\" (the step is refused without it: 400 with "
            "fields named landing.<field>, or landing when the object is missing; nothing is saved)")}}},
    "ReviewItem": {"allOf": [
        {"type": "object", "required": ["type", "submitted_at", "edit_of_live_item"], "properties": {
            "type": {"type": "string", "enum": ["project", "need"]},
            "submitted_at": {"oneOf": [UTC_TIME, {"type": "null"}]},
            "edit_of_live_item": {"type": "boolean", "description": "An edit of a public item; approval restores its status"}}},
        {"oneOf": [_ref("Project"), _ref("Need")]}]},
    "ReviewDecision": {"type": "object", "required": ["decision"], "properties": {
        "decision": {"type": "string", "enum": ["approve", "reject"]},
        "reason": {"type": ["string", "null"], "enum": [*REVIEW_REASONS, None],
                   "description": "Required to reject; other also needs a note"},
        "note": _text(1000, "Message to the author")}},
    "SearchHit": {"type": "object", "required": ["type", "id", "title_zh", "title_en", "snippet"], "properties": {
        "type": {"type": "string", "enum": ["project", "need"]}, "id": {"type": "integer"},
        "title_zh": NULLABLE_STRING, "title_en": NULLABLE_STRING,
        "snippet": {"type": "string", "description": "Escaped HTML excerpt; the query's terms are in <mark>"},
        "status": {"type": "string"}}},
})

_PROJECT_FILTERS = [
    _query("sector", "Sector code", {"type": "string"}),
    _query("stage", "Stage", {"type": "string", "enum": PROJECT_STAGES}),
    _query("direction", "Direction", {"type": "string", "enum": PROJECT_DIRECTIONS}),
    _query("city", "City where the project is incubated"),
    _query("organisation", "Key of the posting organisation"),
    _query("status", "One public status (default: the current ones, without closed)",
           {"type": "string", "enum": PUBLIC_PROJECT_STATUSES}),
    _query("q", "Words in Chinese or English (光伏, membranes); every term must match", {"type": "string",
                                                                                          "maxLength": 100}),
    _query("sort", "Order", {"type": "string", "enum": ["newest", "funding"], "default": "newest"}),
]
_NEED_FILTERS = [
    _query("kind", "Kind of need", {"type": "string", "enum": NEED_KINDS}),
    _query("sector", "Sector code"),
    _query("location", "Location in Xinjiang", {"type": "string", "enum": NEED_LOCATIONS}),
    _query("organisation", "Key of the enterprise (anonymous needs never match)"),
    _query("status", "One public status (default: open and in talks)", {"type": "string", "enum": PUBLIC_NEED_STATUSES}),
    _query("q", "Words in Chinese or English; every term must match", {"type": "string", "maxLength": 100}),
    _query("sort", "Order", {"type": "string", "enum": ["newest", "deadline", "budget"], "default": "newest"}),
]


def _body(schema: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": _ref(schema)}}}


def _item_paths(noun: str, plural: str, schema: str, filters: list, who_creates: str) -> dict:
    """The seven operations on projects or needs."""
    title = noun.title()
    one = [_path_id(), ACCEPT_LANGUAGE]
    return {
        f"/{plural}": {
            "get": {"operationId": f"list{title}s", "tags": [plural], "summary": f"Public {plural}, filtered",
                    "security": [{}, {"bearer": []}], "parameters": [*PAGE_PARAMS, ACCEPT_LANGUAGE, *filters],
                    "responses": {"200": _json(f"A page of {plural}", _page_of(schema)), **_error_responses(400)}},
            "post": {"operationId": f"create{title}", "tags": [plural], "summary": f"Create a {noun} draft ({who_creates})",
                     "parameters": [ACCEPT_LANGUAGE], "requestBody": _body(f"{schema}Input"),
                     "responses": {"201": _json("The new draft", _ref(schema)), **_error_responses(400, 401, 403)}}},
        f"/{plural}/{{id}}": {
            "get": {"operationId": f"get{title}", "tags": [plural], "summary": f"One {noun} with its history",
                    "security": [{}, {"bearer": []}], "parameters": one,
                    "responses": {"200": _json(f"The {noun}", _ref(f"{schema}Detail")), **_error_responses(404)}},
            "patch": {"operationId": f"update{title}", "tags": [plural],
                      "summary": f"Edit a {noun} (owner); an edit of a public {noun} goes back to review",
                      "parameters": one, "requestBody": _body(f"{schema}Input"),
                      "responses": {"200": _json(f"The {noun}", _ref(schema)),
                                    **_error_responses(400, 401, 403, 404, 409)}},
            "delete": {"operationId": f"delete{title}", "tags": [plural], "summary": f"Delete a draft {noun} (owner)",
                       "parameters": one, "responses": {"204": {"description": "Deleted"},
                                                        **_error_responses(401, 403, 404, 409)}}},
        f"/{plural}/{{id}}/submit": {"post": {
            "operationId": f"submit{title}", "tags": [plural],
            "summary": "Draft (or rejected) → pending review (owner, an approved member)", "parameters": one,
            "responses": {"200": _json(f"The {noun}, now pending review", _ref(schema)),
                          **_error_responses(400, 401, 403, 404, 409)}}},
        f"/{plural}/{{id}}/transition": {"post": {
            "operationId": f"transition{title}", "tags": [plural], "summary": "A lifecycle step (owner, admin)",
            "parameters": one, "requestBody": _body("Transition"),
            "responses": {"200": _json(f"The {noun} in its new status", _ref(schema)),
                          **_error_responses(400, 401, 403, 404, 409)}}},
    }


PATHS.update({
    **_item_paths("project", "projects", "Project", _PROJECT_FILTERS, "centers, enterprises"),
    **_item_paths("need", "needs", "Need", _NEED_FILTERS, "enterprises"),
    "/reviews": {"get": {
        "operationId": "listReviews", "tags": ["reviews"], "summary": "The moderation queue (admins)",
        "parameters": [*PAGE_PARAMS, ACCEPT_LANGUAGE,
                       _query("kind", "Only projects or only needs", {"type": "string", "enum": ["project", "need"]})],
        "responses": {"200": _json("Pending items: projects, then needs, oldest submission first",
                                   _page_of("ReviewItem")), **_error_responses(400, 401, 403)}}},
    "/reviews/{kind}/{id}": {"post": {
        "operationId": "decideReview", "tags": ["reviews"], "summary": "Approve or reject a pending item (admins)",
        "parameters": [{"name": "kind", "in": "path", "required": True,
                        "schema": {"type": "string", "enum": ["project", "need"]}}, _path_id(), ACCEPT_LANGUAGE],
        "requestBody": _body("ReviewDecision"),
        "responses": {"200": _json("The item after the decision; its owner is notified", _ref("ReviewItem")),
                      **_error_responses(400, 401, 403, 404, 409)}}},
    "/search": {"get": {
        "operationId": "search", "tags": ["search"], "summary": "Projects and needs visible to the caller, both languages",
        "security": [{}, {"bearer": []}],
        "parameters": [*PAGE_PARAMS, ACCEPT_LANGUAGE,
                       {"name": "q", "in": "query", "required": True,
                        "description": "Words in Chinese or English (a two-character word such as 光伏 works)",
                        "schema": {"type": "string", "minLength": 1, "maxLength": 100}}],
        "responses": {"200": _json("Matches, newest first", _page_of("SearchHit")), **_error_responses(400)}}},
})


# --- matches and introductions (对接) (collab/api/matching.py) ----------------------------

INTRODUCTION_STATUSES = ["proposed", "accepted", "declined", "meeting_held", "agreement_signed"]
DECLINE_REASONS = ["not_relevant", "too_early", "budget", "already_solved", "other"]
_NULLABLE_TIME = {"oneOf": [UTC_TIME, {"type": "null"}]}


def _match_of(other_id: str, description: str) -> dict:
    return {"type": "object", "required": [other_id, "score", "reasons"], "properties": {
        other_id: {"type": "integer", "description": description},
        "score": {"type": "number", "minimum": 0, "maximum": 1, "description": "Higher is a better fit"},
        "reasons": _ref("MatchReasons")}}


SCHEMAS.update({
    "MatchReasons": {"type": "object", "description": "Why the two match, best evidence first", "properties": {
        "sectors": {"type": "array", "items": {"type": "string"}, "description": "Shared sector codes (GET /sectors)"},
        "terms": {"type": "array", "description": "Shared concepts, named in both languages, whatever language "
                                                  "each side was written in",
                  "items": {"type": "object", "required": ["zh", "en"], "properties": {
                      "zh": {"type": "string", "examples": ["石墨烯"]},
                      "en": {"type": "string", "examples": ["graphene"]}}}},
        "rules": {"type": "array", "items": {"type": "string"},
                  "description": "Fit rules that held, e.g. kind_fit, direction_fit, location_fit, stage_fit, "
                                 "budget_fit, freshness"},
        "penalties": {"type": "array", "items": {"type": "string"},
                      "description": "Fit rules that held the score back (same names as rules)"}}},
    "ProjectMatch": _match_of("project_id", "A project recommended for the need"),
    "NeedMatch": _match_of("need_id", "A need recommended for the project"),
    "IntroductionContact": {"type": "object", "required": ["name", "email", "organisation"], "properties": {
        "name": {"type": "string"}, "email": {"type": "string", "format": "email"},
        "organisation": {"oneOf": [{"type": "object", "required": ["id", "name_zh", "name_en"], "properties": {
            "id": {"type": "integer"}, "name_zh": NULLABLE_STRING, "name_en": NULLABLE_STRING}},
            {"type": "null"}]}}},
    "Introduction": {"type": "object", "required": [
        "id", "need_id", "project_id", "status", "initiator_side", "message", "score", "decline_reason",
        "decline_note", "created_at", "accepted_at", "meeting_at", "signed_at", "contacts", "contract"],
        "properties": {
        "id": {"type": "integer"}, "need_id": {"type": "integer"}, "project_id": {"type": "integer"},
        "status": {"type": "string", "enum": INTRODUCTION_STATUSES},
        "initiator_side": {"type": "string", "enum": ["need", "project"],
                           "description": "Who expressed interest; the other side accepts or declines"},
        "message": {"type": "string"}, "score": {"type": ["number", "null"]},
        "decline_reason": {"type": ["string", "null"], "enum": [*DECLINE_REASONS, None]},
        "decline_note": NULLABLE_STRING,
        "created_at": UTC_TIME, "accepted_at": _NULLABLE_TIME, "meeting_at": _NULLABLE_TIME,
        "signed_at": _NULLABLE_TIME,
        "contacts": {"oneOf": [{"type": "object", "required": ["need", "project"], "properties": {
            "need": _ref("IntroductionContact"), "project": _ref("IntroductionContact")}}, {"type": "null"}],
            "description": "Both sides' contacts, once accepted (null before, and after a decline)"},
        "contract": {"oneOf": [_ref("Contract"), {"type": "null"}],
                     "description": "The contract recorded when the agreement was signed (null before)"}}},
    "IntroductionInput": {"type": "object", "required": ["need_id", "project_id", "message"], "properties": {
        "need_id": {"type": "integer"}, "project_id": {"type": "integer"},
        "message": {"type": "string", "minLength": 1, "maxLength": 2000, "description": "To the other side"}}},
    "IntroductionAction": {"type": "object", "description": "Only decline reads a body", "properties": {
        "reason": {"type": "string", "enum": DECLINE_REASONS, "description": "Required to decline"},
        "note": {"type": ["string", "null"], "maxLength": 1000, "description": "Required when the reason is other"}}},
})

_LIMIT = _query("limit", "How many, best first", {"type": "integer", "minimum": 1, "maximum": 20, "default": 10})


def _matches_path(noun: str, schema: str, other: str) -> dict:
    return {"get": {
        "operationId": f"list{noun.title()}Matches", "tags": ["matching"],
        "summary": f"Stored {other} ranked for a {noun}, with reasons (its owner, admins)",
        "parameters": [_path_id(), ACCEPT_LANGUAGE, _LIMIT],
        "responses": {"200": _json(f"Ranked {other}, on one page", _page_of(schema)),
                      **_error_responses(400, 401, 403, 404)}}}


PATHS.update({
    "/needs/{id}/matches": _matches_path("need", "ProjectMatch", "projects"),
    "/projects/{id}/matches": _matches_path("project", "NeedMatch", "needs"),
    "/introductions": {
        "get": {"operationId": "listIntroductions", "tags": ["matching"],
                "summary": "Introductions where the caller owns the need or the project, newest first",
                "parameters": [ACCEPT_LANGUAGE],
                "responses": {"200": _json("The caller's introductions, on one page", _page_of("Introduction")),
                              **_error_responses(401)}},
        "post": {"operationId": "createIntroduction", "tags": ["matching"],
                 "summary": "Express interest in a current match (owner of either side); the other side is told",
                 "parameters": [ACCEPT_LANGUAGE], "requestBody": _body("IntroductionInput"),
                 "responses": {"201": _json("The proposed introduction", _ref("Introduction")),
                               **_error_responses(400, 401, 403, 404, 409)}}},
    "/introductions/{id}": {"get": {
        "operationId": "getIntroduction", "tags": ["matching"], "summary": "One introduction (parties, admins)",
        "parameters": [_path_id(), ACCEPT_LANGUAGE],
        "responses": {"200": _json("The introduction", _ref("Introduction")), **_error_responses(401, 404)}}},
    "/introductions/{id}/{action}": {"post": {
        "operationId": "actOnIntroduction", "tags": ["matching"],
        "summary": "accept or decline (the side that did not initiate), meeting_held (either party); "
                   "agreement_signed has its own operation (signIntroduction)",
        "parameters": [_path_id(), {"name": "action", "in": "path", "required": True, "schema": {
            "type": "string", "enum": ["accept", "decline", "meeting_held"]}}, ACCEPT_LANGUAGE],
        "requestBody": {"required": False, "content": {"application/json": {"schema": _ref("IntroductionAction")}}},
        "responses": {"200": _json("The introduction in its new status; the other party is told",
                                   _ref("Introduction")),
                      "400": {**_error_responses(400)["400"], "description": "Decline without a valid reason, "
                                                                            "other without a note"},
                      **_error_responses(401),
                      "403": {**_error_responses(403)["403"], "description": "Not a party, or the initiator "
                                                                            "answering their own introduction"},
                      "404": {**_error_responses(404)["404"], "description": "Absent, not visible, or an unknown "
                                                                            "action"},
                      "409": {**_error_responses(409)["409"], "description": "Not possible from the current status"}}}},
})


# --- mentors and bookings (collab/api/mentors.py) ----------------------------------------

BOOKING_STATUSES = ["requested", "confirmed", "declined", "cancelled", "completed", "no_show"]
BOOKING_ACTIONS = ["confirm", "decline", "cancel", "complete", "no_show", "feedback", "notes", "reschedule"]
_CLOCK = {"type": "string", "pattern": "^([01]?[0-9]|2[0-4]):[0-5][0-9]$", "description": "HH:MM, 24:00 as an end"}
_OFFSET_TIME = {"type": "string", "format": "date-time", "description": "ISO 8601 with the offset of the zone asked for"}
_ORG_REF = {"type": ["object", "null"], "properties": {
    "id": {"type": "integer"}, "key": {"type": "string"}, "name_zh": NULLABLE_STRING, "name_en": NULLABLE_STRING}}
_ZONE = {"type": "string", "description": "IANA time zone, e.g. Asia/Urumqi"}

SCHEMAS.update({
    "Slot": {"type": "object", "required": ["start", "end"], "properties": {"start": UTC_TIME, "end": UTC_TIME}},
    "LocalSlot": {"type": "object", "required": ["start", "end"],
                  "properties": {"start": _OFFSET_TIME, "end": _OFFSET_TIME}},
    "Mentor": {"type": "object", "required": ["id", "display_name", "timezone", "languages", "modes",
                                              "session_minutes"], "properties": {
        "id": {"type": "integer", "description": "The mentor_id"}, "user_id": {"type": "integer"},
        "display_name": {"type": "string"}, "headline_zh": NULLABLE_STRING, "headline_en": NULLABLE_STRING,
        "bio_zh": NULLABLE_STRING, "bio_en": NULLABLE_STRING, "organisation": _ORG_REF,
        "city_zh": NULLABLE_STRING, "city_en": NULLABLE_STRING, "timezone": _ZONE,
        "sectors": {"type": "array", "items": {"type": "string"}},
        "languages": {"type": "array", "items": {"type": "string"}, "description": "ISO 639-1 codes"},
        "modes": {"type": "array", "items": {"type": "string", "enum": ["online", "in_person"]}},
        "base": {**_ORG_REF, "description": "Where in-person sessions take place"},
        "session_minutes": {"type": "integer"}, "buffer_minutes": {"type": "integer"},
        "min_notice_hours": {"type": "integer"}, "horizon_days": {"type": "integer"},
        "monthly_cap": {"type": ["integer", "null"], "description": "Sessions per booker per month of the mentor's zone"},
        "auto_confirm": {"type": "boolean"}, "is_active": {"type": "boolean"},
        "next_free_slots": {"type": "array", "items": _ref("Slot")}}},
    "Availability": {"type": "object", "description": (
        "Weekly windows are wall-clock times of the mentor's zone (0 = Monday); a daylight-saving change "
        "never moves them. Exceptions: extra windows, and blocked dates (whole day without start/end)."),
        "properties": {
            "timezone": _ZONE,
            "weekly": {"type": "array", "items": {"type": "object", "required": ["weekday", "start", "end"],
                                                  "properties": {"weekday": {"type": "integer", "minimum": 0,
                                                                             "maximum": 6},
                                                                 "start": _CLOCK, "end": _CLOCK}}},
            "exceptions": {"type": "array", "items": {"type": "object", "required": ["date", "kind"], "properties": {
                "date": {"type": "string", "format": "date"}, "kind": {"type": "string", "enum": ["extra", "blocked"]},
                "start": {"type": ["string", "null"]}, "end": {"type": ["string", "null"]},
                "note": {"type": ["string", "null"], "maxLength": 200}}}},
            "session_minutes": {"type": "integer", "enum": [30, 45, 60, 90, 120]},
            "buffer_minutes": {"type": "integer", "minimum": 0, "maximum": 240},
            "min_notice_hours": {"type": "integer", "minimum": 0, "maximum": 720},
            "horizon_days": {"type": "integer", "minimum": 1, "maximum": 365},
            "monthly_cap": {"type": ["integer", "null"], "minimum": 1, "maximum": 60},
            "auto_confirm": {"type": "boolean"}}},
    "BookingInput": {"type": "object", "required": ["mentor_id", "start", "topic", "language"], "properties": {
        "mentor_id": {"type": "integer"}, "start": {"type": "string", "format": "date-time",
                                                   "description": "A free slot's start, with its offset"},
        "topic": {"type": "string", "minLength": 1, "maxLength": 1000},
        "language": {"type": "string", "description": "One of the mentor's languages"},
        "mode": {"type": "string", "enum": ["online", "in_person"]},
        "minutes": {"type": "integer", "description": "A shorter session than the mentor's standard length"}}},
    "Booking": {"type": "object", "required": ["id", "status", "mentor_id", "booker_id", "start", "end"], "properties": {
        "id": {"type": "integer"}, "uid": {"type": "string", "description": "The iCalendar UID, stable"},
        "status": {"type": "string", "enum": BOOKING_STATUSES},
        "mentor_id": {"type": "integer"}, "mentor_name": {"type": "string"},
        "booker_id": {"type": "integer"}, "booker_name": {"type": "string"},
        "start": UTC_TIME, "end": UTC_TIME, "minutes": {"type": "integer"},
        "timezone": {**_ZONE, "description": "The zone of start_local, end_local and display (?tz=, or the caller's)"},
        "start_local": _OFFSET_TIME, "end_local": _OFFSET_TIME,
        "display": {"type": "string", "description": "e.g. 10:00–11:00 Tashkent time (13:00–14:00 Beijing time)"},
        "mentor_timezone": _ZONE, "topic": {"type": "string"}, "language": {"type": "string"},
        "mode": {"type": "string", "enum": ["online", "in_person"]}, "sequence": {"type": "integer"},
        "rescheduled_from_id": {"type": ["integer", "null"]}, "decision_note": NULLABLE_STRING,
        "cancelled_by_id": {"type": ["integer", "null"]}, "cancel_reason": NULLABLE_STRING,
        "rating": {"type": ["integer", "null"], "minimum": 1, "maximum": 5}, "feedback": NULLABLE_STRING,
        "follow_up": NULLABLE_STRING, "created_at": UTC_TIME, "meeting_link": NULLABLE_STRING,
        "place": _ORG_REF, "ics_url": NULLABLE_STRING,
        "mentor_notes": {"type": ["string", "null"], "description": "Only for the mentor"}}},
    "BookingAction": {"type": "object", "description": "The fields the action reads", "properties": {
        "note": {"type": "string", "description": "decline"}, "reason": {"type": "string",
                                                                         "description": "cancel (required), reschedule"},
        "rating": {"type": "integer", "minimum": 1, "maximum": 5, "description": "feedback"},
        "comment": {"type": "string", "description": "feedback"}, "notes": {"type": "string", "description": "notes"},
        "follow_up": {"type": "string", "description": "notes"},
        "start": {"type": "string", "format": "date-time", "description": "reschedule"}}},
})

_TZ_PARAM = _query("tz", "IANA zone the times are shown in (default: the caller's zone)")

PATHS.update({
    "/mentors": {"get": {
        "operationId": "listMentors", "tags": ["mentors"], "summary": "Active mentors with their next free slots",
        "security": [{}, {"bearer": []}],
        "parameters": [*PAGE_PARAMS, ACCEPT_LANGUAGE, _query("sector", "Sector code"),
                       _query("language", "Language code: zh, en, ru, ug, uz, kk, ky, tg, ur"),
                       _query("city", "Part of the city name, either language"),
                       _query("mode", "online or in_person", {"type": "string", "enum": ["online", "in_person"]}),
                       _query("free_within_days", "Only mentors with a free slot within so many days",
                              {"type": "integer", "minimum": 1, "maximum": 60})],
        "responses": {"200": _json("A page of mentors", _page_of("Mentor")), **_error_responses(400)}}},
    "/mentors/{id}": {"get": {
        "operationId": "getMentor", "tags": ["mentors"], "summary": "One mentor", "security": [{}, {"bearer": []}],
        "parameters": [_path_id(description="mentor_id"), ACCEPT_LANGUAGE],
        "responses": {"200": _json("The mentor", _ref("Mentor")), **_error_responses(404)}}},
    "/mentors/me/availability": {
        "get": {"operationId": "getMyAvailability", "tags": ["mentors"], "summary": "The caller's availability (mentors)",
                "parameters": [ACCEPT_LANGUAGE],
                "responses": {"200": _json("Availability", _ref("Availability")), **_error_responses(401, 403)}},
        "put": {"operationId": "putMyAvailability", "tags": ["mentors"],
                "summary": "Replace weekly windows and exceptions, set the rules (mentors; all or nothing)",
                "parameters": [ACCEPT_LANGUAGE], "requestBody": _body("Availability"),
                "responses": {"200": _json("Availability", _ref("Availability")),
                              **_error_responses(400, 401, 403)}}},
    "/mentors/{id}/slots": {"get": {
        "operationId": "listMentorSlots", "tags": ["mentors"], "security": [{}, {"bearer": []}],
        "summary": "Free slots in [from, to), computed from the rules and bookings, shown in tz",
        "parameters": [_path_id(description="mentor_id"), ACCEPT_LANGUAGE, _TZ_PARAM,
                       _query("from", "Date (midnight in tz) or ISO 8601 instant with offset; default now"),
                       _query("to", "Date or instant; default from + 14 days; at most 62 days after from"),
                       _query("minutes", "A shorter session length", {"type": "integer"})],
        "responses": {"200": _json("Free slots", {"type": "array", "items": _ref("LocalSlot")}),
                      **_error_responses(400, 404)}}},
    "/bookings": {
        "get": {"operationId": "listBookings", "tags": ["bookings"],
                "summary": "The caller's bookings, as booker and as mentor",
                "parameters": [*PAGE_PARAMS, ACCEPT_LANGUAGE, _TZ_PARAM,
                               _query("role", "booker or mentor", {"type": "string", "enum": ["booker", "mentor"]}),
                               _query("status", "A booking status", {"type": "string", "enum": BOOKING_STATUSES}),
                               _query("when", "upcoming or past", {"type": "string", "enum": ["upcoming", "past"]})],
                "responses": {"200": _json("A page of bookings", _page_of("Booking")), **_error_responses(400, 401)}},
        "post": {"operationId": "createBooking", "tags": ["bookings"],
                 "summary": "Book a free slot (any user but the mentor); the mentor confirms unless auto-confirm",
                 "parameters": [ACCEPT_LANGUAGE], "requestBody": _body("BookingInput"),
                 "responses": {"201": _json("The booking", _ref("Booking")),
                               **_error_responses(400, 401, 403, 404),
                               "409": {**_error_responses(409)["409"],
                                       "description": "The slot is not free (code slot_taken)"}}}},
    "/bookings/{id}": {"get": {
        "operationId": "getBooking", "tags": ["bookings"], "summary": "One booking (its parties; admins read)",
        "parameters": [_path_id(), ACCEPT_LANGUAGE, _TZ_PARAM],
        "responses": {"200": _json("The booking", _ref("Booking")), **_error_responses(400, 401, 404)}}},
    "/bookings/{id}/{action}": {"post": {
        "operationId": "actOnBooking", "tags": ["bookings"],
        "summary": ("confirm, decline (mentor); cancel with reason (either); complete (either, after the end), "
                    "no_show (mentor); feedback (booker); notes (mentor); reschedule (either: cancel + new booking)"),
        "parameters": [_path_id(), {"name": "action", "in": "path", "required": True,
                                    "schema": {"type": "string", "enum": BOOKING_ACTIONS}}, ACCEPT_LANGUAGE],
        "requestBody": {"required": False, "content": {"application/json": {"schema": _ref("BookingAction")}}},
        "responses": {"200": _json("The booking in its new state", _ref("Booking")),
                      "201": _json("reschedule: the new booking", _ref("Booking")),
                      **_error_responses(400, 401, 403, 404, 409)}}},
    "/bookings/{id}.ics": {"get": {
        "operationId": "getBookingCalendar", "tags": ["bookings"],
        "summary": "iCalendar of a confirmed booking (METHOD REQUEST; CANCEL once cancelled), stable UID, rising SEQUENCE",
        "parameters": [_path_id(), ACCEPT_LANGUAGE],
        "responses": {"200": {"description": "text/calendar", "content": {"text/calendar": {"schema": {"type": "string"}}}},
                      **_error_responses(401, 404)}}},
})


# --- events (collab/api/events.py, collab/api/content.py and the events' other modules) --------

_EVENTS = kind_named("event")
EVENT_TYPES = list(EVENT_TYPE_CODES)
EVENT_STATUSES = list(_EVENTS.statuses)
PUBLIC_EVENT_STATUSES = [s for s in _EVENTS.statuses if s in _EVENTS.public]
REGISTRATION_STATUSES = list(REGISTRATION_STATUS_CODES)
_INSTANT_IN = {"type": "string", "format": "date-time",
               "description": "ISO 8601 with its offset, e.g. 2026-12-01T10:00:00+06:00 (Z for UTC)"}
_NULLABLE_INSTANT_IN = {**_INSTANT_IN, "type": ["string", "null"]}
_IDS = {"type": "array", "items": {"type": "integer"}}
_EVENT_ID = _path_id(description="The event's id")
_CSV = "text/csv"
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

SCHEMAS.update({
    "EventInput": {"type": "object", "description": (
        "An event as written by its organisers (admins, the host organisation's approved staff). Title and "
        "description: at least one language each. Times: ISO 8601 with an offset; registration_deadline "
        "defaults to the start and may not be after it; the end comes after the start. organisation_id "
        "defaults to the caller's organisation (admins host at any approved base, offshore incubator or "
        "partner station; staff at their own). Featured projects must be published, featured needs open "
        "and public. PATCH takes any subset; a field set to null is cleared. Nothing is saved on a 400."),
        "properties": {
            "type": {"type": "string", "enum": EVENT_TYPES},
            "title_zh": _text(200), "title_en": _text(200),
            "description_zh": _text(5000), "description_en": _text(5000),
            "organisation_id": {"type": "integer", "description": "The host organisation"},
            "starts_at": _INSTANT_IN, "ends_at": _INSTANT_IN, "registration_deadline": _NULLABLE_INSTANT_IN,
            "timezone": {"type": "string", "description": "The event's IANA zone, e.g. Asia/Urumqi"},
            "place_zh": _text(200), "place_en": _text(200),
            "online_url": {"type": ["string", "null"], "maxLength": 300, "description": "http:// or https://"},
            "capacity": {"type": "integer", "minimum": 1, "maximum": 100_000},
            "meeting_minutes": {"type": ["integer", "null"], "minimum": 5, "maximum": 240,
                                "description": "Length of a one-to-one meeting (default 20)"},
            "tables": {"type": ["integer", "null"], "minimum": 0, "maximum": 500,
                       "description": "Tables for one-to-one meetings (0: no meetings)"},
            "featured_project_ids": _IDS, "featured_need_ids": _IDS, "sectors": _SECTOR_CODES}},
    "Event": {"type": "object", "required": [
        "id", "status", "type", "title_zh", "title_en", "description_zh", "description_en", "organisation_id",
        "starts_at", "ends_at", "timezone", "place_zh", "place_en", "online_url", "capacity",
        "registration_deadline", "meeting_minutes", "tables", "featured_project_ids", "featured_need_ids",
        "organisation", "owner_id", "created_at", "updated_at", "published_at"], "properties": {
        "id": {"type": "integer"}, "status": {"type": "string", "enum": EVENT_STATUSES},
        "type": {"type": "string", "enum": EVENT_TYPES},
        "title_zh": NULLABLE_STRING, "title_en": NULLABLE_STRING,
        "description_zh": NULLABLE_STRING, "description_en": NULLABLE_STRING,
        "organisation_id": {"type": "integer", "description": "The host organisation"},
        "organisation": {"oneOf": [_ref("OrganisationRef"), {"type": "null"}]},
        "organisation_hidden": {"type": "boolean"},
        "starts_at": UTC_TIME, "ends_at": UTC_TIME, "registration_deadline": UTC_TIME,
        "timezone": {"type": "string", "description": "The event's IANA zone: show times in it beside the viewer's"},
        "place_zh": NULLABLE_STRING, "place_en": NULLABLE_STRING, "online_url": NULLABLE_STRING,
        "capacity": {"type": "integer"}, "meeting_minutes": {"type": "integer"}, "tables": {"type": "integer"},
        "schedule_generated_at": _NULLABLE_TIME, "featured_project_ids": _IDS, "featured_need_ids": _IDS,
        "sectors": _SECTOR_CODES, "owner_id": {"type": ["integer", "null"], "description": "Who created it"},
        "created_at": UTC_TIME, "updated_at": UTC_TIME, "published_at": _NULLABLE_TIME}},
    "Registration": {"type": "object", "required": ["id", "status", "waitlist_position"], "properties": {
        "id": {"type": "integer"}, "event_id": {"type": "integer"}, "user_id": {"type": "integer"},
        "status": {"type": "string", "enum": REGISTRATION_STATUSES},
        "waitlist_position": {"type": ["integer", "null"], "minimum": 1,
                              "description": "1 for the first on the waiting list; null when not waiting"},
        "sequence": {"type": "integer", "description": "Arrival order within the event"},
        "created_at": UTC_TIME, "registered_at": _NULLABLE_TIME, "cancelled_at": _NULLABLE_TIME}},
    "EventDetail": {"allOf": [_ref("Event"), {"type": "object", "required": ["history", "registrations"],
                                              "properties": {
        "history": {"type": "array", "items": _ref("StatusChange")},
        "registrations": {"type": "object", "required": ["capacity", "registered", "waitlisted", "places_left",
                                                         "attended"], "properties": {
            "capacity": {"type": "integer"}, "registered": {"type": "integer"},
            "waitlisted": {"type": "integer"}, "places_left": {"type": "integer"},
            "attended": {"type": "integer"}}},
        "my_registration": {"oneOf": [_ref("Registration"), {"type": "null"}],
                            "description": "The caller's registration (null for visitors and non-registrants)"},
        "ics_url": {"type": "string", "description": "GET it for the event's iCalendar file"}}}]},
    "EventStep": {"type": "object", "properties": {"note": _text(1000, "For the record, shown in the history")}},
    "EventTransition": {"type": "object", "required": ["to"], "properties": {
        "to": {"type": "string", "enum": list(_EVENTS.lifecycle_targets),
               "description": "held only once the event has begun; publish only before it"},
        "note": _text(1000, "For the record, shown in the history")}},
    "Attendee": {"type": "object", "description": "A registration as its organisers see it", "required": [
        "id", "event_id", "user_id", "display_name", "email", "organisation", "status", "sequence",
        "waitlist_position", "created_at", "registered_at", "cancelled_at", "attended"], "properties": {
        "id": {"type": "integer", "description": "The registration's id (rid)"}, "event_id": {"type": "integer"},
        "user_id": {"type": "integer"}, "display_name": {"type": "string"}, "email": {"type": "string"},
        "organisation": {"oneOf": [_ref("OrganisationRef"), {"type": "null"}]},
        "status": {"type": "string", "enum": REGISTRATION_STATUSES}, "sequence": {"type": "integer"},
        "waitlist_position": {"type": ["integer", "null"]}, "created_at": UTC_TIME,
        "registered_at": _NULLABLE_TIME, "cancelled_at": _NULLABLE_TIME,
        "attended": {"type": ["boolean", "null"], "description": "null: not marked"}}},
    "AttendanceInput": {"type": "object", "required": ["attended"], "properties": {
        "attended": {"type": ["boolean", "null"], "description": "true: came; false: absent; null: not marked"}}},
    "WishesInput": {"type": "object", "description": "Replaces the caller's wishes; ids among the featured ones",
                    "properties": {"project_ids": _IDS, "need_ids": _IDS}},
    "Wishes": {"type": "object", "required": ["project_ids", "need_ids", "open", "suggestions"], "properties": {
        "project_ids": _IDS, "need_ids": _IDS,
        "open": {"type": "boolean", "description": "Whether wishes may still be changed"},
        "suggestions": {"type": "array", "description": "Featured items matching the caller's own projects or needs",
                        "items": {"type": "object", "required": ["item_type", "item_id", "score"], "properties": {
                            "item_type": {"type": "string", "enum": ["project", "need"]},
                            "item_id": {"type": "integer"}, "score": {"type": "number"},
                            "own_item_type": {"type": "string", "enum": ["project", "need"]},
                            "own_item_id": {"type": "integer"}, "reasons": _ref("MatchReasons")}}}}},
    "Meeting": {"type": "object", "required": ["id", "starts_at", "ends_at", "table", "project_id", "need_id",
                                               "participant_ids"], "properties": {
        "id": {"type": "integer"}, "slot": {"type": "integer", "minimum": 1, "description": "Time slot, from 1"},
        "starts_at": UTC_TIME, "ends_at": UTC_TIME,
        "table": {"type": "integer", "minimum": 1}, "project_id": {"type": ["integer", "null"]},
        "need_id": {"type": ["integer", "null"]},
        "participant_ids": {"type": "array", "items": {"type": "integer"},
                            "description": "Who asked, then the owner of the project or need"},
        "participant_id": {"type": "integer", "description": "Who asked for the meeting"},
        "host_id": {"type": "integer", "description": "The owner of the project or need"},
        "mutual": {"type": "boolean", "description": "Both sides asked"}, "score": {"type": "number"},
        "status": {"type": "string", "enum": ["scheduled", "cancelled"]}}},
    "MeetingMove": {"type": "object", "required": ["slot", "table"], "properties": {
        "slot": {"type": "integer", "minimum": 1}, "table": {"type": "integer", "minimum": 1}}},
    "Schedule": {"type": "object", "required": ["meetings", "unmet_wishes"], "properties": {
        "event_id": {"type": "integer"}, "generated_at": _NULLABLE_TIME,
        "timezone": {"type": "string", "description": "The event's zone"},
        "slots": {"type": "integer"}, "tables": {"type": "integer"},
        "meetings": {"type": "array", "items": _ref("Meeting")},
        "unmet_wishes": {"type": "integer", "minimum": 0, "description": "Wishes no slot could hold"}}},
    "AgendaMeeting": {"allOf": [_ref("Meeting"), {"type": "object", "required": ["role", "item", "with"],
                                                  "properties": {
        "role": {"type": "string", "enum": ["presenter", "visitor"],
                 "description": "presenter: the caller owns the project or need"},
        "item": {"type": "object", "required": ["type", "id"], "properties": {
            "type": {"type": "string", "enum": ["project", "need"]}, "id": {"type": "integer"},
            "title_zh": NULLABLE_STRING, "title_en": NULLABLE_STRING}},
        "with": {"type": "object", "required": ["id", "display_name"], "properties": {
            "id": {"type": "integer"}, "display_name": {"type": "string"},
            "organisation": {"oneOf": [_ref("OrganisationRef"), {"type": "null"}]}}}}}]},
    "Agenda": {"type": "object", "required": ["meetings"], "properties": {
        "event_id": {"type": "integer"}, "timezone": {"type": "string", "description": "The event's zone"},
        "generated_at": _NULLABLE_TIME, "meetings": {"type": "array", "items": _ref("AgendaMeeting")}}},
})

_EVENT_FILTERS = [
    _query("type", "Type of event", {"type": "string", "enum": EVENT_TYPES}),
    _query("organisation", "The host organisation's id or key"),
    _query("from", "Events still on after this: an ISO 8601 instant with offset, or a date (midnight in tz)"),
    _query("to", "Events starting before this: an instant, or a date (that whole day, in tz)"),
    _query("tz", "IANA zone the dates of from and to are read in (default: the caller's zone)"),
    _query("status", "One public status (default: published, cancelled and held)",
           {"type": "string", "enum": PUBLIC_EVENT_STATUSES}),
    _query("when", "upcoming (not yet over) or past", {"type": "string", "enum": ["upcoming", "past"]}),
    _query("sector", "Sector code"),
    _query("q", "Words of the title, place or description, either language", {"type": "string", "maxLength": 100}),
    _query("sort", "newest: upcoming soonest first, then past latest first; soonest; latest",
           {"type": "string", "enum": list(_EVENTS.sorts), "default": "newest"}),
]
_ONE_EVENT = [_EVENT_ID, ACCEPT_LANGUAGE]
_NO_MEETINGS = {**_error_responses(401, 403, 404),
                "409": {**_error_responses(409)["409"], "description": (
                    "no_meetings: the event has no one-to-one meetings (only matchmaking days with tables), "
                    "or not possible now")}}
_STATE_ERRORS = {**_error_responses(400, 401, 403, 404),
                 "409": {**_error_responses(409)["409"], "description": "Not possible from the current status"}}


def _event_step(name: str, summary: str, description: str) -> dict:
    return {"post": {
        "operationId": f"{name}Event", "tags": ["events"], "summary": summary, "parameters": _ONE_EVENT,
        "requestBody": {"required": False, "content": {"application/json": {"schema": _ref("EventStep")}}},
        "responses": {"200": _json(description, _ref("Event")), **_STATE_ERRORS}}}


PATHS.update({
    "/events": {
        "get": {"operationId": "listEvents", "tags": ["events"], "security": [{}, {"bearer": []}],
                "summary": "Public events (published, cancelled, held), filtered; an event is listed when it is "
                           "on at least in part within [from, to)",
                "parameters": [*PAGE_PARAMS, ACCEPT_LANGUAGE, *_EVENT_FILTERS],
                "responses": {"200": _json("A page of events", _page_of("Event")), **_error_responses(400)}},
        "post": {"operationId": "createEvent", "tags": ["events"],
                 "summary": "Create an event draft (admins, the host organisation's approved staff)",
                 "parameters": [ACCEPT_LANGUAGE], "requestBody": _body("EventInput"),
                 "responses": {"201": _json("The new draft (status draft)", _ref("Event")),
                               **_error_responses(400, 401, 403)}}},
    "/events/{id}": {
        "get": {"operationId": "getEvent", "tags": ["events"], "security": [{}, {"bearer": []}],
                "summary": "One event (drafts: organisers only) with its history, counts and the caller's registration",
                "parameters": _ONE_EVENT,
                "responses": {"200": _json("The event", _ref("EventDetail")), **_error_responses(404)}},
        "patch": {"operationId": "updateEvent", "tags": ["events"],
                  "summary": "Edit (organisers); registrants are told when the time or place of a published event "
                             "changes, more places move the waiting list up",
                  "parameters": _ONE_EVENT, "requestBody": _body("EventInput"),
                  "responses": {"200": _json("The event", _ref("Event")),
                                **_error_responses(400, 401, 403, 404),
                                "409": {**_error_responses(409)["409"], "description": "Cancelled or held"}}},
        "delete": {"operationId": "deleteEvent", "tags": ["events"], "summary": "Delete a draft (organisers)",
                   "parameters": _ONE_EVENT, "responses": {"204": {"description": "Deleted"},
                                                           **_error_responses(401, 403, 404, 409)}}},
    "/events/{id}/submit": {"post": {
        "operationId": "submitEvent", "tags": ["events"], "summary": "Publish a draft (as /publish)",
        "parameters": _ONE_EVENT,
        "responses": {"200": _json("The published event", _ref("Event")), **_STATE_ERRORS}}},
    "/events/{id}/transition": {"post": {
        "operationId": "transitionEvent", "tags": ["events"],
        "summary": "A lifecycle step (organisers): publish, cancel, held", "parameters": _ONE_EVENT,
        "requestBody": _body("EventTransition"),
        "responses": {"200": _json("The event in its new status", _ref("Event")), **_STATE_ERRORS}}},
    "/events/{id}/publish": _event_step(
        "publish", "Draft → published (organisers); 400 on starts_at once the event has begun",
        "The published event"),
    "/events/{id}/cancel": _event_step(
        "cancel", "Published → cancelled (organisers); every registrant is told, in-app and by e-mail",
        "The cancelled event"),
    "/events/{id}/registrations": {
        "post": {"operationId": "registerForEvent", "tags": ["events"],
                 "summary": "Register the caller: a place while there are places, else the end of the waiting list",
                 "parameters": _ONE_EVENT,
                 "responses": {"201": _json("The registration (registered, or waitlisted with its position)",
                                            _ref("Registration")),
                               **_error_responses(401, 404),
                               "409": {**_error_responses(409)["409"],
                                       "description": "already_registered, or registration_closed (deadline passed, "
                                                      "begun, not published)"}}},
        "get": {"operationId": "listEventRegistrations", "tags": ["events"],
                "summary": "The attendees, then the waiting list, in order (organisers); ?format=csv (UTF-8 with "
                           "BOM) or ?format=xlsx exports them with Chinese headers",
                "parameters": [*PAGE_PARAMS, *_ONE_EVENT,
                               _query("format", "json (default), csv or xlsx",
                                      {"type": "string", "enum": ["json", "csv", "xlsx"]}),
                               _query("status", "Only registered, waitlisted or cancelled ones (json)",
                                      {"type": "string", "enum": REGISTRATION_STATUSES})],
                "responses": {"200": {"description": "The registrations, or the export", "content": {
                    "application/json": {"schema": _page_of("Attendee")},
                    _CSV: {"schema": {"type": "string"}},
                    _XLSX: {"schema": {"type": "string", "format": "binary"}}}},
                    **_error_responses(400, 401, 403, 404)}}},
    "/events/{id}/registrations/me": {
        "get": {"operationId": "getMyEventRegistration", "tags": ["events"],
                "summary": "The caller's registration (a cancelled one too)", "parameters": _ONE_EVENT,
                "responses": {"200": _json("The registration", _ref("Registration")),
                              **_error_responses(401, 404)}},
        "delete": {"operationId": "cancelMyEventRegistration", "tags": ["events"],
                   "summary": "Cancel the caller's registration; the first on the waiting list moves up and is told",
                   "parameters": _ONE_EVENT,
                   "responses": {"200": _json("The cancelled registration", _ref("Registration")),
                                 **_error_responses(401),
                                 "404": {**_error_responses(404)["404"],
                                         "description": "No such event for the caller, or not registered"},
                                 "409": {**_error_responses(409)["409"],
                                         "description": "The event has begun, is over or is cancelled"}}}},
    "/events/{id}/registrations/{rid}/attendance": {"post": {
        "operationId": "markEventAttendance", "tags": ["events"],
        "summary": "Mark attendance (organisers, once the event has begun)",
        "parameters": [_EVENT_ID, _path_id("rid", "The registration's id"), ACCEPT_LANGUAGE],
        "requestBody": _body("AttendanceInput"),
        "responses": {"200": _json("The registration", _ref("Attendee")),
                      **_error_responses(400, 401, 403, 404, 409)}}},
    "/events/{id}/wishes": {
        "get": {"operationId": "getEventWishes", "tags": ["events"],
                "summary": "The caller's wishes (registrants) and the platform's suggestions from their own matches",
                "parameters": _ONE_EVENT,
                "responses": {"200": _json("The caller's wishes", _ref("Wishes")), **_NO_MEETINGS}},
        "put": {"operationId": "putEventWishes", "tags": ["events"],
                "summary": "Whom the caller (a registrant) wants to meet at a matchmaking day: featured projects "
                           "and needs (replaces earlier wishes)",
                "parameters": _ONE_EVENT, "requestBody": _body("WishesInput"),
                "responses": {"200": _json("The caller's wishes", _ref("Wishes")),
                              **_error_responses(400), **_NO_MEETINGS}}},
    "/events/{id}/schedule": {
        "post": {"operationId": "generateEventSchedule", "tags": ["events"],
                 "summary": "Generate (or regenerate) the one-to-one schedule (organisers): mutual wishes first, "
                            "then by match score; nobody and no table twice in a slot",
                 "parameters": _ONE_EVENT,
                 "responses": {"200": _json("The schedule", _ref("Schedule")),
                               **_error_responses(400), **_NO_MEETINGS}},
        "get": {"operationId": "getEventSchedule", "tags": ["events"],
                "summary": "The one-to-one schedule (organisers)", "parameters": _ONE_EVENT,
                "responses": {"200": _json("The schedule", _ref("Schedule")), **_NO_MEETINGS}}},
    "/events/{id}/meetings/{mid}/move": {"post": {
        "operationId": "moveEventMeeting", "tags": ["events"],
        "summary": "Move a meeting to another slot and table (organisers); 409 when someone in it or the table "
                   "is busy then",
        "parameters": [_EVENT_ID, _path_id("mid", "The meeting's id"), ACCEPT_LANGUAGE],
        "requestBody": _body("MeetingMove"),
        "responses": {"200": _json("The meeting", _ref("Meeting")), **_error_responses(400), **_NO_MEETINGS}}},
    "/events/{id}/meetings/{mid}/cancel": {"post": {
        "operationId": "cancelEventMeeting", "tags": ["events"], "summary": "Cancel a meeting (organisers)",
        "parameters": [_EVENT_ID, _path_id("mid", "The meeting's id"), ACCEPT_LANGUAGE],
        "responses": {"200": _json("The cancelled meeting", _ref("Meeting")), **_NO_MEETINGS}}},
    "/events/{id}/agenda": {"get": {
        "operationId": "getEventAgenda", "tags": ["events"],
        "summary": "The caller's own meetings at the event, in time order, times in UTC", "parameters": _ONE_EVENT,
        "responses": {"200": _json("The caller's meetings", _ref("Agenda")), **_error_responses(401),
                      "404": _NO_MEETINGS["404"], "409": _NO_MEETINGS["409"]}}},
    "/events/{id}.ics": {"get": {
        "operationId": "getEventCalendar", "tags": ["events"], "security": [{}, {"bearer": []}],
        "summary": "iCalendar of the event in its own zone (stable UID; METHOD CANCEL once cancelled)",
        "parameters": _ONE_EVENT,
        "responses": {"200": {"description": "text/calendar",
                              "content": {"text/calendar": {"schema": {"type": "string"}}}},
                      **_error_responses(404)}}},
})


# --- indicators, indicator reports, the annual evaluation (collab/api/reports.py) -------------------

REPORT_STATUSES = ["draft", "submitted", "returned", "accepted"]
INDICATOR_UNITS = ["count", "cny", "100m_cny", "m2", "percent", "per_10k_people"]
MONEY_UNITS = ["cny", "10k_cny", "100m_cny"]
_PERIOD = {"type": "string", "pattern": "^(20[0-9]{2}|2100)(-Q[1-4])?$",
           "description": "A year (2026) or a quarter (2026-Q3), years 2000–2100; a period that has not begun "
                          "(in Beijing time) is a 400"}
_FIGURES = {"type": "object", "description": (
    "Indicator code → figure (a number ≥ 0, or a numeric string; null clears it). Money figures are read in the "
    "unit given in units (default: the indicator's own unit) and stored in the indicator's own unit; counts are "
    "whole numbers; percentages at most 100; at most 10^15. An unknown code, a negative or non-numeric figure "
    "is a 400 with fields keyed by indicator code"),
    "additionalProperties": {"type": ["number", "string", "null"]}}
_UNITS = {"type": "object", "description": "Indicator code → the unit its money figure is given in (元, 万元, 亿元)",
          "additionalProperties": {"type": "string", "enum": MONEY_UNITS}}
_REPORT_ID = _path_id(description="The report's id (larger than any id: 404)")
_ONE_REPORT = [_REPORT_ID, ACCEPT_LANGUAGE]
_REPORT_STATE = {**_error_responses(400, 401, 403, 404),
                 "409": {**_error_responses(409)["409"], "description": "Not possible from the report's status "
                                                                       "(locked, not submitted, already corrected)"}}

SCHEMAS.update({
    "Indicator": {"type": "object", "required": ["code", "level", "unit", "zh", "en"], "properties": {
        "code": {"type": "string"}, "level": {"type": "string", "enum": ["base", "incubator"],
                                              "description": "Who reports it: bases or incubators"},
        "unit": {"type": "string", "enum": INDICATOR_UNITS}, "zh": {"type": "string"}, "en": {"type": "string"}}},
    "IndicatorTarget": {"type": "object", "required": [
        "organisation", "code", "period", "baseline", "target", "cumulative", "source"], "properties": {
        "organisation": {"type": "object", "required": ["id", "key"], "properties": {
            "id": {"type": "integer"}, "key": {"type": ["string", "null"]}}},
        "code": {"type": "string"}, "period": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{4}$",
                                               "description": "The plan's span of years, e.g. 2021-2023"},
        "start_year": {"type": "integer"}, "end_year": {"type": "integer"},
        "baseline": {"type": ["number", "null"]}, "target": {"type": "number"},
        "cumulative": {"type": "boolean", "description": "The target is a total over the span (累计)"},
        "source": NULLABLE_STRING}},
    "Indicators": {"type": "object", "required": ["indicators", "targets"], "properties": {
        "indicators": {"type": "array", "items": _ref("Indicator")},
        "targets": {"type": "array", "items": _ref("IndicatorTarget")}}},
    "ReportInput": {"type": "object", "required": ["period"], "description": (
        "A new report: the platform's figures are prefilled, then these figures override them. Nothing is saved "
        "on a 400; 409 when a report of the period is already open or accepted (correct it with /revise)"),
        "properties": {"period": _PERIOD, "values": _FIGURES, "units": _UNITS}},
    "ReportUpdate": {"type": "object", "description": "Figures to change on a draft or returned report (409 when "
                                                      "locked); the others stay",
                     "properties": {"values": _FIGURES, "units": _UNITS}},
    "ReportReview": {"type": "object", "required": ["decision"], "properties": {
        "decision": {"type": "string", "enum": ["accept", "return"]},
        "comment": {"type": ["string", "null"], "maxLength": 2000,
                    "description": "Required when returning: what needs correcting"}}},
    "Report": {"type": "object", "required": [
        "id", "organisation", "period", "year", "quarter", "version", "status", "values", "prefilled",
        "review_comment", "submitted_at", "reviewed_at", "previous_id", "superseded_at", "locked"], "properties": {
        "id": {"type": "integer"}, "organisation": _ref("OrganisationRef"), "period": _PERIOD,
        "year": {"type": "integer"}, "quarter": {"type": ["integer", "null"], "minimum": 1, "maximum": 4},
        "version": {"type": "integer", "minimum": 1}, "status": {"type": "string", "enum": REPORT_STATUSES},
        "values": {"type": "object", "additionalProperties": {"type": "number"},
                   "description": "Indicator code → figure in the indicator's own unit"},
        "prefilled": {"type": "object", "description": "What the platform holds, by indicator code",
                      "additionalProperties": {"type": "object", "required": ["value", "source"], "properties": {
                          "value": {"type": ["number", "null"]}, "source": NULLABLE_STRING}}},
        "review_comment": NULLABLE_STRING, "submitted_at": _NULLABLE_TIME, "reviewed_at": _NULLABLE_TIME,
        "previous_id": {"type": ["integer", "null"], "description": "The version this one corrects"},
        "superseded_at": {**_NULLABLE_TIME, "description": "When a later accepted version replaced it"},
        "locked": {"type": "boolean", "description": "Submitted or accepted: no edits"},
        "current": {"type": "boolean", "description": "The accepted version that counts"},
        "created_at": UTC_TIME, "updated_at": UTC_TIME,
        "history": {"type": "array", "items": _ref("StatusChange")}}},
    "EvaluationRow": {"type": "object", "required": ["code", "value", "target", "met", "consecutive_misses"],
                      "properties": {
        "code": {"type": "string"}, "unit": {"type": "string", "enum": INDICATOR_UNITS},
        "value": {"type": ["number", "null"], "description": "The accepted annual figure"},
        "compared": {"type": ["number", "null"], "description": "What is compared: the figure, or the running "
                                                                "total for a cumulative target"},
        "target": {"type": ["number", "null"], "description": "The year's target (a milestone within a span)"},
        "met": {"type": ["boolean", "null"], "description": "null: no target, or no figure"},
        "consecutive_misses": {"type": "integer", "minimum": 0},
        "target_span": {"type": ["string", "null"]}, "cumulative": {"type": ["boolean", "null"]},
        "target_rule": {"type": ["object", "null"], "description": "The plan's target behind the year's: its span, "
                        "baseline, target, whether cumulative, final (the span's last year) or milestone, source",
                        "properties": {
            "start_year": {"type": "integer"}, "end_year": {"type": "integer"},
            "baseline": {"type": ["number", "null"]}, "target": {"type": "number"},
            "cumulative": {"type": "boolean"}, "kind": {"type": "string", "enum": ["final", "milestone"]},
            "source": {"type": ["string", "null"]}}}}},
    "Evaluation": {"type": "object", "required": ["organisation", "year", "indicators", "summary"], "properties": {
        "organisation": _ref("OrganisationRef"), "year": {"type": "integer"},
        "level": {"type": "string", "enum": ["base", "incubator"]}, "has_report": {"type": "boolean"},
        "indicators": {"type": "array", "items": _ref("EvaluationRow")},
        "summary": {"type": "object", "properties": {
            "met": {"type": "integer"}, "not_met": {"type": "integer"}, "no_target": {"type": "integer"},
            "no_figure": {"type": "integer"}, "missed_twice": {"type": "array", "items": {"type": "string"}}}}}},
})


def _report_step(operation: str, summary: str, description: str, status: str = "200", body: str | None = None,
                 errors: dict | None = None) -> dict:
    operation_doc = {"operationId": operation, "tags": ["reports"], "summary": summary, "parameters": _ONE_REPORT,
                     "responses": {status: _json(description, _ref("Report")), **(errors or _REPORT_STATE)}}
    if body:
        operation_doc["requestBody"] = _body(body)
    return {"post": operation_doc}


PATHS.update({
    "/indicators": {"get": {
        "operationId": "listIndicators", "tags": ["reports"], "security": [{}, {"bearer": []}],
        "summary": "The indicator definitions (code, level, unit, names) and the targets the organisations' own "
                   "plans publish, per organisation and span of years",
        "responses": {"200": _json("Definitions and targets", _ref("Indicators"))}}},
    "/organisations/{id}/reports": {
        "get": {"operationId": "listOrganisationReports", "tags": ["reports"],
                "summary": "The organisation's indicator reports, latest period and version first (its members, "
                           "admins; others 403)",
                "parameters": [_path_id(description="The organisation's id"), *PAGE_PARAMS, ACCEPT_LANGUAGE],
                "responses": {"200": _json("A page of reports (without history)", _page_of("Report")),
                              **_error_responses(400, 401, 403, 404)}},
        "post": {"operationId": "createOrganisationReport", "tags": ["reports"],
                 "summary": "File a report (a draft) for a period: approved members of the reporting organisation, "
                            "its administrators",
                 "parameters": [_path_id(description="The organisation's id"), ACCEPT_LANGUAGE],
                 "requestBody": _body("ReportInput"),
                 "responses": {"201": _json("The new draft, its prefilled figures marked with their source",
                                            _ref("Report")),
                               **_error_responses(400, 401, 403, 404),
                               "409": {**_error_responses(409)["409"],
                                       "description": "A report of this period is already open, or accepted"}}}},
    "/reports/{id}": {
        "get": {"operationId": "getReport", "tags": ["reports"],
                "summary": "One report version with its history (members of the organisation, admins; others 404)",
                "parameters": _ONE_REPORT,
                "responses": {"200": _json("The report", _ref("Report")), **_error_responses(401, 404)}},
        "patch": {"operationId": "updateReport", "tags": ["reports"],
                  "summary": "Change the figures of a draft or returned report (filers)", "parameters": _ONE_REPORT,
                  "requestBody": _body("ReportUpdate"),
                  "responses": {"200": _json("The report", _ref("Report")), **_REPORT_STATE}}},
    "/reports/{id}/submit": _report_step(
        "submitReport", "Draft or returned → submitted (filers); the parent base's admins are told",
        "The submitted report (locked)"),
    "/reports/{id}/review": _report_step(
        "reviewReport", "Accept (locks it; an older accepted version is superseded) or return with a comment: "
                        "admins of the parent base, or of the network", "The reviewed report", body="ReportReview"),
    "/reports/{id}/revise": _report_step(
        "reviseReport", "Correct the accepted version in force: a new draft version with its figures (the "
                        "accepted one counts until the new one is accepted)", "The new draft version", status="201"),
    "/reports/{id}/export": {"get": {
        "operationId": "exportReport", "tags": ["reports"],
        "summary": "The report in the bases' layout, Chinese headers and units (CSV: UTF-8 with a BOM)",
        "parameters": [*_ONE_REPORT, _query("format", "xlsx (default) or csv",
                                           {"type": "string", "enum": ["xlsx", "csv"], "default": "xlsx"})],
        "responses": {"200": {"description": "The file", "content": {
            _XLSX: {"schema": {"type": "string", "format": "binary"}}, _CSV: {"schema": {"type": "string"}}}},
            **_error_responses(400, 401, 404)}}},
    "/evaluations": {"get": {
        "operationId": "listEvaluations", "tags": ["reports"],
        "summary": "The annual evaluation (年度绩效考评, admins): per reporting organisation each indicator's "
                   "accepted figure against its target, met, and the consecutive missed years",
        "parameters": [_query("year", "The year, 2000–2100 (required)",
                              {"type": "integer", "minimum": 2000, "maximum": 2100}) | {"required": True},
                       _query("format", "json (default), xlsx (one sheet per level, Chinese headers) or csv "
                                        "(UTF-8 with a BOM)",
                              {"type": "string", "enum": ["json", "xlsx", "csv"], "default": "json"}),
                       ACCEPT_LANGUAGE],
        "responses": {"200": {"description": "The evaluation, or its export", "content": {
            "application/json": {"schema": {"type": "object", "required": ["year", "items"], "properties": {
                "year": {"type": "integer"}, "items": {"type": "array", "items": _ref("Evaluation")}}}},
            _XLSX: {"schema": {"type": "string", "format": "binary"}}, _CSV: {"schema": {"type": "string"}}}},
            **_error_responses(400, 401, 403)}}},
})


# --- landing records and contracts (collab/api/landings.py) ---------------------------------

CONTRACT_TYPES = ["technology_transfer", "technology_development", "technology_service", "technology_consulting",
                  "investment", "other"]
_DAY = {"type": "string", "format": "date", "description": "A Beijing-time date, YYYY-MM-DD"}
_MONEY = {"type": "integer", "minimum": 0, "maximum": 10**13, "description": "Yuan (元)"}
_LANDING_ORG = {"oneOf": [_ref("OrganisationRef"), {"type": "null"}]}

SCHEMAS.update({
    "LandingInput": {"type": "object", "required": ["city", "base_id", "landed_on", "company_name",
                                                    "investment_cny", "jobs"], "properties": {
        "city": {"type": "string", "enum": NEED_LOCATIONS, "description": "Where in Xinjiang (the needs' location keys)"},
        "base_id": {"type": "integer", "description": "The receiving base: an approved organisation of kind xinjiang_base"},
        "landed_on": {**_DAY, "description": "Not in the future, not before the project was published (Beijing dates)"},
        "company_name": {"type": "string", "minLength": 1, "maxLength": 200,
                         "description": "The company registered in Xinjiang. " + _PLAIN},
        "investment_cny": {**_MONEY, "description": "Planned investment in yuan (元)"},
        "jobs": {"type": "integer", "minimum": 0, "maximum": 10**6, "description": "Planned jobs"}}},
    "LandingPatch": {"type": "object", "description": (
        "Any subset of the landing's fields (LandingInput); the result is checked whole. Errors name the "
        "fields as in the body (city, base_id…)."), "properties": {
        "city": {"type": "string", "enum": NEED_LOCATIONS}, "base_id": {"type": "integer"}, "landed_on": _DAY,
        "company_name": {"type": "string", "maxLength": 200}, "investment_cny": _MONEY,
        "jobs": {"type": "integer", "minimum": 0, "maximum": 10**6}}},
    "Landing": {"type": "object", "required": [
        "id", "city", "base_id", "base", "via_id", "via", "landed_on", "company_name", "investment_cny", "jobs",
        "status", "review_note", "reviewed_at", "created_at", "updated_at"], "properties": {
        "id": {"type": "integer"}, "city": {"type": "string", "enum": NEED_LOCATIONS},
        "base_id": {"type": ["integer", "null"]}, "base": _LANDING_ORG,
        "via_id": {"type": ["integer", "null"], "description": "The project's organisation when it landed"},
        "via": _LANDING_ORG, "landed_on": _DAY, "company_name": {"type": "string"},
        "investment_cny": {"type": "integer", "minimum": 0}, "jobs": {"type": "integer", "minimum": 0},
        "status": {"type": "string", "enum": ["pending", "confirmed", "questioned"],
                   "description": "Only confirmed landings count in reports"},
        "review_note": NULLABLE_STRING, "reviewed_at": _NULLABLE_TIME, "created_at": UTC_TIME,
        "updated_at": UTC_TIME}},
    "LandingReview": {"type": "object", "properties": {
        "note": _text(1000, "To the owner; required to question")}},
    "ContractInput": {"type": "object", "required": ["contract_type", "contract_value_cny", "signed_on"],
                      "properties": {
        "contract_type": {"type": "string", "enum": CONTRACT_TYPES},
        "contract_value_cny": _MONEY,
        "signed_on": {**_DAY, "description": "Not in the future, not before the introduction began (Beijing dates)"}}},
    "Contract": {"type": "object", "required": ["contract_type", "contract_value_cny", "signed_on", "recorded_by_id",
                                                "confirmed", "confirmed_by_id", "confirmed_at"], "properties": {
        "contract_type": {"type": "string", "enum": CONTRACT_TYPES},
        "contract_value_cny": {"type": "integer", "minimum": 0}, "signed_on": _DAY,
        "recorded_by_id": {"type": ["integer", "null"], "description": "The party who recorded it"},
        "confirmed": {"type": "boolean", "description": "Confirmed by the other party; only these count in reports"},
        "confirmed_by_id": {"type": ["integer", "null"]}, "confirmed_at": _NULLABLE_TIME}},
})

_LANDING_ERRORS = {
    **_error_responses(401),
    "403": {**_error_responses(403)["403"], "description": "Not an administrator of the receiving base "
                                                          "(or of the network)"},
    "404": {**_error_responses(404)["404"], "description": "No such project for the caller, or no landing"},
    "409": {**_error_responses(409)["409"], "description": "The landing has already been answered"},
}


def _landing_review(operation_id: str, summary: str) -> dict:
    return {"post": {
        "operationId": operation_id, "tags": ["projects"], "summary": summary,
        "parameters": [_path_id(), ACCEPT_LANGUAGE],
        "requestBody": {"required": False, "content": {"application/json": {"schema": _ref("LandingReview")}}},
        "responses": {"200": _json("The landing, answered; the owner is told", _ref("Landing")),
                      **_error_responses(400), **_LANDING_ERRORS}}}


PATHS.update({
    "/projects/{id}/landing": {"patch": {
        "operationId": "updateLanding", "tags": ["projects"],
        "summary": "Correct a pending or questioned landing (owner, admin); it awaits the base's confirmation again",
        "parameters": [_path_id(), ACCEPT_LANGUAGE], "requestBody": _body("LandingPatch"),
        "responses": {"200": _json("The corrected landing, pending", _ref("Landing")),
                      **_error_responses(400, 401, 403, 404),
                      "409": {**_error_responses(409)["409"], "description": "The base confirmed it already"}}}},
    "/projects/{id}/landing/confirm": _landing_review(
        "confirmLanding", "The receiving base's administrator confirms the landing (optional note)"),
    "/projects/{id}/landing/question": _landing_review(
        "questionLanding", "The receiving base's administrator questions the landing (a note is required)"),
    "/introductions/{id}/agreement_signed": {"post": {
        "operationId": "signIntroduction", "tags": ["matching"],
        "summary": "Agreement signed, with its contract (either party); the other party is asked to confirm it",
        "parameters": [_path_id(), ACCEPT_LANGUAGE], "requestBody": _body("ContractInput"),
        "responses": {"200": _json("The signed introduction with its contract", _ref("Introduction")),
                      "400": {**_error_responses(400)["400"], "description": "A field missing or wrong; nothing saved"},
                      **_error_responses(401),
                      "403": {**_error_responses(403)["403"], "description": "Not a party"},
                      **_error_responses(404),
                      "409": {**_error_responses(409)["409"], "description": "Not accepted yet, or signed already"}}}},
    "/introductions/{id}/contract/confirm": {"post": {
        "operationId": "confirmContract", "tags": ["matching"],
        "summary": "The other party confirms the recorded contract (once); the recorder is told",
        "parameters": [_path_id(), ACCEPT_LANGUAGE],
        "responses": {"200": _json("The introduction, its contract confirmed", _ref("Introduction")),
                      **_error_responses(401),
                      "403": {**_error_responses(403)["403"], "description": "Not a party, or the recorder"},
                      **_error_responses(404),
                      "409": {**_error_responses(409)["409"], "description": "No contract, or confirmed already"}}}},
})


def openapi_document() -> dict:
    """The whole document; features add their paths to PATHS and SCHEMAS."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Collab API", "version": "1",
                 "description": "JSON API of Collab, the Xinjiang offshore-incubation platform. "
                                "Authenticate with POST /tokens and send Authorization: Bearer <token>. "
                                "Errors: {error: {code, message, fields}}; messages follow Accept-Language. "
                                "Lists: ?page=1&per_page=20 (at most 100) -> {items, page, per_page, total}. "
                                "Times are ISO 8601; responses give them in UTC (Z)."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "tags": [{"name": "auth"}, {"name": "reference"}, {"name": "organisations"}, {"name": "reports"}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                       "headers": {"RetryAfter": {"description": "Seconds to wait before trying again",
                                                  "schema": {"type": "integer"}}},
                       "schemas": deepcopy(SCHEMAS)},
        "paths": deepcopy(PATHS),
    }
