"""The one-to-one meetings' pages of a matchmaking day: wishes, the schedule, moving and
cancelling meetings, and each person's agenda."""
from __future__ import annotations

from .routes import bp  # noqa: F401
