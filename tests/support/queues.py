"""Reading a moto queue as a consumer would, for tests that check what was sent."""

from __future__ import annotations

import boto3


def drain(queue: str) -> list[str]:
    """Every body waiting on ``queue`` (its full name), received and deleted."""
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    bodies: list[str] = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        for message in batch:
            bodies.append(message["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return bodies
