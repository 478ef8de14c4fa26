"""Hypothesis profiles: fast locally, thorough and derandomised in CI; the ``slow`` marker.

Hypothesis loads its own "ci" profile (derandomised, no deadline) when CI is set; we keep it
and ask for more examples. Speed is measured in benchmarks/, never by deadlines here.

Every Hypothesis test (property laws and the stateful machine) is marked ``slow``, so
``python -m pytest -m "not slow"`` runs the example tests alone as a fast local loop.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

settings.register_profile("ci", settings.get_profile("ci"), max_examples=200)
settings.register_profile("default", deadline=None)
settings.register_profile("dev", max_examples=20, deadline=None)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "default")
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every Hypothesis-driven test ``slow``."""
    for item in items:
        function = getattr(item, "obj", None)
        stateful = item.nodeid.startswith("tests/test_stateful.py")
        if stateful or getattr(function, "is_hypothesis_test", False):
            item.add_marker(pytest.mark.slow)
