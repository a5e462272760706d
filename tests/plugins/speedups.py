"""Speed-ups of the test process that change nothing the tests observe.

Each test builds an app of its own (``create_app``), so its config, extensions and
state start fresh. Two costs of that are pure repetition, paid once per process here:

- Werkzeug compiles two URL builder functions per rule (through ``ast`` and
  ``compile``) every time a rule is added to a map: ~110 rules, ~27 of create_app's
  ~38 ms. The generated code depends only on the rule's text, its parsed parts, its
  defaults and whether unknown arguments are appended; the function takes the rule as
  its first argument (Werkzeug binds it to each rule), so the same function serves
  identical rules of every app. Memoized by exactly those inputs.
- Jinja compiles every template again in each app's environment: the app fixtures
  give every test app one shared in-memory bytecode cache
  (``plugins.database.TEMPLATE_CACHE``; Jinja checks the source's checksum).
"""
from __future__ import annotations

from werkzeug.routing.rules import Rule

_original_compile_builder = Rule._compile_builder
_builders: dict[tuple, object] = {}


def _memoized_compile_builder(self, append_unknown: bool = True):
    defaults = self.defaults or {}
    try:
        key = (type(self), self.rule, tuple(self._trace), tuple(sorted(defaults.items())), append_unknown)
        hash(key)
    except TypeError:  # unhashable defaults: compile as Werkzeug does
        return _original_compile_builder(self, append_unknown)
    builder = _builders.get(key)
    if builder is None:
        builder = _builders[key] = _original_compile_builder(self, append_unknown)
    return builder


def pytest_configure(config):
    Rule._compile_builder = _memoized_compile_builder


def pytest_unconfigure(config):
    Rule._compile_builder = _original_compile_builder
