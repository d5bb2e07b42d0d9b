"""The code base passes ruff with the project's settings (pyproject.toml), as the pre-commit hook does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from esgrisk import paths

LINTED = ["esgrisk", "tests", "scripts", "book/_ext", "notebooks"]


def test_ruff_finds_nothing():
    ruff = Path(sys.executable).with_name("ruff")
    done = subprocess.run([str(ruff), "check", "--no-cache", "--output-format=concise", *LINTED],
                          cwd=paths.ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_pre_commit_pins_the_same_ruff_as_the_requirements():
    pinned = next(line.split("==")[1] for line in (paths.ROOT / "requirements.txt").read_text().splitlines()
                  if line.startswith("ruff=="))
    assert f"rev: v{pinned}" in (paths.ROOT / ".pre-commit-config.yaml").read_text()
