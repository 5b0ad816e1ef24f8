"""One ``portal package --stage dev`` of all four services for every operations test.

Packaging runs ``chalice package`` four times (about half a minute), so it happens once per
test session; the modules that use it share an xdist group and so one worker.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra import packaging

STAGE = "dev"


@pytest.fixture(scope="session")
def package_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    out = tmp_path_factory.mktemp("package")
    packaging.package(STAGE, out)
    yield out


@pytest.fixture(scope="session")
def templates(package_dir: Path) -> dict[str, dict[str, Any]]:
    manifest = json.loads((package_dir / "manifest.json").read_text())
    return {
        service: json.loads((package_dir / entry["template"]).read_text())
        for service, entry in manifest["services"].items()
    }


def resources_of(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {n: r for n, r in template["Resources"].items() if r["Type"] == kind}
