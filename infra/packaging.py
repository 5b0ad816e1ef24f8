"""``portal package``: the shared template and, per service, its template and bundle.

Each service is packaged the way Chalice expects a project: ``app.py`` and ``.chalice/`` at
the top, and in ``vendor/``, which Chalice ships as is, the portal's own code
(``services/core`` and the service's modules, nothing of the other services) beside the
runtime dependencies, built once for Lambda's platform by Chalice's dependency builder and
shared by every service. ``chalice package`` then builds the bundle and a SAM template that
:mod:`infra.service_stack` makes deployable.

The bundle leaves out boto3 and botocore (and what only they need): the Lambda runtime has
them, and a bundled botocore would shadow the runtime's and split the pair that boto3 was
released with. aws-xray-sdk drags botocore in, and it is three quarters of the bundle.
"""

from __future__ import annotations

import compileall
import hashlib
import json
import os
import py_compile
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from infra import access, service_stack, stages, world
from infra.paths import PROJECT_ROOT

SERVICES_DIR = PROJECT_ROOT / "services"
# What the Lambda runtime provides; a project requirement of these is not bundled either.
RUNTIME_PROVIDED = frozenset(
    {"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six"}
)
# Packages the apps need only to be built, not to run.
BUILD_ONLY = frozenset({"chalice", "boto3"})
PASSED_TO_CHALICE = frozenset(
    {
        "PATH",
        "HOME",
        "TMPDIR",
        "LANG",
        "SSL_CERT_FILE",
        "REQUESTS_CA_BUNDLE",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "NO_PROXY",
        "http_proxy",
        "https_proxy",
        "no_proxy",
    }
)
PACKAGED_AT_ONCE = 2
PLACEHOLDER_ROLE = "arn:aws:iam::123456789012:role/replaced-by-portal-package"


class PackagingError(RuntimeError):
    """Packaging could not finish; the message says what to fix."""


@dataclass(frozen=True)
class Packaged:
    service: str
    template: str
    bundle: str
    bundle_sha256: str
    bundle_bytes: int
    unzipped_bytes: int


def runtime_requirements() -> list[str]:
    """The project's dependencies that the apps need at run time, as pip lines."""
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    kept = []
    for line in project["dependencies"]:
        name = re.match(r"[A-Za-z0-9_.-]+", line)
        if name is None or name[0].lower() not in BUILD_ONLY:
            kept.append(line)
    return kept


def _copy_code(source: Path, target: Path) -> None:
    shutil.copytree(
        source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".chalice")
    )


def _build_environment() -> dict[str, str]:
    """Only what pip and the interpreter need, as a copy: a table or queue name from the
    operator's shell (or a local stack's endpoint) must not find its way into a template,
    and nothing a build sets may reach the process that asked for it."""
    return {
        k: v
        for k, v in os.environ.items()
        if k in PASSED_TO_CHALICE or k.startswith(("PIP_", "LC_"))
    }


def build_dependencies(target: Path) -> Path:
    """The runtime requirements built for Lambda's platform into ``target``, once for all
    services: every service has the same requirements, and Chalice would build them again
    for each (about 25 s of pip a service). Built by Chalice's own dependency builder, as
    ``chalice package`` builds them, for the Python version it writes into the templates
    and Lambda's default architecture (no service's config names another); a requirement
    that cannot be built for that platform stops packaging here, with what went wrong."""
    from chalice.config import Config
    from chalice.deploy import packager
    from chalice.utils import OSUtils

    class PipOnly(OSUtils):
        # Chalice's builder hands pip the process's own os.environ, and writes into it
        # (CC, to build a source package without a compiler).
        def environ(self) -> dict[str, str]:
            return _build_environment()

    target.mkdir(parents=True)
    requirements = target.parent / "requirements.txt"
    requirements.write_text("\n".join(runtime_requirements()) + "\n")
    # "python3.11" -> "cp311", the wheels' ABI tag
    abi = "cp" + Config().lambda_python_version.removeprefix("python").replace(".", "")
    builder = packager.DependencyBuilder(PipOnly())
    try:
        builder.build_site_packages(abi, str(requirements), str(target))
    except packager.MissingDependencyError as missing:
        names = ", ".join(sorted(package.identifier for package in missing.missing))
        raise PackagingError(f"no package for Lambda's platform: {names}") from None
    except (
        packager.NoSuchPackageError,
        packager.PackageDownloadError,
        packager.EmptyPackageError,
        packager.UnsupportedPackageError,
        packager.InvalidSourceDistributionNameError,
    ) as failed:
        raise PackagingError(f"the dependencies for Lambda could not be built: {failed}") from None
    return target


