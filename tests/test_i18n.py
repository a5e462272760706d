"""Two languages everywhere (docs/DESIGN.md §3): a complete Chinese catalog, no string that
escaped extraction, the switcher, locale formatting, bilingual fields, e-mails in the
recipient's language, and zone data recent enough for Xinjiang and Central Asia."""
from __future__ import annotations

import ast
import re
import subprocess
import sys
from contextlib import contextmanager
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from babel.messages.pofile import read_po
from jinja2 import Environment

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "collab"
TRANSLATIONS = ROOT / "translations"
ZH_PO = TRANSLATIONS / "zh_Hans" / "LC_MESSAGES" / "messages.po"
POT = TRANSLATIONS / "messages.pot"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdifr]|%[sdifr]")
INSTANT = datetime(2026, 12, 1, 4, 0, tzinfo=timezone.utc)


@pytest.fixture
def app_config(app_config):
    """Small pages, so the 16 seeded organisations need a pager."""
    return {**app_config, "PER_PAGE": 5}


@contextmanager
def viewing(app, lang: str):
    """A request context for /<lang>/. The test's app context (and its ``g``, where
    Flask-Babel and Flask-Login cache) is shared, so start from a clean slate."""
    from flask import g
    from flask_babel import refresh

    with app.test_request_context(f"/{lang}/"):
        for key in ("lang", "_login_user"):
            g.pop(key, None)
        refresh()
        yield


def read_catalog(path: Path, locale: str | None = None):
    with path.open("rb") as po_file:
        return read_po(po_file, locale=locale)


def message_key(message) -> str:
    return message.id[0] if isinstance(message.id, tuple) else message.id


def strings_of(message) -> tuple:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def ids_of(message) -> tuple:
    return message.id if isinstance(message.id, tuple) else (message.id,)


# --- the Chinese catalog -----------------------------------------------------

def test_chinese_catalog_translates_every_message_and_nothing_is_fuzzy():
    catalog = read_catalog(ZH_PO, "zh_Hans")
    messages = [m for m in catalog if m.id]
    assert len(messages) > 100, "the catalog looks empty: run `flask --app collab translate update`"
    untranslated = [message_key(m) for m in messages if not all(s.strip() for s in strings_of(m))]
    fuzzy = [message_key(m) for m in messages if m.fuzzy]
    assert untranslated == [], f"untranslated in zh_Hans: {untranslated}"
    assert fuzzy == [], f"fuzzy in zh_Hans: {fuzzy}"


def test_chinese_translations_keep_the_placeholders_of_their_msgid():
    catalog = read_catalog(ZH_PO, "zh_Hans")
    wrong = []
    for message in catalog:
        if not message.id:
            continue
        expected = sorted(set(PLACEHOLDER.findall(ids_of(message)[-1])) | set(PLACEHOLDER.findall(ids_of(message)[0])))
        for text in strings_of(message):
            if sorted(set(PLACEHOLDER.findall(text))) != expected:
                wrong.append((message_key(message), text))
    assert wrong == []
    # Babel's own checks (python-format consistency) agree.
    problems = [(message_key(m), [str(e) for e in errors]) for m, errors in catalog.check()]
    assert problems == []


def test_chinese_catalog_holds_every_message_of_the_template():
    pot_ids = {message_key(m) for m in read_catalog(POT) if m.id}
    po_ids = {message_key(m) for m in read_catalog(ZH_PO, "zh_Hans") if m.id}
    assert sorted(pot_ids - po_ids) == [], "run `flask --app collab translate update`"


def test_catalog_uses_the_terms_of_the_network():
    catalog = read_catalog(ZH_PO, "zh_Hans")
    for msgid, term in [("Offshore incubator", "离岸孵化器"), ("Xinjiang base", "新疆双创基地"),
                        ("Base administrator", "基地管理员"), ("Mentor", "创业导师"),
                        ("Organisations", "机构"), ("original", "原文"), ("Log in", "登录"),
                        ("Register", "注册")]:
        assert catalog.get(msgid).string == term


# --- nothing escaped extraction ---------------------------------------------

def template_files() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*") if p.suffix in (".html", ".txt")
                  and "templates" in p.relative_to(PACKAGE).parts)


