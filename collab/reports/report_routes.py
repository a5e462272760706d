"""Indicator reports: list, file, edit, submit, review, correct, export."""
from __future__ import annotations

from .routes import bp  # noqa: F401
