"""Cold start of the four apps as Lambda runs them, and the size of their bundles.

    .venv/bin/python bench/cold_start.py [--runs 5]

The four services are packaged for stage ``dev`` with ``infra.packaging`` (the bundles a
deploy would upload) and each bundle is extracted. For each app, a fresh interpreter sees
only what a Lambda container has: the bundle first, then the runtime's boto3 and botocore
(a directory holding just the packages ``packaging.RUNTIME_PROVIDED`` names, so a
dependency missing from the bundle fails here as it would in Lambda, instead of being
found in this project's virtualenv), then the standard library. It runs with ``-I -S``
(none of the virtualenv's ``.pth`` files, one of which maps ``services`` to this checkout)
and ``-B``: Lambda's task directory is read-only, so Python compiles every module of a
bundle that ships no bytecode at every cold start, and so does each run here. The
environment is the API function's from the generated template plus what the Lambda
runtime sets; tracing and metrics are on, as deployed; AWS and the identity provider are
pointed at a closed local port, so a network call would fail rather than leave the machine.

Measured, per app, each in its own interpreter:
- init: ``import app`` (the module holding Chalice's handler), Lambda's init phase;
- first invocation: ``app.app(event, context)`` right after, with an API Gateway REST proxy
  event for ``GET /openapi.json`` (answered without AWS) and a fake Lambda context; the
  X-Ray tracer is created there, not at import (``services.core.observability``);
- baseline: ``import boto3; boto3.client('dynamodb')`` in the same kind of interpreter,
  what any Python Lambda on DynamoDB pays; reported as init / baseline;
- what-if: init from a copy of the bundle compiled to bytecode beforehand, to show what
  shipping ``.pyc`` files would save.

A shared 2-core machine makes absolute milliseconds vary from run to run and from this
machine to Lambda's, so the figure to compare over time is the ratio of init to the
baseline: the three interpreters of an app alternate in each round, each round in another
order, so drift hits them alike. Minimum (least disturbed) and median are printed. No
targets: the ratio and the sizes are information.

Before the timed rounds, one probe run per app (untimed, under ``-X importtime`` and an
audit hook on sockets, which sees a connection even when the code swallows its failure)
reports any network use at init and at the first invocation, and which packages' imports
cost most in each phase; it checks that ``/openapi.json`` answers 200 with the document.
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import json
import os
import py_compile
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Run as a script, Python puts bench/ on the path, not the project root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Row, ms, p50, print_table
from infra import access, packaging, stages

STAGE = "dev"
CLOSED_PORT = "http://127.0.0.1:9"
MIB = 1 << 20
LAMBDA_UNZIPPED_LIMIT = 250 * MIB
BIGGEST = 5
# Lambda sets this per invocation; Sampled=1 makes X-Ray record the first invocation.
TRACE_ID = "Root=1-65a1b2c3-0123456789abcdef01234567;Parent=0123456789abcdef;Sampled=1"
MARK = "@@cold-start@@"

# Runs in the fresh interpreter. Nothing is imported before the clock starts but ``sys``
# and ``time``, which every interpreter has loaded anyway: anything else would be taken out
# of the measurement.
CHILD = r"""
import sys, time

mode, task_root, runtime, probe = sys.argv[1:5]
MARK = "@@cold-start@@"
sys.path[:] = [p for p in (task_root, runtime) if p] + sys.path
network = []
phase = "init"

if probe:
    def watch(event, args):
        if event in ("socket.connect", "socket.sendto"):
            kind = getattr(args[0].type, "name", str(args[0].type))
            kind = "udp" if kind == "SOCK_DGRAM" else "tcp"
            where = args[1]
            where = f"{where[0]}:{where[1]}" if isinstance(where, tuple) else str(where)
            network.append((phase, f"{kind} {where}"))
        elif event == "socket.getaddrinfo":
            network.append((phase, f"resolve {args[0]}:{args[1]}"))
        elif event == "socket.gethostbyname":
            network.append((phase, f"resolve {args[0]}"))

    sys.addaudithook(watch)


class Context:
    function_name = "portal-function"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:ap-southeast-1:123456789012:function:portal-function"
    memory_limit_in_mb = 512
    aws_request_id = "8f5e2b4c-0d3a-4b1e-9c77-5a6d2e1f0b9a"
    log_group_name = "/aws/lambda/portal-function"
    log_stream_name = "2024/01/01/[$LATEST]0123456789abcdef0123456789abcdef"

    def get_remaining_time_in_millis(self):
        return 30000


