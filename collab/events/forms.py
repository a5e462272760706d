"""The bilingual event form, and the forms of registration, attendance, messages,
wishes and meetings."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import (BooleanField, HiddenField, IntegerField, SelectField, SelectMultipleField, StringField,
                     SubmitField, TextAreaField, widgets)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, URL, ValidationError

from ..content.forms import ContentForm, bilingual_text
from ..db import MAX_ID
from ..extensions import db
from ..forms import BaseForm, TimezoneField, is_valid_timezone, no_markup, select_choices
from .labels import EVENT_TYPE_LABELS

DESCRIPTION_REQUIRED = _l("Give the description in Chinese or English (or both).")
# Organisations that run events: the bases, the offshore incubators, the partner stations.
HOST_KINDS = ("xinjiang_base", "offshore_incubator", "international_partner")
LOCAL_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M")


def parse_local_or_aware(text: str) -> datetime:
    """A time as typed in a form (``2026-12-01T10:00``, read in the event's zone) or as
    ISO 8601 with an offset (``2026-12-01T10:00:00+06:00``, the API's form)."""
    text = text.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    for fmt in LOCAL_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            pass
    value = datetime.fromisoformat(text)  # ValueError for anything else
    if value.tzinfo is None:
        raise ValueError(text)
    return value


class MomentField(StringField):
    """A date and time: shown in the event's zone, stored as an instant.

    ``data`` is an aware datetime when the input carried an offset, else a naive one
    in the zone the form names (``EventForm.to_utc`` makes it an instant)."""

    widget = widgets.DateTimeLocalInput()

    def process_formdata(self, valuelist) -> None:
        self.data = None
        if valuelist and valuelist[0].strip():
            try:
                self.data = parse_local_or_aware(valuelist[0])
            except (ValueError, OverflowError):
                self.data = None
                raise ValueError(_l("Give a date and time, such as 2026-12-01 10:00."))

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if isinstance(self.data, datetime):
            return self.data.strftime("%Y-%m-%dT%H:%M")
        return ""


class FeaturedField(SelectMultipleField):
    """Ids of published projects (or needs); checked against the database, not the
    options shown (which are only the newest and the suggested)."""

    def __init__(self, label, model_name: str, **kwargs):
        super().__init__(label, coerce=int, **kwargs)
        self.model_name = model_name

    def process_formdata(self, valuelist) -> None:
        try:
            self.data = list(dict.fromkeys(int(v) for v in valuelist if str(v).strip()))
        except ValueError:
            self.data = []
            raise ValueError(_l("Choose items from the list."))

    def pre_validate(self, form) -> None:
        """The published ones are checked in ``validate_featured``."""


def _published_ids(model_name: str, ids: list[int]) -> set[int]:
    from ..content.kinds import kind_named

    kind = kind_named(model_name)
    model = kind.model
    # Members-only and anonymous needs are not featured to a public audience.
    where = [model.id.in_(ids), model.status.in_(kind.listed)]
    if hasattr(model, "visibility"):
        where.append(model.visibility == "public")
    return set(db.session.scalars(select(model.id).where(*where)))


def validate_featured(form, field) -> None:
    ids = [i for i in field.data or [] if 0 < i <= MAX_ID]
    found = _published_ids(field.model_name, ids) if ids else set()
    unknown = [str(i) for i in field.data or [] if i not in found]
    if unknown:
        if field.model_name == "project":
            raise ValidationError(_l("Only published projects can be featured: %(ids)s.", ids=", ".join(unknown)[:100]))
        raise ValidationError(_l("Only open public needs can be featured: %(ids)s.", ids=", ".join(unknown)[:100]))


FEATURED_OPTIONS = 300


def featured_options(kind_name: str, selected) -> list[tuple[int, str]]:
    """The published items an organiser picks from: the selected ones, then the newest."""
    from ..content.kinds import kind_named
    from ..i18n import localized_text

    kind = kind_named(kind_name)
    model = kind.model
    where = [model.status.in_(kind.listed)]
    if hasattr(model, "visibility"):
        where.append(model.visibility == "public")
    items = list(db.session.scalars(select(model).where(*where).order_by(model.published_at.desc().nulls_last(),
                                                                         model.id.desc()).limit(FEATURED_OPTIONS)))
    selected = [i for i in selected or [] if isinstance(i, int) and 0 < i <= MAX_ID]
    known = {item.id for item in items}
    missing = [i for i in selected if i not in known]
    if missing:
        items = list(db.session.scalars(select(model).where(model.id.in_(missing), *where))) + items
    return [(item.id, localized_text(item, "title")) for item in items]


def host_choices(user) -> list[tuple[int, str]]:
    """Where ``user`` may host an event: any approved host organisation for admins, their
    own organisation for its approved staff."""
    from ..i18n import localized_text
    from ..orgs.models import Organisation

    if user is None or not user.is_authenticated:
        return []
    statement = select(Organisation).where(Organisation.status == "approved", Organisation.kind.in_(HOST_KINDS))
    if not user.is_admin:
        statement = statement.where(Organisation.id == user.organisation_id)
    return [(org.id, localized_text(org, "name")) for org in db.session.scalars(statement.order_by(Organisation.id))]


class HostField(SelectField):
    def pre_validate(self, form) -> None:
        if self.data not in {choice.value for choice in self.choices or ()}:
            raise ValidationError(_l("Choose the host organisation."))


class EventForm(ContentForm):
    type = SelectField(_l("Type of event"), choices=select_choices(EVENT_TYPE_LABELS), validators=[DataRequired()])
    description_zh, description_en = bilingual_text("description", _l("Description (中文)"),
                                                    _l("Description (English)"), DESCRIPTION_REQUIRED)
    organisation_id = HostField(_l("Host organisation"), coerce=int,
                                  validators=[InputRequired(message=_l("Choose the host organisation."))])
    timezone = TimezoneField(_l("The event's time zone"), default="Asia/Urumqi")
    starts_at = MomentField(_l("Starts"), validators=[InputRequired(message=_l("Give the start as a date and time."))])
    ends_at = MomentField(_l("Ends"), validators=[InputRequired(message=_l("Give the end as a date and time."))])
    registration_deadline = MomentField(_l("Registration closes (optional: at the start)"))
    place_zh = StringField(_l("Place (中文)"), validators=[Length(max=200), no_markup])
    place_en = StringField(_l("Place (English)"), validators=[Length(max=200), no_markup])
    online_url = StringField(_l("Online link (optional)"), validators=[
        Optional(), Length(max=300), URL(message=_l("Enter a full web address starting with http:// or https://."))])
    capacity = IntegerField(_l("Places"), validators=[
        InputRequired(message=_l("Give the number of places.")),
        NumberRange(min=1, max=100_000, message=_l("Give between 1 and 100,000 places."))])
    meeting_minutes = IntegerField(_l("Length of a one-to-one meeting (minutes)"), default=20, validators=[
        Optional(), NumberRange(min=5, max=240, message=_l("A meeting lasts between 5 and 240 minutes."))])
    tables = IntegerField(_l("Tables for one-to-one meetings (0: none)"), default=0, validators=[
        Optional(), NumberRange(min=0, max=500, message=_l("Give between 0 and 500 tables."))])
    featured_project_ids = FeaturedField(_l("Featured projects"), "project", validators=[validate_featured])
    featured_need_ids = FeaturedField(_l("Featured needs"), "need", validators=[validate_featured])
    submit_for_review = SubmitField(_l("Save and publish"))

    FIELDS = ("type", "title_zh", "title_en", "description_zh", "description_en", "organisation_id", "timezone",
              "starts_at", "ends_at", "registration_deadline", "place_zh", "place_en", "online_url", "capacity",
              "meeting_minutes", "tables", "featured_project_ids", "featured_need_ids")

    def __init__(self, *args, obj=None, **kwargs):
        super().__init__(*args, obj=obj, **kwargs)
        self.organisation_id.choices = select_choices(host_choices(current_user))
        if self.organisation_id.data is None and current_user.is_authenticated:
            self.organisation_id.data = current_user.organisation_id
        self.featured_project_ids.choices = select_choices(featured_options("project", self.featured_project_ids.data))
        self.featured_need_ids.choices = select_choices(featured_options("need", self.featured_need_ids.data))
        if obj is not None and not self.is_submitted():
            # Shown as the event's wall-clock times, in its own zone.
            zone = ZoneInfo(obj.timezone)
            for name in ("starts_at", "ends_at", "registration_deadline"):
                value = getattr(obj, name)
                if value is not None:
                    getattr(self, name).data = value.astimezone(zone).replace(tzinfo=None)

    def to_utc(self, value: datetime | None) -> datetime | None:
        """An input time as an instant: naive ones are wall-clock times in the event's zone."""
        if value is None:
            return None
        if value.tzinfo is None:
            zone = self.timezone.data if is_valid_timezone(self.timezone.data or "") else "UTC"
            value = value.replace(tzinfo=ZoneInfo(zone))
        return value.astimezone(timezone.utc)

    def validate_ends_at(self, field) -> None:
        start, end = self.to_utc(self.starts_at.data), self.to_utc(field.data)
        if start is not None and end is not None and end <= start:
            raise ValidationError(_l("The end must come after the start."))

    def validate_registration_deadline(self, field) -> None:
        start, deadline = self.to_utc(self.starts_at.data), self.to_utc(field.data)
        if start is not None and deadline is not None and deadline > start:
            raise ValidationError(_l("Registration must close before the event starts."))

    def data_for_model(self) -> dict:
        data = super().data_for_model()
        for name in ("starts_at", "ends_at", "registration_deadline"):
            data[name] = self.to_utc(data[name])
        data["registration_deadline"] = data["registration_deadline"] or data["starts_at"]
        data["meeting_minutes"] = data["meeting_minutes"] or 20
        data["tables"] = data["tables"] or 0
        data["online_url"] = data["online_url"] or None
        return data


class MessageForm(BaseForm):
    subject = StringField(_l("Subject"), validators=[DataRequired(message=_l("Give the message a subject.")),
                                                     Length(max=150), no_markup])
    body = TextAreaField(_l("Message"), validators=[DataRequired(message=_l("Write the message.")),
                                                    Length(max=5000), no_markup])
    include_waitlist = BooleanField(_l("Also send to the waiting list"))
    submit = SubmitField(_l("Send to all registrants"))


class AttendanceForm(BaseForm):
    registration_id = HiddenField(validators=[DataRequired()])
    attended = SelectField(_l("Attendance"), choices=select_choices([("yes", _l("Attended")), ("no", _l("Absent")),
                                                                      ("", _l("Not marked"))]), default="")


class WishesForm(BaseForm):
    project_ids = SelectMultipleField(_l("Projects I want to meet"), coerce=int,
                                      widget=widgets.ListWidget(prefix_label=False),
                                      option_widget=widgets.CheckboxInput())
    need_ids = SelectMultipleField(_l("Needs I want to meet"), coerce=int,
                                   widget=widgets.ListWidget(prefix_label=False),
                                   option_widget=widgets.CheckboxInput())
    submit = SubmitField(_l("Save my wishes"))


class MeetingMoveForm(BaseForm):
    slot = IntegerField(_l("Time slot"), validators=[InputRequired(), NumberRange(min=1, max=10_000)])
    table = IntegerField(_l("Table"), validators=[InputRequired(), NumberRange(min=1, max=500)])
    submit = SubmitField(_l("Move"))