def chalice_project(service: str, into: Path, dependencies: Path) -> Path:
    """A Chalice project directory for ``service`` under ``into``, with the built
    ``dependencies`` linked into its ``vendor/`` (Chalice ships that directory as is, at
    the bundle's root, where it would put what it built itself)."""
    project = into / service
    project.mkdir(parents=True)
    source = SERVICES_DIR / service
    shutil.copy2(source / "app.py", project / "app.py")
    shutil.copytree(
        source / ".chalice", project / ".chalice", ignore=shutil.ignore_patterns("deployments")
    )
    config_path = project / ".chalice" / "config.json"
    config = json.loads(config_path.read_text())
    if "lambda_architecture" in config_path.read_text():
        # The shared dependencies are built for Lambda's default, x86_64.
        raise PackagingError(f"{service}: lambda_architecture is not supported by packaging")
    # Roles are the portal's (infra.access), one per function, not Chalice's guess from
    # reading the code; this placeholder is replaced in every function of the template.
    config.update(manage_iam_role=False, iam_role_arn=PLACEHOLDER_ROLE)
    config_path.write_text(json.dumps(config, indent=2))
    vendored = project / "vendor" / "services"
    vendored.mkdir(parents=True)
    shutil.copy2(SERVICES_DIR / "__init__.py", vendored / "__init__.py")
    _copy_code(SERVICES_DIR / "core", vendored / "core")
    _copy_code(source, vendored / service)
    for entry in dependencies.iterdir():
        (project / "vendor" / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    return project


def _chalice_package(project: Path, stage_name: str, region: str, out: Path) -> None:
    environment = _build_environment()
    # The apps name their queues from the stage when Chalice imports them.
    environment.update(PORTAL_STAGE=stage_name, AWS_DEFAULT_REGION=region)
    chalice = Path(sys.executable).with_name("chalice")
    result = subprocess.run(  # noqa: S603 - our own interpreter's chalice, fixed arguments
        [
            str(chalice),
            "package",
            "--stage",
            stage_name,
            "--pkg-format",
            "cloudformation",
            "--template-format",
            "json",
            str(out),
        ],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise PackagingError(f"chalice package failed for {project.name}:\n{result.stderr}")


def _runtime_provided(name: str) -> bool:
    top = name.split("/", 1)[0]
    stem = top.removesuffix(".py").split("-")[0].lower()
    if top.endswith(".dist-info"):
        stem = stem.replace("python_", "")
    return stem in RUNTIME_PROVIDED


def slim_bundle(source: Path, target: Path) -> None:
    """Chalice's bundle without what the Lambda runtime provides, with its bytecode added.

    Lambda's code directory is read-only, so a bundle without ``.pyc`` files compiles every
    module it imports on every cold start: about 40 % of init (bench/cold_start.py). The
    bytecode is for the interpreter packaging runs on, which is the runtime Chalice chose for
    the template. It is the unchecked-hash kind: Chalice stamps every file with the same
    date, so a timestamp check would prove nothing, and the code never changes in place.
    Entries are written in name order with a fixed date, so a bundle differs from the last
    only where its code does (a few ``.pyc`` files of libraries are not reproducible).
    """
    with tempfile.TemporaryDirectory(prefix="portal-bundle-") as work:
        root = Path(work)
        modes: dict[str, int] = {}
        with zipfile.ZipFile(source) as original:
            for info in original.infolist():
                if info.is_dir() or _runtime_provided(info.filename):
                    continue
                original.extract(info, root)
                modes[info.filename] = info.external_attr
        compileall.compile_dir(
            root,
            quiet=2,
            ddir="/var/task",  # where Lambda unpacks it: tracebacks name real paths
            invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
            workers=1,
        )
        files = sorted(p for p in root.rglob("*") if p.is_file())
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as slim:
            for path in files:
                name = path.relative_to(root).as_posix()
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                info.external_attr = modes.get(name, 0o644 << 16)
                info.compress_type = zipfile.ZIP_DEFLATED
                slim.writestr(info, path.read_bytes())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def lint(template_path: Path) -> list[str]:
    """cfn-lint's findings for a template, as lines; empty when clean."""
    from cfnlint.api import lint_file

    return [str(match) for match in lint_file(template_path)]


def package_service(
    service: str, stage_name: str, out: Path, work: Path, dependencies: Path
) -> Packaged:
    stage = stages.stage(stage_name)
    project = chalice_project(service, work, dependencies)
    chalice_out = work / f"{service}-chalice"
    _chalice_package(project, stage_name, stage.region, chalice_out)
    sam = json.loads((chalice_out / "sam.json").read_text())
    template = service_stack.service_template(sam, service, stage_name, stage)
    target = out / service
    target.mkdir(parents=True, exist_ok=True)
    template_path = target / "template.json"
    template_path.write_text(json.dumps(template, indent=2, sort_keys=True) + "\n")
    bundle = target / "deployment.zip"
    slim_bundle(chalice_out / "deployment.zip", bundle)
    with zipfile.ZipFile(bundle) as zipped:
        unzipped = sum(info.file_size for info in zipped.infolist())
    return Packaged(
        service=service,
        template=str(template_path.relative_to(out)),
        bundle=str(bundle.relative_to(out)),
        bundle_sha256=_sha256(bundle),
        bundle_bytes=bundle.stat().st_size,
        unzipped_bytes=unzipped,
    )


def package(
    stage_name: str,
    out: Path,
    services: Iterable[str] = access.SERVICES,
    progress: Callable[[str], None] = lambda line: None,
) -> dict[str, Any]:
    """Write ``out/shared/template.yaml`` and ``out/<service>/{template.json,deployment.zip}``
    for each service, lint every template, and return (and write) the manifest."""
    stages.stage(stage_name)  # an unknown stage stops here, before anything is built
    out.mkdir(parents=True, exist_ok=True)
    shared = out / "shared"
    shared.mkdir(exist_ok=True)
    (shared / "template.yaml").write_text(world.template_text())
    services = list(services)
    for service in services:
        if service not in access.SERVICES:
            raise PackagingError(f"no service {service!r}; known: {access.SERVICES}")
    with tempfile.TemporaryDirectory(prefix="portal-package-") as work:
        progress("dependencies for Lambda's platform, once for every service")
        dependencies = build_dependencies(Path(work) / "dependencies" / "site-packages")

        def one(service: str) -> Packaged:
            progress(f"{service}: chalice package for {stage_name}")
            return package_service(service, stage_name, out, Path(work), dependencies)

        # Two at a time: while Chalice builds one service's bundle in its own process, this
        # one slims the other's (compiling and zipping): the two halves each take a core.
        with ThreadPoolExecutor(max_workers=PACKAGED_AT_ONCE) as pool:
            packaged = list(pool.map(one, services))
    findings = {
        path: lint(out / path) for path in ["shared/template.yaml", *(p.template for p in packaged)]
    }
    dirty = {path: lines for path, lines in findings.items() if lines}
    if dirty:
        report = "\n".join(f"{path}: {line}" for path, lines in dirty.items() for line in lines)
        raise PackagingError(f"cfn-lint found problems:\n{report}")
    manifest = {
        "stage": stage_name,
        "shared_template": "shared/template.yaml",
        "services": {p.service: asdict(p) for p in packaged},
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest
