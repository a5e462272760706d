"""Display names of the mentors feature's codes (translated lazily)."""
from flask_babel import lazy_gettext as _l

# Each language is named in itself, as people look for their own (中文, Русский, ئۇيغۇرچە).
LANGUAGE_LABELS = {
    "zh": "中文", "en": "English", "ru": "Русский", "ug": "ئۇيغۇرچە", "uz": "Oʻzbekcha",
    "kk": "Қазақша", "ky": "Кыргызча", "tg": "Тоҷикӣ", "ur": "اردو",
}

MODE_LABELS = {"online": _l("Online"), "in_person": _l("In person")}

STATUS_LABELS = {
    "requested": _l("Requested"), "confirmed": _l("Confirmed"), "declined": _l("Declined"),
    "cancelled": _l("Cancelled"), "completed": _l("Completed"), "no_show": _l("No-show"),
}

WEEKDAY_LABELS = (_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"),
                  _l("Saturday"), _l("Sunday"))
