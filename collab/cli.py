"""Flask commands: accounts, demo data, translations, the scheduler, backups. Each
command runs as one unit of work (see ``register_commands``): it commits when the
command returns and rolls back when it fails, so no command body commits."""
from __future__ import annotations

import functools
import getpass
import subprocess
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, ScriptInfo, with_appcontext

from .extensions import db
from .unit_of_work import unit_of_work


def main() -> None:
    """The ``collab`` console script: the same as ``flask --app collab``."""
    from . import create_app

    FlaskGroup(create_app=create_app, help="Collab: run and operate the platform.")(prog_name="collab")


def _password(given: str | None) -> str:
    """The password from --password or the terminal, as strong as the sign-up form asks."""
    from .auth.services import password_problem

    if given:
        password = given
    else:
        if not sys.stdin.isatty():
            raise click.UsageError("give --password when not on a terminal")
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Repeat: "):
            raise click.UsageError("the passwords do not match")
    problem = password_problem(password)
    if problem:
        raise click.BadParameter(problem, param_hint="--password")
    return password


def _check_email(email: str) -> None:
    """Refuse an address the sign-up form would refuse (the account needs its reset e-mails)."""
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as error:
        raise click.BadParameter(f"not a valid e-mail address: {error}", param_hint="EMAIL") from None


@click.command("create-admin")
@click.argument("email")
@click.option("--password")
@click.option("--name")
@with_appcontext
def create_admin(email: str, password: str | None, name: str | None) -> None:
    """Create a base administrator."""
    from .auth.services import AccountError, create_user

    _check_email(email)
    try:
        user = create_user(email=email, password=_password(password), role="admin", display_name=name)
    except AccountError as error:
        raise click.ClickException(str(error.message)) from None
    click.echo(f"admin {user.email} created (id {user.id})")


@click.command("create-user")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(["enterprise", "center", "mentor", "admin"]))
@click.option("--org", "org_key", help="organisation key, e.g. shenzhen-offshore")
@click.option("--password")
@click.option("--name")
@click.option("--locale", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("--timezone", "tz", default="Asia/Shanghai", show_default=True)
@with_appcontext
def create_user_command(email, role, org_key, password, name, locale, tz) -> None:
    """Create an already-approved member (onboarding a batch)."""
    from sqlalchemy import select

    from .auth.services import AccountError, create_user
    from .i18n import is_valid_timezone
    from .orgs.models import Organisation

    _check_email(email)
    if not is_valid_timezone(tz):
        raise click.BadParameter(f"unknown time zone {tz!r}", param_hint="--timezone")
    org = None
    if org_key:
        org = db.session.scalar(select(Organisation).where(Organisation.key == org_key))
        if org is None:
            raise click.BadParameter(f"no organisation with key {org_key!r}", param_hint="--org")
    try:
        user = create_user(email=email, password=_password(password), role=role, display_name=name,
                           locale=locale, timezone=tz, organisation=org)
    except AccountError as error:
        raise click.ClickException(str(error.message)) from None
    click.echo(f"{role} {user.email} created (id {user.id})")


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="only when the database has no users yet")
@with_appcontext
def demo(if_empty: bool) -> None:
    """Load reference data and demo accounts (idempotent)."""
    from .demo import database_is_empty, load_demo

    if if_empty and not database_is_empty():
        click.echo("database already has data; demo not loaded")
        return
    summary = load_demo()
    click.echo("demo loaded: " + ", ".join(f"{k}={v}" for k, v in summary.items()))


@click.group("translate")
def translate() -> None:
    """Extract, update and compile the message catalogs (wraps pybabel)."""


def _translations_dir() -> Path:
    return Path(current_app.config["BABEL_TRANSLATION_DIRECTORIES"])


def _pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True)


@translate.command("update")
@with_appcontext
def translate_update() -> None:
    """Extract strings into messages.pot and merge them into every catalog."""
    root = _translations_dir().parent
    pot = _translations_dir() / "messages.pot"
    _pybabel("extract", "-F", str(root / "pyproject.toml"), "-k", "_l", "--no-location", "--sort-output",
             "-o", str(pot), str(root / "collab"))
    _pybabel("update", "-i", str(pot), "-d", str(_translations_dir()), "--no-fuzzy-matching", "--ignore-obsolete")


@translate.command("compile")
@with_appcontext
def translate_compile() -> None:
    """Compile every catalog to .mo."""
    _pybabel("compile", "-d", str(_translations_dir()))


@translate.command("init")
@click.argument("locale")
@with_appcontext
def translate_init(locale: str) -> None:
    """Start a catalog for a new locale."""
    _pybabel("init", "-i", str(_translations_dir() / "messages.pot"), "-d", str(_translations_dir()), "-l", locale)


@click.command("scheduler")
@with_appcontext
def run_scheduler() -> None:
    """Run the job scheduler (production: exactly one per deployment)."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    from .jobs import add_jobs

    app = current_app._get_current_object()
    blocking = BlockingScheduler(job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
                                 timezone="UTC")
    add_jobs(app, blocking)
    click.echo(f"scheduler running {len(blocking.get_jobs())} jobs; Ctrl+C to stop")
    try:
        blocking.start()
    except (KeyboardInterrupt, SystemExit):
        pass


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup(path: Path) -> None:
    """Write a consistent copy of the database to PATH."""
    from .backup import backup_database

    kind = backup_database(current_app.config["SQLALCHEMY_DATABASE_URI"], path)
    click.echo(f"{kind} backup written to {path}")


@click.command("match-eval")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--ranking-out", type=click.Path(dir_okay=False, path_type=Path),
              help="write {need_id: [project_id, ...]} here")
def match_eval(path: Path, ranking_out: Path | None) -> None:
    """Rank a dataset's projects for its needs with the real engine and print MRR, P@5, recall@10."""
    import json

    from .matching.evaluation import evaluate_dataset

    scores, ranking = evaluate_dataset(path)
    if ranking_out:
        ranking_out.write_text(json.dumps(ranking, ensure_ascii=False))
    click.echo(json.dumps(scores))


@click.command("refresh-matches")
@with_appcontext
def refresh_matches() -> None:
    """Recompute and store the top matches of every need and project."""
    from .matching.store import refresh_all

    summary = refresh_all()
    click.echo("matches refreshed: " + ", ".join(f"{k}={v}" for k, v in summary.items()))


def register_commands(app: Flask) -> None:
    for command in (create_admin, create_user_command, demo, translate, run_scheduler, backup, match_eval,
                    refresh_matches):
        _run_in_unit_of_work(command)
        app.cli.add_command(command)


def _run_in_unit_of_work(command: click.Command) -> None:
    """Make ``command`` (each command of a group) run in the app context as one unit of
    work: committed when it returns, rolled back when it raises (a ClickException too)."""
    if isinstance(command, click.Group):
        for subcommand in command.commands.values():
            _run_in_unit_of_work(subcommand)
        return
    callback = command.callback
    if callback is None or getattr(callback, "_collab_unit_of_work", False):
        return  # already wrapped (every create_app registers the same command objects)

    @functools.wraps(callback)
    def run(*args, **kwargs):
        if not current_app:  # as with_appcontext does: the unit of work needs the app
            context = click.get_current_context()
            context.with_resource(context.ensure_object(ScriptInfo).load_app().app_context())
        with unit_of_work():
            return callback(*args, **kwargs)

    run._collab_unit_of_work = True
    command.callback = run
