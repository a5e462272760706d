"""Collab: the bilingual platform of the Xinjiang offshore-incubation network."""
from __future__ import annotations

from flask import Flask

from .config import load_config


def create_app(config: dict | None = None) -> Flask:
    """Build the application; read this as the table of contents of Collab."""
    app = Flask(__name__, instance_relative_config=True)
    load_config(app, config)
    configure_logging(app)
    configure_extensions(app)
    configure_database(app)
    configure_unit_of_work(app)
    configure_translations(app)
    configure_i18n(app)
    configure_login(app)
    configure_security(app)
    configure_templates(app)
    configure_url_ids(app)
    configure_blueprints(app)
    configure_subscribers(app)
    configure_errors(app)
    configure_cli(app)
    configure_scheduler(app)
    return app


def configure_logging(app: Flask) -> None:
    from .logs import setup_logging

    setup_logging(app)


def configure_extensions(app: Flask) -> None:
    from .extensions import bootstrap, csrf, db, limiter, mail, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(_project_root() / "migrations"), compare_type=True,
                     render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    mail.init_app(app)
    bootstrap.init_app(app)


def configure_database(app: Flask) -> None:
    from . import models  # noqa: F401  (registers every model on the metadata)
    from .db import configure_sqlite

    configure_sqlite(app)


def configure_unit_of_work(app: Flask) -> None:
    from .unit_of_work import setup_unit_of_work

    setup_unit_of_work(app)


def configure_translations(app: Flask) -> None:
    from .translations import compile_if_stale

    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(_project_root() / "translations"))
    compile_if_stale(app.config["BABEL_TRANSLATION_DIRECTORIES"])


def configure_i18n(app: Flask) -> None:
    from .i18n import configure_i18n as setup

    setup(app)


def configure_login(app: Flask) -> None:
    from .auth.sessions import setup_login

    setup_login(app)


def configure_security(app: Flask) -> None:
    from .security import setup_security

    setup_security(app)


def configure_templates(app: Flask) -> None:
    from .templating import setup_templates

    setup_templates(app)


def configure_url_ids(app: Flask) -> None:
    """``<int:…>`` in every route reads a number larger than any primary key as 0, an id
    nothing has: the view answers 404 (not a database error, and not the 405 of another
    rule matching the path)."""
    from werkzeug.routing import IntegerConverter

    from .db import MAX_ID

    class IdConverter(IntegerConverter):
        def to_python(self, value: str) -> int:
            number = super().to_python(value)
            return number if number <= MAX_ID else 0

    app.url_map.converters["int"] = IdConverter


def configure_blueprints(app: Flask) -> None:
    from .admin.routes import bp as admin_bp
    from .api import bp as api_bp
    from .auth.routes import bp as auth_bp
    from .main.routes import bp as main_bp
    from .mentors.routes import bp as mentors_bp
    from .matching.routes import bp as matching_bp
    from .events.routes import bp as events_bp
    from .needs.routes import bp as needs_bp
    from .orgs.routes import bp as orgs_bp
    from .projects.routes import bp as projects_bp
    from .reports.routes import bp as reports_bp
    from .workspace.routes import bp as workspace_bp

    for blueprint in (main_bp, auth_bp, orgs_bp, projects_bp, needs_bp, events_bp, matching_bp, workspace_bp, mentors_bp, reports_bp, admin_bp,
                      api_bp):
        app.register_blueprint(blueprint)


def configure_subscribers(app: Flask) -> None:
    from .subscribers import connect_subscribers

    connect_subscribers()


def configure_errors(app: Flask) -> None:
    from .errors import register_error_handlers

    register_error_handlers(app)


def configure_cli(app: Flask) -> None:
    from .cli import register_commands

    register_commands(app)


def configure_scheduler(app: Flask) -> None:
    from .jobs import start_in_dev_server

    start_in_dev_server(app)


def _project_root():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent
