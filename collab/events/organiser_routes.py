"""Organisers' pages of an event: the attendee list, its CSV and XLSX exports, attendance
and messages to all registrants."""
from __future__ import annotations

from .routes import bp  # noqa: F401
