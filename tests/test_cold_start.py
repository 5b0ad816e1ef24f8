"""Cold start: importing an app in a fresh interpreter costs at most 1.15 times importing
what any Chalice app on DynamoDB needs (boto3, pydantic, chalice, one client and one
pydantic model: pydantic loads its model machinery, about 90 ms of CPU, on the first class
that subclasses ``BaseModel``, so that is the library's cost, not the app's).

Each import is timed inside its own fresh interpreter, in CPU time, the app and the baseline
in turn so that a busy machine slows both alike, and the fastest of several runs is
compared: the fastest run is the one least disturbed by whatever else the machine is doing.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

SERVICES = ["catalogue", "payments", "feedback", "ratings", "dossiers", "reports"]
RATIO_LIMIT = 1.15
RUNS = 5

BASELINE = (
    "import boto3, pydantic, chalice.app; boto3.client('dynamodb')\n"
    "class Body(pydantic.BaseModel):\n"
    "    name: str"
)
# CPU time of the importing process, not the wall clock: on a shared machine (CI runs two
# test workers) another process's load stretches the wall clock of either side unevenly.
_TIMER = """
import time
started = time.process_time()
{statement}
print(time.process_time() - started)
"""


def lambda_like_environment() -> dict[str, str]:
    """As deployed: tracing and metrics on (the tests turn them off)."""
    environment = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    environment.pop("POWERTOOLS_TRACE_DISABLED", None)
    environment.pop("POWERTOOLS_METRICS_DISABLED", None)
    return environment


def seconds_to_run(statement: str) -> float:
    environment = lambda_like_environment()
    result = subprocess.run(
        [sys.executable, "-c", _TIMER.format(statement=statement)],
        capture_output=True,
        text=True,
        env=environment,
        check=True,
        timeout=60,
    )
    return float(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("service", SERVICES)
def test_importing_the_app_costs_little_more_than_its_libraries(service: str) -> None:
    app_times, baseline_times = [], []
    for _ in range(RUNS):
        app_times.append(seconds_to_run(f"import services.{service}.app"))
        baseline_times.append(seconds_to_run(BASELINE))
    ratio = min(app_times) / min(baseline_times)
    assert ratio <= RATIO_LIMIT, (
        f"services.{service}.app imports in {min(app_times) * 1000:.0f} ms, "
        f"{ratio:.2f} times the {min(baseline_times) * 1000:.0f} ms baseline"
    )


def test_importing_an_app_touches_no_aws() -> None:
    """Nothing at import time may need the network: a cold start pays for that twice."""
    statement = (
        "import sys, services.catalogue.app, services.payments.app, "
        "services.feedback.app, services.ratings.app, services.dossiers.app; "
        "assert 'moto' not in sys.modules; "
        "assert 'yaml' not in sys.modules; "
        "assert 'cryptography.hazmat.primitives.asymmetric.ec' not in sys.modules; "
        "assert 'aws_xray_sdk' not in sys.modules"
    )
    # Nothing listens there: a call to AWS at import time would fail the import.
    environment = {**lambda_like_environment(), "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}
    subprocess.run([sys.executable, "-c", statement], env=environment, check=True, timeout=60)


def test_tracing_patches_only_what_the_services_call_out_through() -> None:
    """The first traced request imports X-Ray's patches for AWS and HTTP, not every driver."""
    statement = (
        "import sys; from services.core import observability; "
        "assert observability.tracer('probe') is not None; "
        "import aws_xray_sdk.core.patcher as patcher; "
        "assert {'botocore', 'httplib'} <= set(patcher._PATCHED_MODULES), "
        "patcher._PATCHED_MODULES; "
        "assert 'sqlite3' not in sys.modules and 'aws_xray_sdk.ext.sqlite3' not in sys.modules"
    )
    # As in Lambda: Powertools switches the tracer on only where a task root is set.
    environment = {**lambda_like_environment(), "LAMBDA_TASK_ROOT": "/var/task"}
    result = subprocess.run(
        [sys.executable, "-c", statement],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-1500:]
