"""Dashboards of the network and of each organisation, and the annual evaluation."""
from __future__ import annotations

from .routes import bp  # noqa: F401
