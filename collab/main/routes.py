"""Home, language redirect and health check."""
from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, url_for
from sqlalchemy import text

from ..auth.membership import live_counts
from ..events import services as events
from ..extensions import db
from ..i18n import preferred_lang
from ..orgs.services import network_overview

bp = Blueprint("main", __name__)
HOME_EVENTS = 4  # the next published events the home page shows


@bp.get("/")
def root():
    """Send a visitor to their language: remembered choice, profile, then browser."""
    return redirect(url_for("main.home", lang=preferred_lang()))


@bp.get("/<lang:lang>/")
def home():
    """离岸不离疆 explained, the next events, the network, and live counts."""
    return render_template("home.html", network=network_overview(), counts=live_counts(),
                           events=events.upcoming(limit=HOME_EVENTS))


@bp.get("/healthz")
def healthz():
    """200 when the database answers, 503 otherwise (for load balancers)."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        db.session.rollback()
        return jsonify(status="unavailable", database="down"), 503
    return jsonify(status="ok", database="up")