def template_without_jinja(source: str) -> str:
    """The template's literal text: comments, expressions, statements and
    {% trans %} blocks (extracted as messages themselves) removed."""
    kept, statement_starts, in_trans = [], False, False
    for _, token, value in Environment(extensions=["jinja2.ext.i18n"]).lex(source):
        if token == "block_begin":
            statement_starts = True
            continue
        if token == "whitespace":
            continue
        if token == "name" and statement_starts:
            in_trans = {"trans": True, "endtrans": False}.get(value, in_trans)
        elif token == "data" and not in_trans:
            kept.append(value)
        statement_starts = False
    return "".join(kept)


VISIBLE_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "aria-placeholder", "aria-description"}
ALLOWED_TOKENS = ("中文", "English")  # language self-names in the switcher and forms
LETTER = re.compile(r"[^\W\d_]")


class VisibleText(HTMLParser):
    """Collects the text a reader sees or hears: text nodes and labelling attributes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.hidden += 1
        attrs = dict(attrs)
        for name, value in attrs.items():
            if value and name in VISIBLE_ATTRIBUTES:
                self.found.append(f"{tag}[{name}]={value}")
        # An input button shows its value; a <button>'s value is data (its content shows).
        is_button = tag == "input" and (attrs.get("type") or "").lower() in ("submit", "button", "reset")
        if is_button and attrs.get("value"):
            self.found.append(f"{tag}[value]={attrs['value']}")
        if tag == "meta" and (attrs.get("name") or "").lower() == "description" and attrs.get("content"):
            self.found.append(f"meta[content]={attrs['content']}")

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden and data.strip():
            self.found.append(data.strip())


def untranslated_text(source: str) -> list[str]:
    parser = VisibleText()
    parser.feed(template_without_jinja(source))
    parser.close()
    leftovers = []
    for text in parser.found:
        cleaned = text
        for token in ALLOWED_TOKENS:
            cleaned = cleaned.replace(token, "")
        if LETTER.search(cleaned):
            leftovers.append(text)
    return leftovers


def test_the_template_checker_finds_literal_text_and_ignores_translated_text():
    assert untranslated_text('<p>{{ _("Hello") }}</p>{# a note #}{% trans %}Hi {{ name }}{% endtrans %}') == []
    assert untranslated_text("<script>const a = 'x';</script><style>p{color:red}</style>") == []
    assert untranslated_text('<a href="{{ url }}" lang="en">{{ LANGUAGE_NAMES["en"] }}</a> · — * 42 &lt; &gt;') == []
    assert untranslated_text('<option value="zh">中文</option><option value="en">English</option>') == []
    assert untranslated_text("<p>Submit</p>") == ["Submit"]
    assert untranslated_text("<h1>机构</h1>") == ["机构"]
    assert untranslated_text('<input placeholder="Search">') == ["input[placeholder]=Search"]
    assert untranslated_text('<input type="submit" value="Go">') == ["input[value]=Go"]
    assert untranslated_text('<button name="decision" value="approve">{{ _("Approve") }}</button>') == []
    assert untranslated_text('<img alt="{{ _(\'Logo\') }}"><i aria-label="Close"></i>') == ["i[aria-label]=Close"]
    assert untranslated_text("{% if x %}Dear{% endif %} {{ y }}") == ["Dear"]


def test_every_template_string_goes_through_gettext():
    files = template_files()
    assert any(p.name == "base.html" for p in files) and any(p.suffix == ".txt" for p in files)
    leftovers = {str(p.relative_to(ROOT)): found for p in files
                 if (found := untranslated_text(p.read_text(encoding="utf-8")))}
    assert leftovers == {}


def extract_messages(tmp_path: Path) -> set[str]:
    """What `flask --app collab translate update` would put into messages.pot now."""
    pot = tmp_path / "fresh.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", str(ROOT / "pyproject.toml"),
                    "-k", "_l", "--no-location", "--sort-output", "-o", str(pot), str(PACKAGE)],
                   check=True, cwd=ROOT, capture_output=True)
    return {message_key(m) for m in read_catalog(pot) if m.id}


def test_committed_pot_matches_a_fresh_extraction(tmp_path):
    fresh = extract_messages(tmp_path)
    committed = {message_key(m) for m in read_catalog(POT) if m.id}
    assert "Organisations" in fresh and "Reset your Collab password" in fresh  # templates, e-mails included
    assert sorted(fresh - committed) == [], "messages.pot is stale: run `flask --app collab translate update`"
    assert sorted(committed - fresh) == [], "messages.pot holds removed strings: run `flask --app collab translate update`"


# --- Python strings ----------------------------------------------------------

GETTEXT_NAMES = {"_", "_l", "gettext", "lazy_gettext", "ngettext", "lazy_ngettext", "pgettext", "npgettext"}
# Arguments that hold a lazily translated string set elsewhere (checked below).
# A kind's messages are lazy strings (tests/test_content_core.py checks every one).
KNOWN_TRANSLATED = {"login_manager.login_message", "kind.messages['status_updated']"}


def is_translated(node: ast.AST) -> bool:
    """A gettext call, a choice between two, or a domain error's message (whose raise
    sites are checked separately)."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in GETTEXT_NAMES:
        return True
    if isinstance(node, ast.IfExp):
        return is_translated(node.body) and is_translated(node.orelse)
    if isinstance(node, ast.Call) and call_name(node) == "str" and len(node.args) == 1:
        return is_translated(node.args[0])
    if isinstance(node, ast.Attribute) and node.attr == "message":
        return True
    if isinstance(node, ast.BoolOp):
        return all(is_translated(value) for value in node.values)
    # A kind's messages are lazy strings (tests/test_content_core.py checks every one).
    if ast.unparse(node).startswith("kind.messages["):
        return True
    if isinstance(node, ast.Call) and ast.unparse(node.func) == "kind.messages.get":
        return True
    return ast.unparse(node) in KNOWN_TRANSLATED


