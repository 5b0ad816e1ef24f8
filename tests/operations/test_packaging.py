"""``portal package``: every stack's template lint-clean and complete, every bundle holding its
service and nothing it should not."""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import platform
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from infra import cli, monitoring, packaging, stages, world
from tests.operations.conftest import STAGE, resources_of

pytestmark = pytest.mark.xdist_group("packaging")

SERVICES = ("catalogue", "payments", "feedback", "ratings", "dossiers", "reports")
SHARED_OUTPUTS = set(world.template()["Outputs"])


def _names(bundle: Path) -> list[str]:
    with zipfile.ZipFile(bundle) as zipped:
        return zipped.namelist()


def test_the_package_has_the_shared_template_and_each_services_template_and_bundle(
    package_dir: Path,
) -> None:
    manifest = json.loads((package_dir / "manifest.json").read_text())
    assert manifest["stage"] == STAGE
    assert (package_dir / "shared" / "template.yaml").read_text() == world.template_text()
    assert sorted(manifest["services"]) == sorted(SERVICES)
    for entry in manifest["services"].values():
        assert (package_dir / entry["template"]).is_file()
        assert (package_dir / entry["bundle"]).stat().st_size == entry["bundle_bytes"]


def test_the_shared_template_fits_in_a_create_stack_call() -> None:
    # It is sent inline: the artifacts bucket that holds the services' templates is in it.
    assert len(world.template_text().encode()) < 51_200


@pytest.mark.parametrize(
    "path", ["shared/template.yaml", *(f"{s}/template.json" for s in SERVICES)]
)
def test_every_template_is_cfn_lint_clean(package_dir: Path, path: str) -> None:
    assert packaging.lint(package_dir / path) == []


@pytest.mark.parametrize("service", SERVICES)
def test_a_bundle_holds_the_app_its_service_and_core_and_no_other_service(
    package_dir: Path, service: str
) -> None:
    names = _names(package_dir / service / "deployment.zip")
    tops = {name.split("/", 1)[0] for name in names}
    assert "app.py" in names
    assert f"services/{service}/domain.py" in names
    assert "services/core/api.py" in names
    assert {"chalice", "pydantic", "aws_lambda_powertools", "jwt"} <= tops
    others = {n.split("/")[1] for n in names if n.startswith("services/") and n.count("/") > 1}
    assert others - {"__pycache__"} == {"core", service}
    # The runtime's boto3 and botocore are used, not a second copy that would shadow them.
    assert not tops & {"boto3", "botocore", "s3transfer"}
    assert not any(name.endswith("/.chalice/config.json") for name in names)


@pytest.mark.parametrize("service", SERVICES)
def test_a_bundle_carries_bytecode_that_lambda_can_use_without_checking_dates(
    package_dir: Path, service: str
) -> None:
    tag = sys.implementation.cache_tag
    with zipfile.ZipFile(package_dir / service / "deployment.zip") as zipped:
        names = set(zipped.namelist())
        for module in ("app", f"services/{service}/domain", "services/core/api", "pydantic/main"):
            folder, _, stem = module.rpartition("/")
            compiled = f"{folder}/__pycache__/{stem}.{tag}.pyc".lstrip("/")
            assert compiled in names
            header = zipped.read(compiled)[:16]
            assert header[:4] == importlib.util.MAGIC_NUMBER
            # Hash-based and unchecked: bit 0 set, bit 1 (check the source) clear.
            assert int.from_bytes(header[4:8], "little") == 0b01


