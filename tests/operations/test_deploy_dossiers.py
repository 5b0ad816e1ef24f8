"""``portal deploy --service dossiers`` into moto's CloudFormation: the shared stack, then
the dossiers stack wired to its table, its three queues, the results bucket and the sender's
identity, with its functions, their event sources and least-privilege roles.

moto's servers in one process share their state, so this module may find the shared stack
(and the ratings stack) that test_deploy made: it looks only at what is the dossiers'."""

from __future__ import annotations

import ast
import contextlib
import io
from pathlib import Path
from typing import Any

import pytest

from tests.operations.conftest import STAGE
from tests.operations.test_deploy import _client, _deploy, _outputs, endpoint  # noqa: F401

pytestmark = pytest.mark.xdist_group("packaging")


@pytest.fixture(scope="module")
def deployed(endpoint: str, package_dir: Path) -> str:  # noqa: F811
    shown = io.StringIO()
    with contextlib.redirect_stdout(shown):
        assert _deploy(endpoint, package_dir, "--service", "dossiers") == 0
    return shown.getvalue()


def test_the_dossiers_stack_is_created_after_the_shared_one(
    deployed: str,
    endpoint: str,  # noqa: F811
) -> None:
    lines = deployed.splitlines()
    shared = next(i for i, line in enumerate(lines) if line.startswith(f"portal-{STAGE}-shared:"))
    created = next(
        i
        for i, line in enumerate(lines)
        if line.startswith(f"portal-{STAGE}-dossiers: CREATE_COMPLETE in")
    )
    assert shared < created
    assert lines[-1].startswith("dossiers") and lines[-1].endswith("/api/")


def test_its_functions_read_the_shared_stacks_names_and_consume_its_queues(
    deployed: str,
    endpoint: str,  # noqa: F811
) -> None:
    shared = _outputs(endpoint, f"portal-{STAGE}-shared")
    names = {
        f"portal-{STAGE}-dossiers-api",
        f"portal-{STAGE}-send-notifications",
        f"portal-{STAGE}-mark-paid",
        f"portal-{STAGE}-check-results",
        f"portal-{STAGE}-sweep-dossiers",
    }
    functions = {
        f["FunctionName"]: f
        for f in _client("lambda", endpoint).list_functions()["Functions"]
        if f["FunctionName"] in names
    }
    assert set(functions) == names
    for function in functions.values():
        variables = function["Environment"]["Variables"]
        assert variables["DOSSIERS_TABLE"] == shared["DossiersTableName"]
        assert variables["NOTIFICATIONS_QUEUE"] == shared["NotificationsQueueName"]
        assert variables["DOSSIER_RESULTS_BUCKET"] == shared["DossierResultsBucketName"]
        assert variables["DOSSIER_CONTACT_KEY"] == shared["DossierContactKeyArn"]
        assert variables["NOTIFICATION_SENDER"] == shared["NotificationSender"]
        assert variables["PORTAL_PUBLIC_URL"] == "https://dev.dichvucong.gov.vn"
    mappings = _client("lambda", endpoint).list_event_source_mappings()["EventSourceMappings"]
    by_queue = {
        m["EventSourceArn"]: m["FunctionArn"].rsplit(":", 1)[-1]
        for m in mappings
        if m["FunctionArn"].rsplit(":", 1)[-1] in names
    }
    assert by_queue == {
        shared["NotificationsQueueArn"]: f"portal-{STAGE}-send-notifications",
        shared["DossierPaymentsQueueArn"]: f"portal-{STAGE}-mark-paid",
        shared["DossierResultsQueueArn"]: f"portal-{STAGE}-check-results",
    }


def _statements(endpoint: str, function_name: str) -> dict[str, Any]:  # noqa: F811
    iam = _client("iam", endpoint)
    function = _client("lambda", endpoint).get_function(FunctionName=function_name)
    role = function["Configuration"]["Role"].rsplit("/", 1)[-1]
    (policy_name,) = iam.list_role_policies(RoleName=role)["PolicyNames"]
    document = iam.get_role_policy(RoleName=role, PolicyName=policy_name)["PolicyDocument"]
    if isinstance(document, str):
        document = ast.literal_eval(document)
    return {s["Sid"]: s for s in document["Statement"]}


def test_only_the_notifier_may_send_mail_and_sms(
    deployed: str,
    endpoint: str,  # noqa: F811
) -> None:
    shared = _outputs(endpoint, f"portal-{STAGE}-shared")
    notifier = _statements(endpoint, f"portal-{STAGE}-send-notifications")
    assert notifier["EmailFromThePortal"]["Resource"] == shared["NotificationSenderIdentityArn"]
    assert notifier["NoTopics"]["Effect"] == "Deny"
    assert notifier["QueueConsume"]["Resource"] == [shared["NotificationsQueueArn"]]
    api = _statements(endpoint, f"portal-{STAGE}-dossiers-api")
    assert "EmailFromThePortal" not in api and "SmsToPhones" not in api
    assert api["ApplicantsSeal"]["Resource"] == shared["DossierContactKeyArn"]
    assert api["OwnTableWrite"]["Resource"] == [
        shared["DossiersTableArn"],
        f"{shared['DossiersTableArn']}/index/*",
    ]
