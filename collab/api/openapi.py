"""The OpenAPI 3 document for /api/v1 (kept next to the routes it describes)."""
from __future__ import annotations

from copy import deepcopy


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _error_responses(*codes: int) -> dict:
    text = {400: "Bad input", 401: "No or bad token", 403: "Not allowed", 404: "Absent or not visible",
            409: "Conflict", 429: "Rate limited", 503: "Database unavailable"}
    return {str(c): {"description": text[c], "content": {"application/json": {"schema": _ref("Error")}}} for c in codes}


def _page_of(schema: str) -> dict:
    return {"type": "object", "required": ["items", "page", "per_page", "total"], "properties": {
        "items": {"type": "array", "items": _ref(schema)},
        "page": {"type": "integer"}, "per_page": {"type": "integer"}, "total": {"type": "integer"}}}


PAGE_PARAMS = [
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 1}},
    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}},
]

NULLABLE_STRING = {"type": ["string", "null"]}

SCHEMAS = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message"], "properties": {
            "code": {"type": "string"}, "message": {"type": "string"},
            "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}}}}}},
    "TokenRequest": {"type": "object", "required": ["email", "password"], "properties": {
        "email": {"type": "string", "format": "email"}, "password": {"type": "string"},
        "label": {"type": "string"}}},
    "Token": {"type": "object", "required": ["token", "expires_at"], "properties": {
        "token": {"type": "string"}, "expires_at": {"type": "string", "format": "date-time"}}},
    "Me": {"type": "object", "required": ["id", "email", "roles", "organisation", "locale", "timezone"], "properties": {
        "id": {"type": "integer"}, "email": {"type": "string"}, "display_name": {"type": "string"},
        "roles": {"type": "array", "items": {"type": "string", "enum": ["enterprise", "center", "mentor", "admin"]}},
        "organisation": {"type": ["object", "null"]}, "membership_status": {"type": "string"},
        "can_publish": {"type": "boolean"}, "locale": {"type": "string", "enum": ["zh", "en"]},
        "timezone": {"type": "string"}, "mentor_id": {"type": ["integer", "null"]}}},
    "Sector": {"type": "object", "required": ["code", "name_zh", "name_en"], "properties": {
        "code": {"type": "string"}, "name_zh": {"type": "string"}, "name_en": {"type": "string"},
        "keywords_zh": {"type": "array", "items": {"type": "string"}},
        "keywords_en": {"type": "array", "items": {"type": "string"}}}},
    "Organisation": {"type": "object", "required": ["id", "key", "kind", "name_zh", "name_en", "country"], "properties": {
        "id": {"type": "integer"}, "key": {"type": "string"},
        "kind": {"type": "string", "enum": ["xinjiang_base", "offshore_incubator", "international_partner",
                                             "enterprise", "university", "investor"]},
        "status": {"type": "string"}, "name_zh": NULLABLE_STRING, "name_en": NULLABLE_STRING,
        "city_zh": NULLABLE_STRING, "city_en": NULLABLE_STRING, "country": {"type": "string"},
        "timezone": {"type": "string"}, "description_zh": NULLABLE_STRING, "description_en": NULLABLE_STRING,
        "website": NULLABLE_STRING, "facts": {"type": "object"}, "parent_id": {"type": ["integer", "null"]}}},
}

PATHS = {
    "/tokens": {"post": {
        "summary": "Log in and get a bearer token", "security": [],
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("TokenRequest")}}},
        "responses": {"201": {"description": "Token issued", "content": {"application/json": {"schema": _ref("Token")}}},
                      **_error_responses(400, 401, 429)}}},
    "/me": {"get": {
        "summary": "The caller", "responses": {
            "200": {"description": "The caller", "content": {"application/json": {"schema": _ref("Me")}}},
            **_error_responses(401)}}},
    "/sectors": {"get": {
        "summary": "The sector taxonomy", "security": [], "responses": {
            "200": {"description": "All sectors", "content": {"application/json": {"schema": _page_of("Sector")}}}}}},
    "/organisations": {"get": {
        "summary": "Approved organisations", "security": [],
        "parameters": [*PAGE_PARAMS,
                       {"name": "kind", "in": "query", "schema": {"type": "string"}},
                       {"name": "city", "in": "query", "schema": {"type": "string"}},
                       {"name": "country", "in": "query", "schema": {"type": "string"}},
                       {"name": "q", "in": "query", "schema": {"type": "string"}}],
        "responses": {"200": {"description": "A page of organisations",
                              "content": {"application/json": {"schema": _page_of("Organisation")}}},
                      **_error_responses(400)}}},
    "/organisations/{id}": {"get": {
        "summary": "One organisation", "security": [],
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "The organisation",
                              "content": {"application/json": {"schema": _ref("Organisation")}}},
                      **_error_responses(404)}}},
    "/openapi.json": {"get": {"summary": "This document", "security": [],
                              "responses": {"200": {"description": "OpenAPI 3.1 document"}}}},
}


def openapi_document() -> dict:
    """The whole document; features add their paths to PATHS and SCHEMAS."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Collab API", "version": "1",
                 "description": "JSON API of Collab, the Xinjiang offshore-incubation platform. "
                                "Errors: {error: {code, message, fields}}; messages follow Accept-Language."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                       "schemas": deepcopy(SCHEMAS)},
        "paths": deepcopy(PATHS),
    }
