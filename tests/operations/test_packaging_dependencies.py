"""The runtime dependencies are built once, by Chalice's dependency builder: what goes wrong
there is an operator's message, not a traceback, and nothing the build does leaks into the
process that asked for it. (The bundles themselves: test_packaging.py.)"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from chalice.deploy import packager

from infra import cli, packaging


def test_a_dependency_that_cannot_be_downloaded_is_a_message_naming_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def offline(self: Any, abi: str, requirements: str, target: str) -> None:
        raise packager.PackageDownloadError("Could not find a version for holidays>=0.60")

    monkeypatch.setattr(packager.DependencyBuilder, "build_site_packages", offline)
    code = cli.main(["package", "--stage", "dev", "--out", str(tmp_path / "out")])
    assert code == 2
    error = capsys.readouterr().err
    assert "Traceback" not in error
    assert error.strip().splitlines()[-1] == (
        "portal package: the dependencies for Lambda could not be built: "
        "Could not find a version for holidays>=0.60"
    )


def test_a_dependency_without_a_wheel_for_lambda_is_named(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Only a Mac wheel was found: Chalice ships the bundle without it, with a warning;
    # packaging stops instead, as the function would fail at its first import.
    mac_only = packager.Package(
        str(tmp_path), "pydantic_core-2.27.2-cp311-cp311-macosx_11_0_arm64.whl"
    )

    def missing(self: Any, abi: str, requirements: str, target: str) -> None:
        raise packager.MissingDependencyError({mac_only})

    monkeypatch.setattr(packager.DependencyBuilder, "build_site_packages", missing)
    with pytest.raises(packaging.PackagingError) as refused:
        packaging.build_dependencies(tmp_path / "site-packages")
    assert str(refused.value) == "no package for Lambda's platform: pydantic-core==2.27.2"


def test_the_build_sees_only_what_pip_needs_and_changes_nothing_here(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("PIP_INDEX_URL", "https://pypi.example.vn/simple")
    monkeypatch.delenv("CC", raising=False)
    seen: dict[str, str] = {}

    def build(self: Any, abi: str, requirements: str, target: str) -> None:
        environment = self._osutils.environ()
        seen.update(environment, abi=abi, requirements=Path(requirements).read_text())
        environment["CC"] = "/var/false"  # as Chalice does to build without a compiler

    monkeypatch.setattr(packager.DependencyBuilder, "build_site_packages", build)
    packaging.build_dependencies(tmp_path / "deps" / "site-packages")
    assert "CC" not in os.environ
    assert "AWS_ENDPOINT_URL" not in seen
    assert seen["PIP_INDEX_URL"] == "https://pypi.example.vn/simple"
    assert seen["abi"] == "cp311"
    assert "holidays" in seen["requirements"] and "chalice" not in seen["requirements"]
