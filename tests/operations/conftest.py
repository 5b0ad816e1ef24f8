"""One ``portal package --stage dev`` of all four services for every operations test.

Packaging runs ``chalice package`` four times (about half a minute), so it happens once per
test session; the modules that use it share an xdist group and so one worker.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra import packaging

STAGE = "dev"


@pytest.fixture(scope="session")
def package_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    out = tmp_path_factory.mktemp("package")
    # An operator's shell may hold names from a local stack; none may reach a template
    # (the tests on event sources and environments would see them).
    leftovers = {
        "PAYMENT_SETTLED_QUEUE": "portal-local-payment-settled",
        "RATING_EVENTS_QUEUE": "portal-local-rating-events",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
    }
    saved = {name: os.environ.get(name) for name in leftovers}
    os.environ.update(leftovers)
    try:
        packaging.package(STAGE, out)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
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
