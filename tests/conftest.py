"""Hypothesis profiles (issue #6): fast locally, thorough and derandomised in CI.

Hypothesis loads its own "ci" profile (derandomised, no deadline) when CI is set; we keep it
and ask for more examples. Speed is measured in benchmarks/, never by deadlines here.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", settings.get_profile("ci"), max_examples=200)
settings.register_profile("default", deadline=None)
settings.register_profile("dev", max_examples=20, deadline=None)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "default")
)