EVENT = {
    "resource": "/openapi.json",
    "path": "/openapi.json",
    "httpMethod": "GET",
    "headers": {
        "Accept": "application/json",
        "Host": "abcdef1234.execute-api.ap-southeast-1.amazonaws.com",
        "User-Agent": "cold-start-bench",
        "X-Forwarded-For": "203.0.113.7",
        "X-Forwarded-Port": "443",
        "X-Forwarded-Proto": "https",
    },
    "multiValueHeaders": None,
    "queryStringParameters": None,
    "multiValueQueryStringParameters": None,
    "pathParameters": None,
    "stageVariables": None,
    "requestContext": {
        "resourceId": "abc123",
        "resourcePath": "/openapi.json",
        "httpMethod": "GET",
        "path": "/api/openapi.json",
        "stage": "api",
        "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
        "accountId": "123456789012",
        "apiId": "abcdef1234",
        "protocol": "HTTP/1.1",
        "identity": {"sourceIp": "203.0.113.7", "userAgent": "cold-start-bench"},
    },
    "body": None,
    "isBase64Encoded": False,
}

if probe:
    print(MARK, "start", file=sys.stderr, flush=True)
started = time.perf_counter()
if mode == "baseline":
    import boto3

    boto3.client("dynamodb")
else:
    import app
init = time.perf_counter() - started
modules_at_init = len(sys.modules)
first = response = None
if mode != "baseline":
    if probe:
        print(MARK, "invoke", file=sys.stderr, flush=True)
        phase = "first invocation"
    started = time.perf_counter()
    response = app.app(EVENT, Context())
    first = time.perf_counter() - started
    if probe:
        print(MARK, "done", file=sys.stderr, flush=True)
import json

status = version = None
if response is not None:
    status = response["statusCode"]
    try:
        version = json.loads(response["body"]).get("openapi")
    except ValueError:
        pass
print(MARK + json.dumps({
    "init": init, "first": first, "status": status, "openapi": version,
    "modules": [modules_at_init, len(sys.modules)], "network": network,
}), flush=True)
"""


# -- packaging -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Bundle:
    service: str
    task_root: Path
    compiled_root: Path
    bundle_bytes: int
    unzipped_bytes: int
    biggest: list[tuple[str, int]]
    environment: dict[str, str]


def top_level(name: str) -> str:
    """The package or module a bundle path belongs to (``_cffi_backend.cpython-311-...so``
    and ``six.py`` are modules of their own)."""
    top = name.split("/", 1)[0]
    if "/" not in name and not top.endswith(".dist-info"):
        return top.split(".", 1)[0]
    return top


def biggest_packages(bundle: Path) -> list[tuple[str, int]]:
    sizes: Counter[str] = Counter()
    with zipfile.ZipFile(bundle) as zipped:
        for info in zipped.infolist():
            sizes[top_level(info.filename)] += info.file_size
    return sizes.most_common(BIGGEST)


def runtime_directory(into: Path) -> Path:
    """What Lambda's Python runtime provides next to the bundle (its ``/var/runtime``): the
    packages the bundle leaves out, linked from this interpreter's installation."""
    runtime = into / "runtime"
    runtime.mkdir()
    for name in sorted(packaging.RUNTIME_PROVIDED):
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            raise SystemExit(f"{name} is not installed; the Lambda runtime would provide it")
        source = Path(spec.origin)
        if spec.submodule_search_locations:
            source = source.parent
        (runtime / source.name).symlink_to(source)
    return runtime


def api_function(template: dict[str, Any]) -> dict[str, Any]:
    for resource in template["Resources"].values():
        if (
            resource["Type"] == "AWS::Lambda::Function"
            and resource["Properties"]["Handler"] == "app.app"
        ):
            return resource["Properties"]  # type: ignore[no-any-return]
    raise SystemExit("the template has no function with Chalice's API handler, app.app")


def lambda_environment(
    service: str, function: dict[str, Any], task_root: Path, runtime: Path
) -> dict[str, str]:
    """The API function's environment as deployed, plus what the Lambda runtime adds."""
    region = stages.stage(STAGE).region
    # Values imported from the shared stack (table and queue names) are left to the
    # settings' defaults, which are the names that stack gives them.
    configured = {
        k: v for k, v in function["Environment"]["Variables"].items() if isinstance(v, str)
    }
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "POWERTOOLS_SERVICE_NAME": service,
        **configured,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
        "AWS_LAMBDA_FUNCTION_NAME": function["FunctionName"],
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function["MemorySize"]),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "_HANDLER": function["Handler"],
        # Powertools turns its tracer on only where this is set, i.e. in Lambda.
        "LAMBDA_TASK_ROOT": str(task_root),
        "LAMBDA_RUNTIME_DIR": str(runtime),
        # The role's session, as Lambda passes it: boto3 must not go looking for another.
        "AWS_ACCESS_KEY_ID": "ASIAXXXXXXXXXXXXXXXX",
        "AWS_SECRET_ACCESS_KEY": "cold-start-bench",
        "AWS_SESSION_TOKEN": "cold-start-bench",
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        # Lambda's X-Ray daemon listens on the box; UDP to a local port costs the same.
        "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
        "_X_AMZN_TRACE_ID": TRACE_ID,
        "AWS_ENDPOINT_URL": CLOSED_PORT,
        "PORTAL_JWKS_URL": f"{CLOSED_PORT.replace('http:', 'https:')}/.well-known/jwks.json",
    }
    # Measured with tracing and metrics on, the costlier case, should a stage turn them off.
    environment.pop("POWERTOOLS_TRACE_DISABLED", None)
    environment.pop("POWERTOOLS_METRICS_DISABLED", None)
    return environment


