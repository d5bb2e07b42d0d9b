"""Shared test helpers.

``make test`` builds the book and installs Chromium before it runs pytest, and
sets ``ESGRISK_STRICT=1``: there, a missing build or browser is a failure, not
a skip, so no book or browser test can silently not run in CI. Run by hand
(plain ``pytest``) the same tests skip with a message saying what to do.
"""

from __future__ import annotations

import os

import pytest


def missing(reason: str) -> None:
    """Skip the test because a prerequisite is missing, or fail under ``ESGRISK_STRICT=1``."""
    if os.environ.get("ESGRISK_STRICT") == "1":
        pytest.fail(f"prerequisite missing under ESGRISK_STRICT=1: {reason}", pytrace=False)
    pytest.skip(reason)
