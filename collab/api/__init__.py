"""The JSON API, version 1 (docs/API.md is the contract)."""
from flask import Blueprint, request, session

from ..extensions import csrf
from .errors import ApiError, api_error

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


@bp.before_request
def no_cookie_sessions():
    """The API authenticates by bearer token only: a browser cookie grants nothing here,
    which is what makes skipping CSRF safe."""
    request.environ["collab.api"] = True


@bp.after_request
def no_session_cookie(response):
    session.modified = False
    return response


@bp.errorhandler(ApiError)
def handle_api_error(error: ApiError):
    return api_error(error.status, error.code, error.message, error.fields)


from . import content, matching, routes  # noqa: E402,F401
from . import mentors  # noqa: E402,F401
from . import events  # noqa: E402,F401  (before the content API: it sets the events' hooks)
from . import landings  # noqa: E402,F401  (before the content API: it sets the projects' hooks)
from . import event_registrations  # noqa: E402,F401
from . import event_meetings  # noqa: E402,F401
from . import reports  # noqa: E402,F401  (indicators, indicator reports, evaluation)

content.register_content_api()
