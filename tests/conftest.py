"""Shared fixtures: the repository, the demo project, and ../shared when present."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def refi_dir() -> Path:
    """The REFI-QDA schemas; tests that need them skip with a reason when absent."""
    folder = SHARED / "refi-qda"
    if not (folder / "Project-mrt2019.xsd").is_file():
        pytest.skip(f"REFI-QDA schemas not found at {folder} (../shared is absent)")
    return folder


def copy_demo(target: Path) -> Path:
    """A copy of the demo project (project file, conclusions, codebooks, transcripts)."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "qualcode.yaml", target / "qualcode.yaml")
    shutil.copy(ROOT / "conclusions.yaml", target / "conclusions.yaml")
    shutil.copytree(ROOT / "codebooks", target / "codebooks")
    shutil.copytree(ROOT / "transcripts", target / "transcripts")
    return target


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """The demo project, run once per test session in a temporary copy."""
    from qualcode.run import run

    project = copy_demo(tmp_path_factory.mktemp("demo"))
    return run(project)


@pytest.fixture
def demo_copy(tmp_path) -> Path:
    """A fresh, writable copy of the demo project for one test."""
    return copy_demo(tmp_path / "demo")