def has_words(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and bool(LETTER.search(node.value))


def call_name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def literal_choice_labels(node: ast.AST) -> list[str]:
    """Plain-string labels in a literal list of (value, label) choices (self-names allowed)."""
    labels = []
    if isinstance(node, (ast.List, ast.Tuple)):
        for item in node.elts:
            if isinstance(item, ast.Tuple) and len(item.elts) == 2 and has_words(item.elts[1]):
                if item.elts[1].value not in ALLOWED_TOKENS:
                    labels.append(item.elts[1].value)
    return labels


def names_from_form_errors(scope: ast.AST) -> set[str]:
    """Loop variables that run over a form's ``errors`` (directly or one level down)."""
    loops = [n for n in ast.walk(scope) if isinstance(n, ast.For) and isinstance(n.target, ast.Name)]
    names: set[str] = set()
    for _ in range(3):
        for loop in loops:
            iterated = {n.id for n in ast.walk(loop.iter) if isinstance(n, ast.Name)}
            if "errors" in ast.unparse(loop.iter) or iterated & names:
                names.add(loop.target.id)
    return names


def joins_form_errors(node: ast.AST) -> bool:
    """``" ".join(str(e) for errors in form.errors.values() for e in errors)``."""
    generators = [g for n in ast.walk(node) if isinstance(n, (ast.GeneratorExp, ast.ListComp)) for g in n.generators]
    return bool(generators) and "errors" in ast.unparse(generators[0].iter)


def error_classes(trees: dict[str, ast.Module]) -> set[str]:
    """Exceptions Collab defines: their messages reach users (flash, API errors)."""
    names = {"ValidationError"}
    classes = [n for tree in trees.values() for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
    changed = True
    while changed:
        changed = False
        for cls in classes:
            bases = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in cls.bases}
            if cls.name not in names and (bases & (names | {"Exception"}) or any(b.endswith("Error") for b in bases)):
                names.add(cls.name)
                changed = True
    return names


def untranslated_python_strings(trees: dict[str, ast.Module]) -> dict[str, list[str]]:
    """flash() messages, form field labels, validator messages, texts of Collab's own
    errors and render_kw placeholders/titles that do not go through gettext."""
    errors = error_classes(trees)
    problems: dict[str, list[str]] = {}
    forwarded: dict[str, tuple[int, str]] = {}  # function -> the parameter it flashes
    for name, tree in trees.items():
        found = problems.setdefault(name, [])
        parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            called = call_name(node)
            if called == "flash" and node.args and not is_translated(node.args[0]):
                argument = node.args[0]
                if isinstance(argument, ast.Call) and call_name(argument) == "str" and argument.args:
                    argument = argument.args[0]
                function = parents.get(node)
                while function is not None and not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    function = parents.get(function)
                parameters = [a.arg for a in function.args.args] if function else []
                form_errors = names_from_form_errors(function or tree)
                if isinstance(argument, ast.Name) and argument.id in parameters:
                    # A helper that flashes what its callers give it: its callers are checked.
                    forwarded[function.name] = (parameters.index(argument.id), argument.id)
                elif isinstance(argument, ast.Name) and argument.id in form_errors or joins_form_errors(argument):
                    pass  # a form's errors: its validators' messages are checked here too
                else:
                    found.append(f"line {node.lineno}: flash({ast.unparse(node.args[0])})")
            if (called.endswith("Field") or called in errors) and node.args and has_words(node.args[0]):
                found.append(f"line {node.lineno}: {called}({node.args[0].value!r})")
            for keyword in node.keywords:
                is_field_text = keyword.arg in ("label", "description") and called.endswith("Field")
                if (is_field_text or keyword.arg == "message") and has_words(keyword.value):
                    found.append(f"line {node.lineno}: {keyword.arg}={keyword.value.value!r}")
                if keyword.arg == "choices":
                    found.extend(f"line {node.lineno}: choice {label!r}" for label in literal_choice_labels(keyword.value))
                if keyword.arg == "render_kw" and isinstance(keyword.value, ast.Dict):
                    for key, value in zip(keyword.value.keys, keyword.value.values):
                        if isinstance(key, ast.Constant) and key.value in VISIBLE_ATTRIBUTES and has_words(value):
                            found.append(f"line {node.lineno}: {key.value}={value.value!r}")
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id.endswith("CHOICES") for t in node.targets):
                found.extend(f"line {node.lineno}: choice {label!r}" for label in literal_choice_labels(node.value))
    for name, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and call_name(node) in forwarded:
                position, parameter = forwarded[call_name(node)]
                given = [k.value for k in node.keywords if k.arg == parameter]
                given += node.args[position:position + 1]
                if given and not is_translated(given[0]):
                    problems[name].append(f"line {node.lineno}: {call_name(node)}(..., {ast.unparse(given[0])})")
    return {name: sorted(found, key=lambda p: int(p.split(":")[0].split()[1])) for name, found in problems.items() if found}


