"""Real-browser tests (Playwright + Debian chromium); fixtures in conftest.py.

A package, so this folder's conftest is imported as ``browser.conftest`` and never
shadows ``tests/conftest.py`` for the ``from conftest import ...`` other tests do."""
