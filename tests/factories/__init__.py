"""Factory fixtures, registered for every test by ``pytest_plugins`` in tests/conftest.py
(so test modules use them by name and import only plain helpers)."""