@pytest.mark.skipif(
    platform.machine() not in ("x86_64", "AMD64"),
    reason="the bundle's compiled wheels are for Lambda's x86_64; this machine cannot load them",
)
@pytest.mark.parametrize("service", SERVICES)
def test_a_bundle_imports_on_its_own_as_lambda_would(
    package_dir: Path, service: str, tmp_path: Path
) -> None:
    with zipfile.ZipFile(package_dir / service / "deployment.zip") as zipped:
        zipped.extractall(tmp_path)
    # Only the bundle and the standard library, plus boto3 as the runtime has it.
    import boto3
    import botocore

    runtime = {str(Path(m.__file__).parent.parent) for m in (boto3, botocore)}  # type: ignore[arg-type]
    probe = (
        "import sys; sys.path[:] = [p for p in sys.path if 'site-packages' not in p]; "
        f"sys.path[:0] = [{str(tmp_path)!r}]; sys.path += {sorted(runtime)!r}; "
        "import app, pydantic, services; "
        "print(app.app.app_name, pydantic.__file__, services.__file__)"
    )
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "AWS_DEFAULT_REGION": "ap-southeast-1",
        "PORTAL_STAGE": STAGE,
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
    result = subprocess.run(
        [sys.executable, "-I", "-c", probe],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    app_name, pydantic_file, services_file = result.stdout.split()
    assert app_name == f"portal-{service}"
    assert pydantic_file.startswith(str(tmp_path))
    assert services_file.startswith(str(tmp_path))


@pytest.mark.parametrize("service", SERVICES)
def test_every_function_is_named_sized_traced_and_logged_for_the_stage(
    templates: dict[str, dict[str, Any]], service: str
) -> None:
    template = templates[service]
    stage = stages.stage(STAGE)
    log_groups = {
        r["Properties"]["LogGroupName"]: r["Properties"]
        for r in resources_of(template, "AWS::Logs::LogGroup").values()
    }
    functions = resources_of(template, "AWS::Lambda::Function")
    assert functions
    for function in functions.values():
        properties = function["Properties"]
        assert properties["FunctionName"].startswith(f"portal-{STAGE}-")
        assert properties["MemorySize"] == stage.memory_mb
        assert properties["TracingConfig"] == {"Mode": "Active"}
        # SQS wants a visibility timeout of six times the consumer's; the queues have 180 s.
        assert properties["Timeout"] * 6 <= 180
        log_group = log_groups[f"/aws/lambda/{properties['FunctionName']}"]
        assert log_group["RetentionInDays"] == stage.log_retention_days
    rules = resources_of(template, "AWS::Events::Rule").values()
    names = {f["Properties"]["FunctionName"] for f in functions.values()}
    # Every service but reports (which only counts what it is sent) has a schedule, and each
    # rule is named after its function.
    assert rules or service == "reports"
    assert {r["Properties"]["Name"].removesuffix("-schedule") for r in rules} <= names
    for log_group in resources_of(template, "AWS::Logs::LogGroup").values():
        assert log_group["DeletionPolicy"] == "RetainExceptOnCreate"


@pytest.mark.parametrize("service", SERVICES)
def test_the_environment_names_come_from_the_shared_stacks_exports(
    templates: dict[str, dict[str, Any]], service: str
) -> None:
    stage = stages.stage(STAGE)
    for function in resources_of(templates[service], "AWS::Lambda::Function").values():
        variables = function["Properties"]["Environment"]["Variables"]
        imported = {k: v["Fn::ImportValue"] for k, v in variables.items() if isinstance(v, dict)}
        assert variables[f"{service.upper()}_TABLE"] == {
            "Fn::ImportValue": f"portal-{STAGE}-{service.capitalize()}TableName"
        }
        for export in imported.values():
            assert export.removeprefix(f"portal-{STAGE}-") in SHARED_OUTPUTS
        assert variables["PORTAL_STAGE"] == STAGE
        assert variables["PORTAL_JWKS_URL"] == stage.jwks_url
        assert variables["PORTAL_JWT_ISSUER"] == stage.jwt_issuer
        assert variables["PORTAL_JWT_AUDIENCE"] == stage.jwt_audience
        assert (
            variables["PORTAL_CORS_ORIGINS"] == "https://dev.dichvucong.gov.vn,http://localhost:*"
        )
        assert "PORTAL_JWKS_JSON" not in variables  # keys come from the identity provider
        # Where banks send the citizen back: the stage's public address, for payments only.
        assert variables.get("PAYMENT_RETURN_URL") == (
            stage.payment_return_url if service == "payments" else None
        )
        # Links in letters and messages to citizens: for the services that send them.
        assert variables.get("PORTAL_PUBLIC_URL") == (
            stage.public_url if service in ("feedback", "dossiers") else None
        )


@pytest.mark.parametrize("service", SERVICES)
def test_every_queue_consumer_reads_a_shared_queue_and_reports_partial_failures(
    templates: dict[str, dict[str, Any]], service: str
) -> None:
    mappings = resources_of(templates[service], "AWS::Lambda::EventSourceMapping")
    app = importlib.import_module(f"services.{service}.app").app
    consumers = [h for h in app.event_sources if type(h).__name__ == "SQSEventConfig"]
    assert len(mappings) == len(consumers)
    for mapping in mappings.values():
        properties = mapping["Properties"]
        assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        export = properties["EventSourceArn"]["Fn::ImportValue"]
        assert export.removeprefix(f"portal-{STAGE}-") in SHARED_OUTPUTS


@pytest.mark.parametrize("service", SERVICES)
def test_the_api_has_exactly_the_apps_routes(
    templates: dict[str, dict[str, Any]], service: str
) -> None:
    template = templates[service]
    resources = template["Resources"]
    app = importlib.import_module(f"services.{service}.app").app

    def path_of(reference: Any) -> str:
        if "Fn::GetAtt" in reference:
            return ""
        resource = resources[reference["Ref"]]["Properties"]
        return f"{path_of(resource['ParentId'])}/{resource['PathPart']}"

    deployed = {
        (path_of(m["Properties"]["ResourceId"]) or "/", m["Properties"]["HttpMethod"])
        for m in resources_of(template, "AWS::ApiGateway::Method").values()
    }
    expected = {(path, method) for path, methods in app.routes.items() for method in methods}
    assert deployed == expected
    for method in resources_of(template, "AWS::ApiGateway::Method").values():
        assert method["Properties"]["Integration"]["Type"] == "AWS_PROXY"
    deployment = next(iter(resources_of(template, "AWS::ApiGateway::Deployment").values()))
    # The API is deployed after its methods exist, or the deployment would be empty.
    assert len(deployment["DependsOn"]) == len(deployed)


@pytest.mark.parametrize("service", SERVICES)
def test_alarms_watch_every_function_and_the_apis_5xx_rate(
    templates: dict[str, dict[str, Any]], service: str
) -> None:
    template = templates[service]
    alarms = [a["Properties"] for a in resources_of(template, "AWS::CloudWatch::Alarm").values()]
    topic = {"Fn::ImportValue": f"portal-{STAGE}-AlarmTopicArn"}
    assert all(alarm["AlarmActions"] == [topic] for alarm in alarms)
    watched = {
        d["Value"]
        for alarm in alarms
        if alarm["MetricName"] == "Errors"
        for d in alarm["Dimensions"]
    }
    names = {
        f["Properties"]["FunctionName"]
        for f in resources_of(template, "AWS::Lambda::Function").values()
    }
    assert watched == names
    server_errors = [a for a in alarms if a["MetricName"] == "5XXError"]
    assert len(server_errors) == 1
    assert server_errors[0]["Statistic"] == "Average"  # the share of requests, not a count
    assert {"Name": "ApiName", "Value": f"portal-{STAGE}-{service}"} in server_errors[0][
        "Dimensions"
    ]


def test_payments_alarms_on_refused_bank_callbacks(templates: dict[str, dict[str, Any]]) -> None:
    alarms = [
        a["Properties"]
        for a in resources_of(templates["payments"], "AWS::CloudWatch::Alarm").values()
    ]
    rejections = [a for a in alarms if a["MetricName"] == "CallbacksRejected"]
    assert len(rejections) == 1
    assert rejections[0]["Namespace"] == monitoring.NAMESPACE
    assert rejections[0]["Dimensions"] == [{"Name": "service", "Value": "payments"}]
    for service in ("catalogue", "feedback", "ratings", "dossiers"):
        assert "CallbackRejectionsAlarm" not in templates[service]["Resources"]


def test_dossiers_alarms_on_a_notification_it_cannot_say_was_sent(
    templates: dict[str, dict[str, Any]],
) -> None:
    alarms = [
        a["Properties"]
        for a in resources_of(templates["dossiers"], "AWS::CloudWatch::Alarm").values()
    ]
    uncertain = [a for a in alarms if a["MetricName"] == "NotificationsUncertain"]
    assert len(uncertain) == 1
    assert uncertain[0]["Dimensions"] == [{"Name": "service", "Value": "dossiers"}]
    assert uncertain[0]["Threshold"] == 1


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_has_a_dashboard_of_its_functions_queues_and_business(
    templates: dict[str, dict[str, Any]], service: str
) -> None:
    dashboards = resources_of(templates[service], "AWS::CloudWatch::Dashboard")
    (dashboard,) = dashboards.values()
    assert dashboard["Properties"]["DashboardName"] == f"portal-{STAGE}-{service}"
    body = json.loads(
        dashboard["Properties"]["DashboardBody"]["Fn::Sub"].replace("${AWS::Region}", "x")
    )
    shown = json.dumps(body)
    for function in resources_of(templates[service], "AWS::Lambda::Function").values():
        assert function["Properties"]["FunctionName"] in shown
    for metric in monitoring.BUSINESS_METRICS[service]:
        assert f'"{metric}"' in shown


def test_every_business_metric_the_code_emits_is_on_a_dashboard() -> None:
    import re

    documented = {m for names in monitoring.BUSINESS_METRICS.values() for m in names}
    for service in SERVICES:
        source = "\n".join(p.read_text() for p in (packaging.SERVICES_DIR / service).glob("*.py"))
        emitted = set(re.findall(r'add_metric\(name="(\w+)"', source))
        assert emitted <= documented, emitted - documented
    # Feedback names a step's metric by the status it leads to: every status may appear.
    from typing import get_args

    from services.feedback import domain

    assert re.search(
        r'add_metric\(name=f"Cases\{after\.status\.capitalize\(\)\}"',
        (packaging.SERVICES_DIR / "feedback" / "service.py").read_text(),
    )
    steps = {f"Cases{status.capitalize()}" for status in get_args(domain.Status)}
    assert steps - {"CasesReceived"} <= documented, steps - documented


def test_an_unknown_stage_is_refused_before_anything_is_built(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["package", "--stage", "qa", "--out", str(tmp_path / "out")]) == 2
    assert "no stage 'qa'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