def test_the_python_checker_spots_plain_strings():
    views = '''
flash("Saved.")
flash(_("Saved."), "success")
flash(_("A") if ok else _("B"))
flash(message)
name = StringField("Name", validators=[Length(max=3, message="Too long")])
ok = StringField(_l("Name"), render_kw={"placeholder": "e.g. Kashgar"})
raise ValidationError("Nope")
try:
    act()
except ShopError as error:
    flash(str(error.message))
raise ShopError("Sold out")
raise ShopError(_l("Sold out"))

def run(action, done):
    action()
    flash(str(done), "success")

run(buy, _("Bought."))
run(sell, "Sold.")
run(sell, done=_("Sold."))
for problems in form.errors.values():
    for problem in problems:
        flash(str(problem))
flash(" ".join(str(e) for errors in form.errors.values() for e in errors))
flash(" ".join(str(word) for word in words))
LOCALE_CHOICES = [("zh", "中文"), ("en", "English")]
kind = SelectField(_l("Kind"), choices=[("", "—"), ("a", "Apples"), ("b", _l("Pears"))])
budget = IntegerField(_l("Budget"), description="In yuan")
spec = parameter("id", description="mentor_id")
'''
    errors = "class ShopError(Exception):\n    pass\n"
    found = untranslated_python_strings({"views": ast.parse(views), "errors": ast.parse(errors)})
    assert found == {"views": [
        "line 2: flash('Saved.')", "line 5: flash(message)", "line 6: StringField('Name')",
        "line 6: message='Too long'", "line 7: placeholder='e.g. Kashgar'", "line 8: ValidationError('Nope')",
        "line 13: ShopError('Sold out')", "line 21: run(..., 'Sold.')", "line 27: flash(' '.join((str(word) for word in words)))", "line 29: choice 'Apples'", "line 30: description='In yuan'",
    ]}


