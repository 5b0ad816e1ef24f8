"""``portal deploy`` on stacks an earlier try left behind. moto's CloudFormation never fails
a stack by itself, so these tests put moto's stack into the state a failure leaves in AWS,
then deploy through the real API and check what the operator is told and what happens."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from infra import deploy, world

STAGE = "dev"
STACK = f"portal-{STAGE}-shared"


@pytest.fixture
def package_dir(tmp_path: Path) -> Path:
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "template.yaml").write_text(world.template_text())
    return tmp_path


@pytest.fixture
def aws() -> Iterator[None]:
    from moto import mock_aws

    with mock_aws():
        yield


def _moto_stack(name: str) -> Any:
    from moto.cloudformation.models import cloudformation_backends

    backend = cloudformation_backends["123456789012"]["ap-southeast-1"]
    return next(
        s for s in backend.stacks.values() if s.name == name and s.status != "DELETE_COMPLETE"
    )


def _deployer(shown: list[str]) -> deploy.Deployer:
    return deploy.Deployer(STAGE, progress=shown.append, poll_seconds=0.01)


def test_a_stack_whose_first_creation_failed_is_deleted_and_created_again(
    aws: None, package_dir: Path
) -> None:
    shown: list[str] = []
    _deployer(shown).deploy_shared(package_dir, update=True)
    first = _moto_stack(STACK).stack_id
    _moto_stack(STACK).status = "ROLLBACK_COMPLETE"
    shown.clear()
    outputs = _deployer(shown).deploy_shared(package_dir, update=True)
    assert f"{STACK}: ROLLBACK_COMPLETE from an earlier try; deleting it first" in shown
    assert f"{STACK}: creating" in shown
    assert _moto_stack(STACK).stack_id != first
    assert _moto_stack(STACK).status == "CREATE_COMPLETE"
    assert outputs["CatalogueTableName"] == f"portal-{STAGE}-catalogue"


def test_a_stack_stuck_in_a_failed_rollback_is_left_for_a_person(
    aws: None, package_dir: Path
) -> None:
    shown: list[str] = []
    _deployer(shown).deploy_shared(package_dir, update=True)
    _moto_stack(STACK).status = "UPDATE_ROLLBACK_FAILED"
    with pytest.raises(deploy.DeployError, match="continue-update-rollback"):
        _deployer(shown).deploy_shared(package_dir, update=True)
    assert _moto_stack(STACK).status == "UPDATE_ROLLBACK_FAILED"


def test_a_stack_another_deploy_is_changing_is_waited_for(aws: None, package_dir: Path) -> None:
    shown: list[str] = []
    _deployer(shown).deploy_shared(package_dir, update=True)
    _moto_stack(STACK).status = "UPDATE_IN_PROGRESS"

    def progress(line: str) -> None:
        shown.append(line)
        if "waiting for it to finish first" in line:
            _moto_stack(STACK).status = "UPDATE_COMPLETE"  # the other deploy ends

    shown.clear()
    deployer = deploy.Deployer(STAGE, progress=progress, poll_seconds=0.01)
    deployer.deploy_shared(package_dir, update=True)
    assert shown[0] == f"{STACK}: UPDATE_IN_PROGRESS; waiting for it to finish first"
    assert f"{STACK}: updating" in shown


def test_a_service_deploy_creates_the_shared_stack_when_there_is_none(
    aws: None, package_dir: Path
) -> None:
    shown: list[str] = []
    _deployer(shown).deploy_shared(package_dir, update=False)
    assert f"{STACK}: creating" in shown
    names = {s["StackName"] for s in boto3.client("cloudformation").describe_stacks()["Stacks"]}
    assert STACK in names
