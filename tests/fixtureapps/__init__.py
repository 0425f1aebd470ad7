"""Tiny WSGI apps the pyserver integration tests serve (imported as fixtureapps.NAME,
with tests/ on PYTHONPATH; see tests/pyserver/conftest.py)."""
