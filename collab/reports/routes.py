"""The reports pages under /<lang>/reports/: indicator reports, dashboards, evaluation.

The blueprint is defined here; report_routes.py and dashboard_routes.py add its views.
"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/<lang:lang>/reports")

from . import dashboard_routes, report_routes  # noqa: E402,F401  (their views join bp)