def prepare_bundles(work: Path) -> tuple[list[Bundle], Path]:
    out = work / "package"
    print(f"packaging {', '.join(access.SERVICES)} for {STAGE} ...", flush=True)
    manifest = packaging.package(STAGE, out)
    runtime = runtime_directory(work)
    bundles = []
    for service, entry in manifest["services"].items():
        zipped = out / entry["bundle"]
        task_root = work / "task" / service
        with zipfile.ZipFile(zipped) as archive:
            archive.extractall(task_root)
        compiled_root = work / "task-compiled" / service
        shutil.copytree(task_root, compiled_root)
        # What a bundle would ship: Chalice stamps every file 1980-01-01, which timestamp
        # pycs would not match, and checked-hash ones make Python read every source anyway.
        compileall.compile_dir(
            compiled_root,
            quiet=2,
            invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
        )
        template = json.loads((out / entry["template"]).read_text())
        bundles.append(
            Bundle(
                service=service,
                task_root=task_root,
                compiled_root=compiled_root,
                bundle_bytes=entry["bundle_bytes"],
                unzipped_bytes=entry["unzipped_bytes"],
                biggest=biggest_packages(zipped),
                environment=lambda_environment(service, api_function(template), task_root, runtime),
            )
        )
    return bundles, runtime


# -- one fresh interpreter -------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Outcome:
    init: float
    first: float | None
    result: dict[str, Any]
    stderr: str


