"""The package type-checks with mypy (the project's style rule: type hints everywhere)."""

from __future__ import annotations

import pytest


def test_mypy_finds_no_errors(repo_root, tmp_path):
    api = pytest.importorskip("mypy.api", reason="mypy is in the test extra")
    stdout, stderr, status = api.run(["--config-file", str(repo_root / "pyproject.toml"),
                                      "--cache-dir", str(tmp_path / "mypy"),
                                      str(repo_root / "qualcode")])
    assert status == 0, stdout + stderr
