"""Imports every feature's models so Alembic and the app see the whole schema, and
every content kind so the registry (collab/content/kinds.py) knows them."""
from .audit import AuditEntry  # noqa: F401
from .auth.models import ApiToken, User  # noqa: F401
from .mail.models import OutboxMessage  # noqa: F401
from .orgs.models import Indicator, IndicatorTarget, Organisation, Sector  # noqa: F401
from .content.models import StatusChange  # noqa: F401
from .needs.models import Need  # noqa: F401
from .notifications.models import Notification  # noqa: F401
from .projects.models import Landing, Project, ProjectAttachment  # noqa: F401
from .mentors.models import Booking, MentorException, MentorProfile, MentorWindow  # noqa: F401
from .matching.models import DigestSend, Introduction, Match, MatchPreference  # noqa: F401
from .events.models import Event, Meeting, Registration, Wish  # noqa: F401
from .reports.models import Report  # noqa: F401
from .projects.kind import PROJECTS  # noqa: F401,E402
from .needs.kind import NEEDS  # noqa: F401,E402
from .events.kind import EVENTS  # noqa: F401,E402
