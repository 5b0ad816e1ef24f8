"""``portal deploy`` into moto's CloudFormation, served over HTTP like AWS: the shared stack,
then a service's stack wired to it, waited for with progress shown, and a second deploy of the
same package changes nothing."""

from __future__ import annotations

import ast
import json
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from infra import cli, world
from tests.operations.conftest import STAGE

pytestmark = pytest.mark.xdist_group("packaging")

REGION = "ap-southeast-1"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# Session, not module: xdist may hand this worker the packaging group's modules interleaved,
# and a module fixture would then deploy again (some 200 s) each time the module resumes.
@pytest.fixture(scope="session")
def endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def _client(name: str, endpoint: str) -> Any:
    return boto3.client(name, endpoint_url=endpoint, region_name=REGION)


def _deploy(endpoint: str, package_dir: Path, *extra: str) -> int:
    return cli.main(
        [
            "deploy",
            "--stage",
            STAGE,
            "--package",
            str(package_dir),
            "--endpoint-url",
            endpoint,
            *extra,
        ]
    )


def _outputs(endpoint: str, stack: str) -> dict[str, str]:
    described = _client("cloudformation", endpoint).describe_stacks(StackName=stack)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


@pytest.fixture(scope="session")
def first_deploy(endpoint: str, package_dir: Path) -> str:
    """Deploy shared then ratings once, and return what the operator saw."""
    import contextlib
    import io

    shown = io.StringIO()
    with contextlib.redirect_stdout(shown):
        assert _deploy(endpoint, package_dir, "--service", "ratings") == 0
    return shown.getvalue()


def test_the_shared_stack_goes_first_then_the_service_with_progress_shown(
    first_deploy: str, endpoint: str
) -> None:
    lines = first_deploy.splitlines()

    def position(prefix: str) -> int:
        return next(i for i, line in enumerate(lines) if line.startswith(prefix))

    shared_done = position(f"portal-{STAGE}-shared: CREATE_COMPLETE in")
    ratings_done = position(f"portal-{STAGE}-ratings: CREATE_COMPLETE in")
    assert shared_done < ratings_done
    assert any("ratings: uploading bundle" in line for line in lines)
    assert lines[-1].startswith("ratings") and lines[-1].endswith("/api/")  # the endpoint URL
    statuses = {
        s["StackName"]: s["StackStatus"]
        for s in _client("cloudformation", endpoint).describe_stacks()["Stacks"]
    }
    assert statuses == {
        f"portal-{STAGE}-shared": "CREATE_COMPLETE",
        f"portal-{STAGE}-ratings": "CREATE_COMPLETE",
    }


def test_the_services_functions_are_wired_to_the_shared_stacks_tables_and_queues(
    first_deploy: str, endpoint: str
) -> None:
    shared = _outputs(endpoint, f"portal-{STAGE}-shared")
    functions = {
        f["FunctionName"]: f for f in _client("lambda", endpoint).list_functions()["Functions"]
    }
    assert set(functions) == {
        f"portal-{STAGE}-ratings-api",
        f"portal-{STAGE}-take-dossier-events",
        f"portal-{STAGE}-count-ratings",
        f"portal-{STAGE}-sweep-ratings",
    }
    for function in functions.values():
        variables = function["Environment"]["Variables"]
        assert variables["RATINGS_TABLE"] == shared["RatingsTableName"]
        assert variables["CATALOGUE_TABLE"] == shared["CatalogueTableName"]
        assert variables["FEEDBACK_INTAKE_QUEUE"] == shared["FeedbackIntakeQueueName"]
        assert variables["RATING_EVENTS_QUEUE"] == shared["RatingEventsQueueName"]
    mappings = _client("lambda", endpoint).list_event_source_mappings()["EventSourceMappings"]
    by_queue = {m["EventSourceArn"]: m for m in mappings}
    assert set(by_queue) == {shared["DossierEventsQueueArn"], shared["RatingEventsQueueArn"]}
    for mapping in mappings:
        assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_the_deployed_roles_name_the_shared_stacks_exact_resources(
    first_deploy: str, endpoint: str
) -> None:
    shared = _outputs(endpoint, f"portal-{STAGE}-shared")
    iam = _client("iam", endpoint)
    functions = _client("lambda", endpoint).list_functions()["Functions"]
    counting = next(f for f in functions if f["FunctionName"].endswith("-count-ratings"))
    role = counting["Role"].rsplit("/", 1)[-1]
    (policy_name,) = iam.list_role_policies(RoleName=role)["PolicyNames"]
    document = iam.get_role_policy(RoleName=role, PolicyName=policy_name)["PolicyDocument"]
    if isinstance(document, str):
        # moto keeps a policy that CloudFormation gave it as Python's text of the dict.
        document = ast.literal_eval(document)
    statements = {s["Sid"]: s for s in document["Statement"]}
    assert statements["OwnTableWrite"]["Resource"] == [
        shared["RatingsTableArn"],
        f"{shared['RatingsTableArn']}/index/*",
    ]
    assert statements["QueueConsume"]["Resource"] == [shared["RatingEventsQueueArn"]]
    assert sorted(statements["QueuesSend"]["Resource"]) == sorted(
        [
            shared["RatingEventsQueueArn"],
            shared["FeedbackIntakeQueueArn"],
            shared["ReportEventsQueueArn"],
        ]
    )


