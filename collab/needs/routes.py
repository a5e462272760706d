"""Need pages: the content core's pages serve them whole."""
from __future__ import annotations

from ..content.routes import content_blueprint
from .kind import NEEDS

bp = content_blueprint(NEEDS)
