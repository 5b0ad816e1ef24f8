"""``portal deploy``: the shared stack first, then the services' stacks, through CloudFormation.

Bundles and service templates go to the shared stack's artifacts bucket under their content
hash, so deploying the same package twice changes nothing and an earlier package can be
deployed again to roll back. Each stack is created or updated and waited for, its events
printed as they happen; a failed stack stops the deploy with CloudFormation's reasons.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError

from infra import access, packaging, stages, world

Progress = Callable[[str], None]
DONE = {"CREATE_COMPLETE", "UPDATE_COMPLETE"}
# A stack whose first creation failed cannot be updated; it is deleted and created again.
DEAD_ON_ARRIVAL = {"ROLLBACK_COMPLETE", "ROLLBACK_FAILED"}
# States CloudFormation refuses to update from; a person has to look.
STUCK = {"UPDATE_ROLLBACK_FAILED", "DELETE_FAILED"}


class DeployError(RuntimeError):
    """A stack did not reach a good state; the message carries CloudFormation's reasons."""


def shared_stack_name(stage_name: str) -> str:
    return world.stack_name(stage_name)


def service_stack_name(stage_name: str, service: str) -> str:
    return f"portal-{stage_name}-{service}"


class Deployer:
    def __init__(
        self,
        stage_name: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        progress: Progress = print,
        poll_seconds: float = 5.0,
    ) -> None:
        self.stage_name = stage_name
        self.region = region or stages.stage(stage_name).region
        session = boto3.Session(region_name=self.region)
        self.cloudformation = session.client("cloudformation", endpoint_url=endpoint_url)
        self.s3 = session.client("s3", endpoint_url=endpoint_url)
        self.progress = progress
        self.poll_seconds = poll_seconds

    # ------------------------------------------------------------------ stacks
    def _status(self, name: str) -> str | None:
        try:
            stacks = self.cloudformation.describe_stacks(StackName=name)["Stacks"]
        except ClientError as error:
            if "does not exist" in str(error):
                return None
            raise
        return str(stacks[0]["StackStatus"]) if stacks else None

    def _outputs(self, name: str) -> dict[str, str]:
        stack = self.cloudformation.describe_stacks(StackName=name)["Stacks"][0]
        return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}

    def _settled_status(self, name: str) -> str | None:
        """The stack's status once no operation is running on it (another deploy's, say)."""
        status = self._status(name)
        if status is not None and status.endswith("IN_PROGRESS"):
            self.progress(f"{name}: {status}; waiting for it to finish first")
            while status is not None and status.endswith("IN_PROGRESS"):
                time.sleep(self.poll_seconds)
                status = self._status(name)
        return status

    def apply(self, name: str, **arguments: Any) -> dict[str, str]:
        """Create or update one stack, wait for it, and return its outputs."""
        try:
            return self._apply(name, **arguments)
        except ClientError as error:
            # CloudFormation's own words (a template error, a stuck stack): the operator's
            # next step, without a traceback.
            raise DeployError(f"{name}: {error.response['Error']['Message']}") from None

    def _apply(self, name: str, **arguments: Any) -> dict[str, str]:
        status = self._settled_status(name)
        if status in DEAD_ON_ARRIVAL:
            self.progress(f"{name}: {status} from an earlier try; deleting it first")
            self.cloudformation.delete_stack(StackName=name)
            self._wait(name, set(), started=time.time(), deleting=True)
            status = None
        if status in STUCK:
            raise DeployError(
                f"{name} is {status}: CloudFormation cannot update it until an operator "
                "resolves the failed resources (see the stack's events), then "
                "'aws cloudformation continue-update-rollback' or deletes the stack"
            )
        seen = {e["EventId"] for e in self._events(name)} if status else set()
        started = time.time()
        if status is None:
            self.progress(f"{name}: creating")
            self.cloudformation.create_stack(
                StackName=name, OnFailure="ROLLBACK", EnableTerminationProtection=False, **arguments
            )
        else:
            self.progress(f"{name}: updating")
            try:
                self.cloudformation.update_stack(StackName=name, **arguments)
            except ClientError as error:
                if "No updates are to be performed" not in str(error):
                    raise
                self.progress(f"{name}: unchanged")
                return self._outputs(name)
        self._wait(name, seen, started=started)
        return self._outputs(name)

    def _events(self, name: str) -> list[dict[str, Any]]:
        try:
            events = self.cloudformation.describe_stack_events(StackName=name)["StackEvents"]
        except ClientError:
            return []
        return [dict(event) for event in reversed(events)]  # oldest first

    def _wait(self, name: str, seen: set[str], *, started: float, deleting: bool = False) -> None:
        failures: list[str] = []
        while True:
            for event in self._events(name):
                if event["EventId"] in seen:
                    continue
                seen.add(event["EventId"])
                reason = event.get("ResourceStatusReason") or ""
                line = f"{name}: {event['LogicalResourceId']} {event['ResourceStatus']}"
                self.progress(f"{line} {reason}".rstrip())
                if event["ResourceStatus"].endswith("FAILED") and reason:
                    failures.append(f"{event['LogicalResourceId']}: {reason}")
            status = self._status(name)
            if deleting:
                if status in (None, "DELETE_COMPLETE"):
                    return
                if status == "DELETE_FAILED":
                    raise DeployError(f"{name} could not be deleted: {'; '.join(failures)}")
                time.sleep(self.poll_seconds)
                continue
            if status is None or not status.endswith("IN_PROGRESS"):
                break
            time.sleep(self.poll_seconds)
        if status not in DONE:
            detail = "; ".join(failures) or "no reason given"
            raise DeployError(f"{name} ended {status}: {detail}")
        self.progress(f"{name}: {status} in {time.time() - started:.0f} s")

    # ------------------------------------------------------------------ artifacts
    def _upload(self, bucket: str, key: str, body: bytes) -> None:
        try:
            self.s3.head_object(Bucket=bucket, Key=key)
            return  # content-addressed: already there means already this
        except ClientError:
            pass
        self.s3.put_object(Bucket=bucket, Key=key, Body=body)

    def _template_url(self, bucket: str, key: str) -> str:
        return f"https://{bucket}.s3.{self.region}.amazonaws.com/{key}"

    # ------------------------------------------------------------------ the deploy
    def deploy_shared(self, package_dir: Path, *, update: bool) -> dict[str, str]:
        """Create the shared stack if it is missing; update it only when asked.

        A deploy of one service leaves the shared stack as it is: rolling a service back to
        an earlier package must not roll the tables, queues and exports every other service
        uses back with it.
        """
        name = shared_stack_name(self.stage_name)
        if not update and self._status(name) in DONE | {"UPDATE_ROLLBACK_COMPLETE"}:
            self.progress(f"{name}: left as deployed (--shared updates it too)")
            return self._outputs(name)
        return self.apply(
            shared_stack_name(self.stage_name),
            TemplateBody=(package_dir / "shared" / "template.yaml").read_text(),
            Parameters=[{"ParameterKey": "Stage", "ParameterValue": self.stage_name}],
        )

    def deploy_service(
        self, service: str, package_dir: Path, entry: dict[str, Any], bucket: str
    ) -> dict[str, str]:
        bundle = (package_dir / entry["bundle"]).read_bytes()
        template = (package_dir / entry["template"]).read_bytes()
        bundle_key = f"{service}/{entry['bundle_sha256']}.zip"
        template_key = f"{service}/{hashlib.sha256(template).hexdigest()}.json"
        self.progress(f"{service}: uploading bundle {bundle_key} ({len(bundle):,} bytes)")
        self._upload(bucket, bundle_key, bundle)
        self._upload(bucket, template_key, template)
        return self.apply(
            service_stack_name(self.stage_name, service),
            TemplateURL=self._template_url(bucket, template_key),
            Parameters=[
                {"ParameterKey": "ArtifactBucket", "ParameterValue": bucket},
                {"ParameterKey": "ArtifactKey", "ParameterValue": bundle_key},
            ],
            Capabilities=["CAPABILITY_IAM"],
        )

    def deploy(
        self,
        package_dir: Path,
        services: Iterable[str] | None = None,
        *,
        update_shared: bool | None = None,
    ) -> dict[str, dict[str, str]]:
        """Deploy the package's services (all by default). The shared stack is updated when
        every service is deployed, or when ``update_shared``; otherwise only created."""
        manifest = json.loads((package_dir / "manifest.json").read_text())
        if manifest["stage"] != self.stage_name:
            raise DeployError(
                f"{package_dir} was packaged for {manifest['stage']!r}, not {self.stage_name!r}"
            )
        if update_shared is None:
            update_shared = not services
        chosen = list(services or manifest["services"])
        missing = [s for s in chosen if s not in manifest["services"]]
        if missing:
            raise DeployError(f"{package_dir} holds no package of {', '.join(missing)}")
        outputs = {"shared": self.deploy_shared(package_dir, update=update_shared)}
        bucket = outputs["shared"]["ArtifactsBucketName"]
        for service in chosen:
            outputs[service] = self.deploy_service(
                service, package_dir, manifest["services"][service], bucket
            )
        return outputs


def deploy(
    stage_name: str,
    *,
    services: Iterable[str] | None = None,
    package_dir: Path | None = None,
    endpoint_url: str | None = None,
    region: str | None = None,
    progress: Progress = print,
    poll_seconds: float = 5.0,
    update_shared: bool | None = None,
) -> dict[str, dict[str, str]]:
    """Deploy ``package_dir`` (or a fresh package of ``services``) to ``stage_name``."""
    deployer = Deployer(
        stage_name,
        endpoint_url=endpoint_url,
        region=region,
        progress=progress,
        poll_seconds=poll_seconds,
    )
    if package_dir is not None:
        return deployer.deploy(package_dir, services, update_shared=update_shared)
    chosen = list(services) if services else list(access.SERVICES)
    with tempfile.TemporaryDirectory(prefix="portal-deploy-") as work:
        progress(f"packaging {', '.join(chosen)} for {stage_name}")
        packaging.package(stage_name, Path(work), chosen, progress)
        return deployer.deploy(Path(work), services, update_shared=update_shared)
