"""Read the business metrics Powertools printed (CloudWatch's embedded metric format)."""

from __future__ import annotations

import json
from collections import Counter


def emitted_metrics(output: str) -> Counter[str]:
    """Sum the EMF documents in ``output`` by metric name."""
    counted: Counter[str] = Counter()
    for line in output.splitlines():
        if '"_aws"' not in line:
            continue
        document = json.loads(line)
        for directive in document["_aws"]["CloudWatchMetrics"]:
            for metric in directive["Metrics"]:
                value = document[metric["Name"]]
                counted[metric["Name"]] += sum(value) if isinstance(value, list) else value
    return counted
