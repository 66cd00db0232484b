"""The fixtures of test_outreach.py, shared with the API's tests (test_api.py)."""

from .test_outreach import _fresh, grades, guide  # noqa: F401 - pytest fixtures