def test_flash_messages_labels_and_validators_go_through_gettext():
    trees = {str(path.relative_to(ROOT)): ast.parse(path.read_text(encoding="utf-8"))
             for path in sorted(PACKAGE.rglob("*.py"))}
    assert untranslated_python_strings(trees) == {}
    # Flask-Login's message is flashed by attribute: it must be lazily translated.
    sessions = (PACKAGE / "auth" / "sessions.py").read_text(encoding="utf-8")
    assert re.search(r"login_manager\.login_message = _l\(", sessions)


# --- pages in both languages -------------------------------------------------

NAV = {"zh": ("机构", "登录", "注册"), "en": ("Organisations", "Log in", "Register")}


@pytest.mark.parametrize("path", [
    "/organisations/?kind=offshore_incubator&country=CN",
    "/organisations/?q=%E5%96%80%E4%BB%80&kind=xinjiang_base&kind=enterprise",
    "/login?next=%2Fzh%2Forganisations%2F",
    "/register",
    "/password/reset",
    "/organisations/shenzhen-offshore",
])
def test_switching_language_keeps_the_page_and_its_query(client, path):
    for source, target in (("zh", "en"), ("en", "zh")):
        page = client.get(f"/{source}{path}")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        switch = re.search(r'<a [^>]*id="language-switch" href="([^"]*)"', html).group(1).replace("&amp;", "&")
        assert switch == f"/{target}{path}"
        switched = client.get(switch)
        assert switched.status_code == 200
        assert f'<html lang="{"zh-Hans" if target == "zh" else "en"}">' in switched.get_data(as_text=True)


def test_switcher_ignores_query_keys_that_look_like_url_for_options(client):
    html = client.get("/zh/organisations/?_anchor=x&_external=1&lang=fr").get_data(as_text=True)
    switch = re.search(r'id="language-switch" href="([^"]*)"', html).group(1)
    assert switch == "/en/organisations/?_anchor=x&amp;_external=1&amp;lang=fr"


def test_switcher_on_a_page_without_a_language_goes_home(client):
    html = client.get("/zh/no-such-page").get_data(as_text=True)
    assert 'id="language-switch" href="/en/"' in html


def test_switcher_on_a_member_page_keeps_the_page(client, as_role):
    as_role("enterprise")
    html = client.get("/zh/account").get_data(as_text=True)
    assert 'id="language-switch" href="/en/account"' in html
    english = client.get("/en/account").get_data(as_text=True)
    assert '<html lang="en">' in english and "My account" in english


@pytest.mark.parametrize("lang, html_lang", [("zh", "zh-Hans"), ("en", "en")])
@pytest.mark.parametrize("path", ["/", "/organisations/", "/login", "/register"])
def test_pages_speak_the_language_of_their_url(client, lang, html_lang, path):
    html = client.get(f"/{lang}{path}").get_data(as_text=True)
    assert f'<html lang="{html_lang}">' in html
    nav = html[html.index("<nav"):html.index("</nav>")]
    for word in NAV[lang]:
        assert f">{word}<" in nav
    for word in NAV["en" if lang == "zh" else "zh"]:
        assert f">{word}<" not in nav


def test_english_pages_carry_no_chinese_interface_text(client):
    html = client.get("/en/login").get_data(as_text=True)
    body = re.sub(r'<[^>]*lang="zh-Hans"[^>]*>[^<]*<', "", html)  # the switcher's own name
    assert not re.search(r"[\u4e00-\u9fff]", body.replace("离岸不离疆", ""))


def test_form_errors_are_in_the_page_language(client):
    errors = {}
    for lang in ("zh", "en"):
        html = client.post(f"/{lang}/register", data={"email": "not-an-address", "password": "x"}).get_data(as_text=True)
        errors[lang] = " ".join(re.findall(r'class="invalid-feedback[^"]*"[^>]*>([^<]*)<', html))
    assert "请至少使用 8 个字符" in errors["zh"] and "必填" in errors["zh"]
    assert "Use at least 8 characters." in errors["en"] and "This field is required." in errors["en"]


def test_pager_keeps_the_filters(client):
    response = client.get("/zh/organisations/?country=CN&kind=&_anchor=top&_external=1")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    pager = html[html.index('class="pagination"'):]
    next_link = re.findall(r'href="([^"]*)"', pager)[-1].replace("&amp;", "&")
    assert next_link.startswith("/zh/organisations/?") and "country=CN" in next_link and "page=2" in next_link
    assert "#" not in next_link and "_external" not in next_link
    assert "第 1 页，共" in pager
    assert client.get(next_link).status_code == 200


