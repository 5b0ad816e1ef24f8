"""The ``portal`` console script that ``make up`` runs must resolve to a real entry point."""

from __future__ import annotations

import importlib
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_the_declared_portal_script_resolves_to_the_cli() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    module_name, _, attribute = scripts["portal"].partition(":")
    main = getattr(importlib.import_module(module_name), attribute)
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0


def test_the_installed_portal_script_prints_its_commands() -> None:
    script = Path(sys.executable).parent / "portal"
    assert script.exists(), "make install puts the portal command beside the interpreter"
    result = subprocess.run(
        [str(script), "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "up" in result.stdout and "token" in result.stdout
