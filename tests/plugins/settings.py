"""What every test app shares: its configuration and the factories' password.

``tests/conftest.py`` re-exports these, so ``from conftest import PASSWORD, TEST_CONFIG``
keeps working in test modules."""
from __future__ import annotations

import os

PG_URL = os.environ.get("COLLAB_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
PASSWORD = "secret-pass-1"

TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    # docs/STACK.md: scrypt costs ~100 ms per check; tests use a cheap method.
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    "WTF_CSRF_ENABLED": False,
    "LOG_LEVEL": "WARNING",
    "SCHEDULER_AUTOSTART": False,
    "BASE_URL": "http://localhost",
}