# --- formatting by locale and zone -------------------------------------------

def formatted(app, lang: str, tz: str, func, *args):
    from flask_babel import force_locale

    from collab.mail.service import force_timezone

    with viewing(app, lang), force_locale(app.config["LANGUAGES"][lang]), force_timezone(tz):
        return func(*args)


def test_numbers_and_money_follow_the_locale(app):
    from collab.i18n import fmt_money, fmt_number

    assert formatted(app, "zh", "Asia/Shanghai", fmt_number, 1234567.5) == "1,234,567.5"
    assert formatted(app, "en", "Asia/Shanghai", fmt_number, 1234567.5) == "1,234,567.5"
    assert formatted(app, "zh", "Asia/Shanghai", fmt_money, 2500000) == "¥2,500,000.00"
    assert formatted(app, "en", "Asia/Shanghai", fmt_money, 2500000) == "CN¥2,500,000.00"
    assert formatted(app, "en", "Asia/Shanghai", fmt_money, 1500, "USD") == "$1,500.00"
    assert formatted(app, "zh", "Asia/Shanghai", fmt_money, 1500, "USD") == "US$1,500.00"
    assert formatted(app, "zh", "Asia/Shanghai", fmt_number, None) == ""


def test_dates_follow_the_locale_and_the_viewers_zone(app):
    from collab.i18n import fmt_date, fmt_datetime

    assert formatted(app, "zh", "Asia/Shanghai", fmt_datetime, INSTANT) == "2026年12月1日 12:00:00"
    assert formatted(app, "zh", "Asia/Urumqi", fmt_datetime, INSTANT) == "2026年12月1日 10:00:00"
    assert formatted(app, "en", "Asia/Urumqi", fmt_datetime, INSTANT).replace("\u202f", " ") == "Dec 1, 2026, 10:00:00 AM"
    assert formatted(app, "en", "Asia/Karachi", fmt_datetime, INSTANT, "short").replace("\u202f", " ") == "12/1/26, 9:00 AM"
    assert formatted(app, "zh", "Asia/Almaty", fmt_datetime, INSTANT, "short") == "2026/12/1 09:00"
    assert formatted(app, "zh", "Asia/Shanghai", fmt_date, INSTANT.date()) == "2026年12月1日"
    # A naive value (SQLite) is read as UTC.
    assert formatted(app, "zh", "Asia/Urumqi", fmt_datetime, INSTANT.replace(tzinfo=None)) == "2026年12月1日 10:00:00"


@pytest.mark.parametrize("zone, expected", [("Asia/Shanghai", "12:00"), ("Asia/Urumqi", "10:00")])
def test_a_logged_in_viewer_sees_times_in_their_own_zone(app, create_user, zone, expected):
    from flask_login import login_user

    from collab.i18n import fmt_datetime

    user = create_user(timezone=zone, locale="zh")
    with viewing(app, "zh"):
        login_user(user)
        assert fmt_datetime(INSTANT, "HH:mm") == expected


def test_the_footer_names_the_viewers_zone(client, create_user, login):
    user = create_user(timezone="Asia/Urumqi")
    login(user)
    footer = client.get("/zh/").get_data(as_text=True).split("<footer", 1)[1]
    assert "新疆时间" in footer
    footer = client.get("/en/").get_data(as_text=True).split("<footer", 1)[1]
    assert "Xinjiang time" in footer


# --- bilingual content fields ------------------------------------------------

def test_localized_prefers_the_readers_language_and_falls_back_to_the_other(app):
    from collab.i18n import LocalizedText, localized, localized_text

    both = SimpleNamespace(title_zh="光伏储能", title_en="PV storage")
    only_zh = SimpleNamespace(title_zh="光伏储能", title_en=None)
    only_en = SimpleNamespace(title_zh="", title_en="PV storage")
    neither = SimpleNamespace(title_zh=None, title_en="")
    with viewing(app, "zh"):
        assert localized(both, "title") == LocalizedText("光伏储能", "zh", False)
        assert localized(only_en, "title") == LocalizedText("PV storage", "en", True)
        assert localized(neither, "title") is None and localized_text(neither, "title") == ""
    with viewing(app, "en"):
        assert localized(both, "title") == LocalizedText("PV storage", "en", False)
        assert localized(only_zh, "title") == LocalizedText("光伏储能", "zh", True)
        assert localized(both, "title", "zh").text == "光伏储能"