def run_child(
    mode: str, task_root: Path | None, runtime: Path, environment: dict[str, str], probe: bool
) -> Outcome:
    command = [sys.executable, "-I", "-S", "-B"]
    if probe:
        command += ["-X", "importtime"]
    command += ["-c", CHILD, mode, str(task_root or ""), str(runtime), "1" if probe else ""]
    done = subprocess.run(
        command,
        env=environment,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith(MARK)]
    if done.returncode != 0 or not lines:
        where = task_root.name if task_root else "baseline"
        raise SystemExit(f"{mode} run for {where} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(lines[-1].removeprefix(MARK))
    return Outcome(result["init"], result["first"], result, done.stderr)


# -- the probe: network and import costs -----------------------------------------------------
@dataclass(frozen=True, slots=True)
class Probe:
    network: dict[str, list[str]]
    imports: dict[str, list[tuple[str, int]]]
    modules: tuple[int, int]


def import_costs(stderr: str) -> dict[str, Counter[str]]:
    """``-X importtime``'s self times (µs) summed per top-level package, per phase."""
    costs: dict[str, Counter[str]] = {"init": Counter(), "first invocation": Counter()}
    phase: str | None = None
    for line in stderr.splitlines():
        if line.startswith(MARK):
            phase = {"start": "init", "invoke": "first invocation"}.get(line.split()[-1])
            continue
        if phase is None or not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _, name = line.removeprefix("import time:").split("|")
        costs[phase][name.strip().split(".")[0]] += int(self_us)
    return costs


def probe(bundle: Bundle, runtime: Path) -> Probe:
    outcome = run_child("app", bundle.task_root, runtime, bundle.environment, probe=True)
    result = outcome.result
    if result["status"] != 200 or not str(result["openapi"]).startswith("3."):
        raise SystemExit(
            f"{bundle.service}: GET /openapi.json answered {result['status']} "
            f"(openapi {result['openapi']!r}); the first invocation measures nothing useful"
        )
    network: dict[str, list[str]] = {"init": [], "first invocation": []}
    counted = Counter((phase, what) for phase, what in result["network"])
    for (phase, what), times in counted.items():
        network[phase].append(what if times == 1 else f"{what} x{times}")
    costs = import_costs(outcome.stderr)
    return Probe(
        network=network,
        imports={phase: counter.most_common(BIGGEST) for phase, counter in costs.items()},
        modules=(result["modules"][0], result["modules"][1]),
    )


# -- timed rounds ----------------------------------------------------------------------------
KINDS = ("baseline", "app", "compiled")


@dataclass
class Samples:
    baseline: list[float] = field(default_factory=list)
    init: list[float] = field(default_factory=list)
    first: list[float] = field(default_factory=list)
    compiled: list[float] = field(default_factory=list)


def measure(bundles: list[Bundle], runtime: Path, runs: int) -> dict[str, Samples]:
    samples = {b.service: Samples() for b in bundles}
    for round_number in range(runs):
        # Each kind takes its turn to go first, so its place in a round favours none of them.
        shift = round_number % len(KINDS)
        order = KINDS[shift:] + KINDS[:shift]
        for bundle in bundles:
            found = samples[bundle.service]
            for kind in order:
                if kind == "baseline":
                    found.baseline.append(
                        run_child("baseline", None, runtime, bundle.environment, False).init
                    )
                elif kind == "app":
                    outcome = run_child("app", bundle.task_root, runtime, bundle.environment, False)
                    found.init.append(outcome.init)
                    assert outcome.first is not None
                    found.first.append(outcome.first)
                else:
                    found.compiled.append(
                        run_child(
                            "app", bundle.compiled_root, runtime, bundle.environment, False
                        ).init
                    )
        print(f"round {round_number + 1}/{runs} done", flush=True)
    return samples


# -- report ----------------------------------------------------------------------------------
def min_median(values: list[float]) -> str:
    return f"{ms(min(values))} min, {ms(p50(values))} median"


def package_list(entries: list[tuple[str, int]]) -> str:
    return ", ".join(f"{name} {size / MIB:.1f}" for name, size in entries) + " (MiB)"


def import_list(entries: list[tuple[str, int]]) -> str:
    if not entries:
        return "none"
    marked = [
        (f"{name} (stdlib)" if name in sys.stdlib_module_names else name, us)
        for name, us in entries
    ]
    return ", ".join(f"{name} {us / 1000:.0f}" for name, us in marked) + " (ms)"


def report(bundle: Bundle, found: Samples, probed: Probe, runs: int) -> None:
    ratio_min = min(found.init) / min(found.baseline)
    ratio_median = p50(found.init) / p50(found.baseline)
    compiled_min = min(found.compiled) / min(found.init)
    compiled_median = p50(found.compiled) / p50(found.init)
    network_init = ", ".join(probed.network["init"]) or "none"
    network_first = ", ".join(probed.network["first invocation"]) or "none"
    print_table(
        f"cold start: {bundle.service} ({runs} runs each, stage {STAGE}, "
        f"{bundle.environment['AWS_LAMBDA_FUNCTION_NAME']})",
        [
            Row("init: import app", min_median(found.init)),
            Row("first invocation: GET /openapi.json", min_median(found.first)),
            Row("baseline: import boto3; boto3.client('dynamodb')", min_median(found.baseline)),
            Row("init / baseline", f"{ratio_min:.2f} (min), {ratio_median:.2f} (median)"),
            Row(
                "what-if: init with bytecode shipped",
                f"{min_median(found.compiled)}; "
                f"{compiled_min:.2f} (min), {compiled_median:.2f} (median) of init",
            ),
            Row(
                "bundle zipped / unzipped",
                f"{bundle.bundle_bytes / MIB:.1f} MiB / {bundle.unzipped_bytes / MIB:.1f} MiB "
                f"({bundle.unzipped_bytes / LAMBDA_UNZIPPED_LIMIT:.0%} of Lambda's 250 MiB)",
            ),
            Row(f"{BIGGEST} biggest packages, unzipped", package_list(bundle.biggest)),
            Row("init's costliest imports (self time)", import_list(probed.imports["init"])),
            Row(
                "first invocation's imports (self time)",
                import_list(probed.imports["first invocation"]),
            ),
            Row(
                "modules loaded at init / after first invocation",
                f"{probed.modules[0]} / {probed.modules[1]}",
            ),
            Row("network at init", network_init),
            Row("network at first invocation", network_first),
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each interpreter")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    with tempfile.TemporaryDirectory(prefix="portal-cold-start-") as work:
        bundles, runtime = prepare_bundles(Path(work))
        # The probes go first and so also bring every file of the bundles into the page
        # cache, which the timed runs would otherwise pay for unevenly.
        probed = {b.service: probe(b, runtime) for b in bundles}
        print("probed every app: GET /openapi.json answers 200 with the document", flush=True)
        samples = measure(bundles, runtime, args.runs)
    for bundle in bundles:
        report(bundle, samples[bundle.service], probed[bundle.service], args.runs)


if __name__ == "__main__":
    main()