def test_the_dashboard_exists_and_the_deployed_stacks_carry_their_alarms(
    first_deploy: str, endpoint: str
) -> None:
    cloudwatch = _client("cloudwatch", endpoint)
    dashboards = {d["DashboardName"] for d in cloudwatch.list_dashboards()["DashboardEntries"]}
    assert f"portal-{STAGE}-ratings" in dashboards
    # moto's CloudFormation does not create CloudWatch alarms, so the alarms are read from
    # the templates the stacks were deployed with.
    cloudformation = _client("cloudformation", endpoint)

    def alarm_names(stack: str) -> set[str]:
        body = cloudformation.get_template(StackName=stack)["TemplateBody"]
        template = body if isinstance(body, dict) else world.load(body)
        names = [
            r["Properties"]["AlarmName"]
            for r in template["Resources"].values()
            if r["Type"] == "AWS::CloudWatch::Alarm"
        ]
        # The shared template names its alarms with !Sub; the service templates in full.
        return {name["Fn::Sub"] if isinstance(name, dict) else name for name in names}

    shared = alarm_names(f"portal-{STAGE}-shared")
    for queue in ("procedure-changes", "payment-settled", "feedback-intake", "dossier-events"):
        assert f"portal-${{Stage}}-{queue}-dlq-not-empty" in shared
    ratings = alarm_names(f"portal-{STAGE}-ratings")
    assert f"portal-{STAGE}-ratings-5xx-rate" in ratings
    assert f"portal-{STAGE}-count-ratings-errors" in ratings


def test_the_api_is_deployed_with_every_route(first_deploy: str, endpoint: str) -> None:
    from services.ratings.app import app

    api_id = _outputs(endpoint, f"portal-{STAGE}-ratings")["RestAPIId"]
    apigateway = _client("apigateway", endpoint)
    resources = apigateway.get_resources(restApiId=api_id, limit=500)["items"]
    deployed = {
        (r["path"], method) for r in resources for method in (r.get("resourceMethods") or {})
    }
    expected = {(path, method) for path, methods in app.routes.items() for method in methods}
    assert deployed == expected


def test_deploying_the_same_package_again_changes_nothing(
    first_deploy: str, endpoint: str, package_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    artifacts = _outputs(endpoint, f"portal-{STAGE}-shared")["ArtifactsBucketName"]
    before = _client("s3", endpoint).list_object_versions(Bucket=artifacts).get("Versions", [])
    assert _deploy(endpoint, package_dir, "--service", "ratings") == 0
    after = _client("s3", endpoint).list_object_versions(Bucket=artifacts).get("Versions", [])
    assert len(after) == len(before)  # content-addressed bundles are not uploaded twice
    shown = capsys.readouterr().out
    assert f"portal-{STAGE}-shared: left as deployed" in shown
    assert f"portal-{STAGE}-ratings: unchanged" in shown
    assert "UPDATE_COMPLETE" not in shown
    functions = _client("lambda", endpoint).list_functions()["Functions"]
    assert len(functions) == 4


def test_a_package_for_another_stage_is_refused(
    first_deploy: str, endpoint: str, package_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(
        [
            "deploy",
            "--stage",
            "prod",
            "--package",
            str(package_dir),
            "--endpoint-url",
            endpoint,
            "--region",
            REGION,
        ]
    )
    assert code == 1
    assert "packaged for 'dev', not 'prod'" in capsys.readouterr().err
    stacks = _client("cloudformation", endpoint).describe_stacks()["Stacks"]
    assert not any(s["StackName"].startswith("portal-prod-") for s in stacks)


def test_a_service_deploy_leaves_the_shared_stack_alone_unless_asked(
    first_deploy: str,
    endpoint: str,
    package_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # An older package whose shared template lacks an output: a rollback of one service
    # must not take the shared stack back with it.
    older = tmp_path / "older"
    shutil.copytree(package_dir, older)
    template = world.load((older / "shared" / "template.yaml").read_text())
    del template["Outputs"]["AlarmTopicArn"]
    del template["Resources"]["AlarmTopic"]
    for resource in template["Resources"].values():
        properties = resource.get("Properties", {})
        properties.pop("AlarmActions", None)
        properties.pop("OKActions", None)
    (older / "shared" / "template.yaml").write_text(json.dumps(template))
    capsys.readouterr()
    assert _deploy(endpoint, older, "--service", "ratings") == 0
    assert "AlarmTopicArn" in _outputs(endpoint, f"portal-{STAGE}-shared")
    assert f"portal-{STAGE}-shared: left as deployed" in capsys.readouterr().out


def test_cloudformations_refusal_is_reported_without_a_traceback(
    first_deploy: str,
    endpoint: str,
    package_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(package_dir, broken)
    path = broken / "catalogue" / "template.json"
    template = json.loads(path.read_text())
    function = template["Resources"]["APIHandler"]["Properties"]
    function["Environment"]["Variables"]["NOWHERE"] = {"Fn::ImportValue": "portal-dev-Nowhere"}
    path.write_text(json.dumps(template))
    capsys.readouterr()
    assert _deploy(endpoint, broken, "--service", "catalogue") == 1
    error = capsys.readouterr().err
    assert "Traceback" not in error
    # The last line is ours (moto's server thread writes its own warnings before it).
    last = error.strip().splitlines()[-1]
    assert last.startswith(f"portal deploy: portal-{STAGE}-catalogue: ")
    assert "portal-dev-Nowhere" in last