def test_bilingual_html_marks_the_original_in_the_readers_language(app):
    from collab.i18n import bilingual_html

    only_zh = SimpleNamespace(name_zh="喀什<大学>", name_en=None)
    only_en = SimpleNamespace(name_zh=None, name_en="Kashgar University")
    with viewing(app, "en"):
        html = str(bilingual_html(only_zh, "name"))
        assert '<span lang="zh-Hans">喀什&lt;大学&gt;</span>' in html and ">original</span>" in html
        assert str(bilingual_html(SimpleNamespace(name_zh=None, name_en="x"), "name")) == '<span lang="en">x</span>'
    with viewing(app, "zh"):
        html = str(bilingual_html(only_en, "name"))
        assert '<span lang="en">Kashgar University</span>' in html and ">原文</span>" in html
        assert str(bilingual_html(SimpleNamespace(name_zh=None, name_en=None), "name")) == ""


def test_an_organisation_written_in_one_language_shows_the_original_on_both_sites(client, create_org):
    create_org(key="kashi-only-zh", name_zh="喀什测试园区", name_en="", description_zh="只有中文简介。")
    zh = client.get("/zh/organisations/kashi-only-zh").get_data(as_text=True)
    en = client.get("/en/organisations/kashi-only-zh").get_data(as_text=True)
    assert '<span lang="zh-Hans">喀什测试园区</span>' in zh and "原文" not in zh
    assert '<span lang="zh-Hans">喀什测试园区</span> <span class="badge' in en and ">original</span>" in en
    assert '<span lang="zh-Hans">只有中文简介。</span>' in en


# --- e-mails in the recipient's language -------------------------------------

@pytest.mark.parametrize("request_lang", ["zh", "en"])
def test_emails_are_written_in_the_recipients_language(app, create_user, outbox, request_lang):
    from collab.mail.service import send_email

    zh_user = create_user(locale="zh", display_name="阿依古丽")
    en_user = create_user(locale="en", display_name="Dilnoza")
    with viewing(app, request_lang):
        send_email(zh_user, "reset_password", token="t", max_age_minutes=60)
        send_email(en_user, "reset_password", token="t", max_age_minutes=60)
        from flask_babel import gettext
        assert gettext("Log in") == ("登录" if request_lang == "zh" else "Log in")  # the request keeps its language
    to_zh, to_en = outbox()[-2:]
    assert (to_zh.locale, to_zh.subject) == ("zh", "重置您的 Collab 密码")
    assert "阿依古丽，您好" in to_zh.body_text and "/zh/password/reset/t" in to_zh.body_text
    assert '<html lang="zh-Hans">' in to_zh.body_html
    assert (to_en.locale, to_en.subject) == ("en", "Reset your Collab password")
    assert "Hello Dilnoza," in to_en.body_text and "/en/password/reset/t" in to_en.body_text
    assert '<html lang="en">' in to_en.body_html


def test_a_reset_asked_on_the_chinese_site_reaches_an_english_user_in_english(client, create_user, outbox):
    user = create_user(locale="en", email="dilnoza@example.com")
    response = client.post("/zh/password/reset", data={"email": user.email})
    assert response.status_code == 302
    [message] = outbox()
    assert message.subject == "Reset your Collab password" and "/en/password/reset/" in message.body_text


# --- zone data ---------------------------------------------------------------

def test_zone_data_knows_xinjiang_and_central_asia_today():
    """docs/STACK.md: Asia/Urumqi is UTC+6 (tzdata >= 2014f) and Asia/Almaty UTC+5 since 2024.
    zoneinfo reads the system data first; Flask-Babel formats through pytz."""
    import pytz

    expected = {"Asia/Urumqi": 6, "Asia/Almaty": 5, "Asia/Shanghai": 8, "Asia/Tashkent": 5, "Asia/Bishkek": 6}
    for zone, hours in expected.items():
        assert INSTANT.astimezone(ZoneInfo(zone)).utcoffset().total_seconds() == hours * 3600, zone
        assert INSTANT.astimezone(pytz.timezone(zone)).utcoffset().total_seconds() == hours * 3600, zone
