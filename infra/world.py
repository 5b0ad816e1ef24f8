"""Build the shared resources from ``infra/template.yaml`` in any AWS-compatible endpoint.

In AWS, CloudFormation does all of it. moto's CloudFormation creates the tables and queues
but skips ``AWS::SecretsManager::Secret`` and ``AWS::SES::EmailIdentity``, and ignores
point-in-time recovery, TTL and a bucket's versioning and notifications, so
:func:`finish_for_moto` reads the *same template* and applies those parts through the
services' own APIs: the template stays the one source of names, keys and indexes.
"""

from __future__ import annotations

import json
import secrets
import string
from pathlib import Path
from typing import Any

import boto3
import yaml

TEMPLATE = Path(__file__).with_name("template.yaml")


class _CfnLoader(yaml.SafeLoader):
    """YAML loader that keeps CloudFormation short-form tags (``!Sub``, ``!Ref``...)."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        return {name: loader.construct_scalar(node)}
    if isinstance(node, yaml.SequenceNode):
        return {name: loader.construct_sequence(node, deep=True)}
    return {name: loader.construct_mapping(node, deep=True)}  # type: ignore[arg-type]


_CfnLoader.add_multi_constructor("!", _tag)


def template_text() -> str:
    return TEMPLATE.read_text()


def load(text: str) -> dict[str, Any]:
    """A CloudFormation YAML text as a dict, short-form tags in their long form."""
    loaded: dict[str, Any] = yaml.load(text, Loader=_CfnLoader)  # noqa: S506
    return loaded


def template() -> dict[str, Any]:
    return load(template_text())


def _resolve(value: Any, stage: str, account: str = "") -> str:
    if isinstance(value, dict) and "Fn::Sub" in value:
        return (
            str(value["Fn::Sub"]).replace("${Stage}", stage).replace("${AWS::AccountId}", account)
        )
    return str(value)


def _parameter_default(name: str) -> str:
    return str(template()["Parameters"][name]["Default"])


def stack_name(stage: str) -> str:
    return f"portal-{stage}-shared"


def deploy_shared(stage: str, *, region: str | None = None) -> dict[str, str]:
    """Create the shared stack (waiting for it) and return its outputs by key."""
    cloudformation = boto3.client("cloudformation", region_name=region)
    cloudformation.create_stack(
        StackName=stack_name(stage),
        TemplateBody=template_text(),
        Parameters=[{"ParameterKey": "Stage", "ParameterValue": stage}],
    )
    cloudformation.get_waiter("stack_create_complete").wait(
        StackName=stack_name(stage), WaiterConfig={"Delay": 1, "MaxAttempts": 120}
    )
    stack = cloudformation.describe_stacks(StackName=stack_name(stage))["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def finish_for_moto(stage: str, *, region: str | None = None) -> None:
    """Apply what moto's CloudFormation skips, read from the same template."""
    dynamodb = boto3.client("dynamodb", region_name=region)
    secretsmanager = boto3.client("secretsmanager", region_name=region)
    resources = template()["Resources"]
    for resource in resources.values():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::DynamoDB::Table":
            name = _resolve(properties["TableName"], stage)
            if properties.get("PointInTimeRecoverySpecification", {}).get(
                "PointInTimeRecoveryEnabled"
            ):
                dynamodb.update_continuous_backups(
                    TableName=name,
                    PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
                )
            ttl = properties.get("TimeToLiveSpecification")
            if ttl and ttl.get("Enabled"):
                dynamodb.update_time_to_live(
                    TableName=name,
                    TimeToLiveSpecification={
                        "AttributeName": ttl["AttributeName"],
                        "Enabled": True,
                    },
                )
        elif resource["Type"] == "AWS::SecretsManager::Secret":
            name = _resolve(properties["Name"], stage)
            generate = properties.get("GenerateSecretString", {})
            alphabet = string.ascii_letters + string.digits
            value = "".join(
                secrets.choice(alphabet) for _ in range(int(generate.get("PasswordLength", 32)))
            )
            if "SecretStringTemplate" in generate:  # a JSON secret with one generated key
                document = json.loads(generate["SecretStringTemplate"])
                document[generate["GenerateStringKey"]] = value
                value = json.dumps(document)
            secretsmanager.create_secret(
                Name=name, Description=properties.get("Description", ""), SecretString=value
            )
        elif resource["Type"] == "AWS::SES::EmailIdentity":
            identity = properties["EmailIdentity"]
            address = _parameter_default(identity["Ref"]) if "Ref" in identity else identity
            # moto sends from an address only once it is verified, as SES's sandbox does.
            boto3.client("ses", region_name=region).verify_email_identity(EmailAddress=address)
        elif resource["Type"] == "AWS::S3::Bucket":
            _finish_bucket(properties, resources, stage, region)


def _finish_bucket(
    bucket: dict[str, Any], resources: dict[str, Any], stage: str, region: str | None
) -> None:
    """A bucket's versioning, and its ``QueueConfigurations`` with each queue named by its
    ``Fn::GetAtt``."""
    s3 = boto3.client("s3", region_name=region)
    account = boto3.client("sts", region_name=region).get_caller_identity()["Account"]
    name = _resolve(bucket["BucketName"], stage, account)
    if bucket.get("VersioningConfiguration", {}).get("Status") == "Enabled":
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    if "NotificationConfiguration" not in bucket:
        return
    sqs = boto3.client("sqs", region_name=region)
    configurations = []
    for entry in bucket["NotificationConfiguration"].get("QueueConfigurations", []):
        queue = resources[entry["Queue"]["Fn::GetAtt"].split(".")[0]]["Properties"]
        url = sqs.get_queue_url(QueueName=_resolve(queue["QueueName"], stage))["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        configuration: dict[str, Any] = {
            "QueueArn": arn["Attributes"]["QueueArn"],
            "Events": [entry["Event"]],
        }
        if "Filter" in entry:
            configuration["Filter"] = {"Key": {"FilterRules": entry["Filter"]["S3Key"]["Rules"]}}
        configurations.append(configuration)
    s3.put_bucket_notification_configuration(
        Bucket=name, NotificationConfiguration={"QueueConfigurations": configurations}
    )


def build(stage: str, *, region: str | None = None) -> dict[str, str]:
    """The whole shared world in moto: the stack, then what moto's CloudFormation skipped."""
    outputs = deploy_shared(stage, region=region)
    finish_for_moto(stage, region=region)
    return outputs
