"""The shared template: every table recoverable and encrypted, every queue with a DLQ."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from infra import world

RESOURCES: dict[str, Any] = world.template()["Resources"]
TABLES = {name: r for name, r in RESOURCES.items() if r["Type"] == "AWS::DynamoDB::Table"}
QUEUES = {name: r for name, r in RESOURCES.items() if r["Type"] == "AWS::SQS::Queue"}


def test_each_service_has_its_table() -> None:
    names = {r["Properties"]["TableName"]["Fn::Sub"] for r in TABLES.values()}
    assert names == {
        f"portal-${{Stage}}-{s}"
        for s in ("catalogue", "payments", "feedback", "ratings", "dossiers", "reports")
    }


@pytest.mark.parametrize("name", sorted(TABLES))
def test_tables_are_recoverable_encrypted_and_kept(name: str) -> None:
    table = TABLES[name]
    properties = table["Properties"]
    assert properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert properties["SSESpecification"]["SSEEnabled"] is True
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    # Kept when the stack goes, except when its first creation fails: then there is nothing
    # in it, and keeping it would stop the next creation on a name already taken.
    assert table["DeletionPolicy"] == "RetainExceptOnCreate"
    assert table["UpdateReplacePolicy"] == "Retain"


@pytest.mark.parametrize("name", sorted(n for n in QUEUES if not n.endswith("DeadLetterQueue")))
def test_every_queue_redrives_to_its_own_dead_letter_queue(name: str) -> None:
    properties = QUEUES[name]["Properties"]
    redrive = properties["RedrivePolicy"]
    assert redrive["deadLetterTargetArn"] == {"Fn::GetAtt": f"{name[:-5]}DeadLetterQueue.Arn"}
    assert 1 < redrive["maxReceiveCount"] <= 10
    assert properties["SqsManagedSseEnabled"] is True


def test_the_moto_world_has_what_moto_cloudformation_skips(moto_world: None) -> None:
    dynamodb = boto3.client("dynamodb")
    for service in ("catalogue", "payments", "feedback", "ratings", "dossiers"):
        table = f"portal-test-{service}"
        backups = dynamodb.describe_continuous_backups(TableName=table)
        recovery = backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
        assert recovery["PointInTimeRecoveryStatus"] == "ENABLED"
        ttl = dynamodb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
        assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}
    secret = boto3.client("secretsmanager").get_secret_value(SecretId="portal-test/cursor-key")
    assert len(secret["SecretString"]) == 64


def test_every_dead_letter_queue_has_an_alarm_that_pages_the_stages_topic() -> None:
    alarms = [r["Properties"] for r in RESOURCES.values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    watched = {
        dimension["Value"]["Fn::GetAtt"].split(".")[0]
        for alarm in alarms
        if alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
        for dimension in alarm["Dimensions"]
    }
    dead_letter_queues = {n for n in QUEUES if n.endswith("DeadLetterQueue")}
    assert watched == dead_letter_queues
    for alarm in alarms:
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]
        if alarm["MetricName"] == "ApproximateNumberOfMessagesVisible":
            assert alarm["Threshold"] == 0 and alarm["ComparisonOperator"] == "GreaterThanThreshold"


def test_every_consumed_queue_alarms_when_its_oldest_message_ages() -> None:
    alarms = [r["Properties"] for r in RESOURCES.values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    watched = {
        dimension["Value"]["Fn::GetAtt"].split(".")[0]
        for alarm in alarms
        if alarm["MetricName"] == "ApproximateAgeOfOldestMessage"
        for dimension in alarm["Dimensions"]
    }
    consumed = {n for n in QUEUES if not n.endswith("DeadLetterQueue")} - {
        "ProcedureChangesQueue"  # nothing consumes it yet: its messages age by design
    }
    assert watched == consumed


def test_everything_holding_data_or_keys_outlives_its_stack() -> None:
    kept = {"AWS::DynamoDB::Table", "AWS::S3::Bucket", "AWS::KMS::Key"}
    kept |= {"AWS::SecretsManager::Secret"}  # the pseudonym key above all: see operations.md
    stateful = {n: r for n, r in RESOURCES.items() if r["Type"] in kept}
    assert len(stateful) >= 10
    for name, resource in stateful.items():
        assert resource.get("DeletionPolicy") == "RetainExceptOnCreate", name
        assert resource.get("UpdateReplacePolicy") == "Retain", name
