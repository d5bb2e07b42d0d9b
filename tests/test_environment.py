"""The pins: requirements.txt, constraints.txt and environment.yml describe one environment."""

from __future__ import annotations

import re

import yaml

from esgrisk import paths
from esgrisk.status import pinned_requirements


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(lines) -> dict[str, str]:
    pins = {}
    for line in lines:
        match = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*==\s*([^\s;#]+)", line)
        if match:
            pins[_canonical(match.group(1))] = match.group(2)
    return pins


def test_every_requirement_is_pinned_exactly():
    for line in (paths.ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line:
            assert "==" in line, f"requirements.txt: '{line}' is not pinned with =="


def test_constraints_agree_with_requirements():
    requirements = {_canonical(k): v for k, v in pinned_requirements().items()}
    constraints = _pins((paths.ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines())
    for name, version in requirements.items():
        assert constraints.get(name) == version, f"{name}: requirements {version}, constraints {constraints.get(name)}"


def test_environment_yml_agrees_with_requirements():
    env = yaml.safe_load((paths.ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda, pip = {}, {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip.update(_pins(dep.get("pip", [])))
        else:
            match = re.match(r"^([A-Za-z0-9_.\-]+)\s*==?\s*([^\s]+)$", dep)
            if match:
                conda[_canonical(match.group(1))] = match.group(2)
    assert conda.get("python", "").startswith("3.11")
    requirements = {_canonical(k): v for k, v in pinned_requirements().items()}
    shared = (set(conda) | set(pip)) & set(requirements)
    assert shared == set(requirements), f"missing from environment.yml: {sorted(set(requirements) - shared)}"
    for name in shared:
        assert {**conda, **pip}[name] == requirements[name], name


def test_run_time_summary_names_the_slowest_chapter_and_survives_an_empty_log():
    from esgrisk import status

    log = {"01_a": {"seconds": 1.0, "executed_at": "t"}, "02_b": {"seconds": 3.0, "executed_at": "t"}}
    assert status.run_time_summary(status.run_times(log)) == (
        "2 chapters; their last executions took 4.0 seconds of execution in total, "
        "of which 75 % in the slowest, 02_b.")
    assert status.run_time_summary(status.run_times({})).startswith("No other chapter")
