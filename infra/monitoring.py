"""What operators watch per service: alarms and a CloudWatch dashboard.

Alarms go to the stage's alarm topic (a shared-stack export). The shared stack alarms on
every dead-letter queue and on ageing queues; a service stack alarms on its API's 5xx rate,
on its functions' errors and, for payments, on refused bank callbacks; for dossiers, on a
notification whose sending was interrupted (it may or may not have reached the citizen).
"""

from __future__ import annotations

import json
from typing import Any

from infra import access

NAMESPACE = "PublicServicePortal"  # Powertools' metrics namespace, set in each .chalice
API_STAGE = "api"
# 1% of requests answered 5xx, sustained over two five-minute periods.
SERVER_ERROR_RATE = 0.01
# A bank retries a refused notice; ten refusals in five minutes is a key out of step or
# someone forging notices, not one bad message.
CALLBACK_REJECTIONS = 10

# The business metrics each service emits through Powertools (docs/operations.md).
BUSINESS_METRICS: dict[str, tuple[str, ...]] = {
    "catalogue": ("ProceduresPublished", "ProceduresAbolished"),
    "payments": (
        "OrdersCreated",
        "OrdersPaid",
        "OrdersFailed",
        "OrdersExpired",
        "OrdersRefunded",
        "CallbacksRejected",
        "ReconciliationsRun",
        "OrdersFlagged",
    ),
    "feedback": (
        "CasesReceived",
        "CasesFromRatings",
        "CasesRouted",
        "CasesAccepted",
        "CasesRejected",
        "CasesTransferred",
        "CasesAnswered",
        "CasesPublished",
        "CasesClosed",
        "AccessKeysSlowedDown",
    ),
    "ratings": ("DossierEvents", "Ratings", "RatingsCounted"),
    "reports": ("FactsCounted",),
    "dossiers": (
        "DossiersSynced",
        "DossierSteps",
        "DossiersOverdue",
        "ApologiesIssued",
        "ResultsRegistered",
        "ResultsOffered",
        "ResultsRejected",
        "NotificationsSent",
        "NotificationsFailed",
        "NotificationsUncertain",
        "DossiersPaidOnline",
    ),
}


def _alarm(name: str, description: str, stage_name: str, **metric: Any) -> dict[str, Any]:
    topic = access.imported(stage_name, "AlarmTopicArn")
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmName": name,
            "AlarmDescription": description,
            "TreatMissingData": "notBreaching",
            "AlarmActions": [topic],
            "OKActions": [topic],
            **metric,
        },
    }


def _function_names(template: dict[str, Any]) -> dict[str, str]:
    return {
        logical_id: resource["Properties"]["FunctionName"]
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Lambda::Function"
    }


def add_alarms_and_dashboard(template: dict[str, Any], service: str, stage_name: str) -> None:
    resources: dict[str, Any] = template["Resources"]
    api_name = f"portal-{stage_name}-{service}"
    functions = _function_names(template)
    if "RestAPI" in resources:
        resources["ApiServerErrorRateAlarm"] = _alarm(
            f"{api_name}-5xx-rate",
            f"More than {SERVER_ERROR_RATE:.0%} of {service} requests answered 5xx.",
            stage_name,
            Namespace="AWS/ApiGateway",
            MetricName="5XXError",
            Dimensions=[
                {"Name": "ApiName", "Value": api_name},
                {"Name": "Stage", "Value": API_STAGE},
            ],
            Statistic="Average",  # 5XXError is 0 or 1 per request: its average is the rate
            Period=300,
            EvaluationPeriods=2,
            DatapointsToAlarm=2,
            Threshold=SERVER_ERROR_RATE,
            ComparisonOperator="GreaterThanThreshold",
        )
    for logical_id, name in functions.items():
        resources[f"{logical_id}ErrorsAlarm"] = _alarm(
            f"{name}-errors",
            f"{name} failed (an unhandled error or a timeout); see its log group.",
            stage_name,
            Namespace="AWS/Lambda",
            MetricName="Errors",
            Dimensions=[{"Name": "FunctionName", "Value": name}],
            Statistic="Sum",
            Period=300,
            EvaluationPeriods=1,
            Threshold=0,
            ComparisonOperator="GreaterThanThreshold",
        )
    if service == "payments":
        resources["CallbackRejectionsAlarm"] = _alarm(
            f"{api_name}-callback-rejections",
            "Banks' payment notices refused (bad signature, unknown order, wrong amount). See "
            "docs/operations.md, 'Rotate a bank secret'.",
            stage_name,
            Namespace=NAMESPACE,
            MetricName="CallbacksRejected",
            Dimensions=[{"Name": "service", "Value": service}],
            Statistic="Sum",
            Period=300,
            EvaluationPeriods=1,
            Threshold=CALLBACK_REJECTIONS,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
        )
    if service == "dossiers":
        resources["NotificationsUncertainAlarm"] = _alarm(
            f"{api_name}-notifications-uncertain",
            "A notification's sending stopped between the attempt and its record: it may not "
            "have reached the citizen, and is never sent twice on its own. See "
            "docs/dossiers.md, 'Notifications'.",
            stage_name,
            Namespace=NAMESPACE,
            MetricName="NotificationsUncertain",
            Dimensions=[{"Name": "service", "Value": service}],
            Statistic="Sum",
            Period=300,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
        )
    resources["Dashboard"] = {
        "Type": "AWS::CloudWatch::Dashboard",
        "Properties": {
            "DashboardName": api_name,
            "DashboardBody": {"Fn::Sub": json.dumps(dashboard(service, stage_name, functions))},
        },
    }


def _widget(title: str, metrics: list[list[Any]], stat: str = "Sum") -> dict[str, Any]:
    return {
        "type": "metric",
        "width": 12,
        "height": 6,
        "properties": {
            "title": title,
            "region": "${AWS::Region}",
            "stat": stat,
            "period": 300,
            "view": "timeSeries",
            "metrics": metrics,
        },
    }


def dashboard(service: str, stage_name: str, functions: dict[str, str]) -> dict[str, Any]:
    """The service at a glance: API, functions, its queues, and what it does for people."""
    api_name = f"portal-{stage_name}-{service}"
    api = ["ApiName", api_name, "Stage", API_STAGE]
    widgets: list[dict[str, Any]] = []
    if any(name.endswith("-api") for name in functions.values()):
        widgets += [
            _widget(
                "Requests and errors",
                [
                    ["AWS/ApiGateway", "Count", *api],
                    ["AWS/ApiGateway", "4XXError", *api],
                    ["AWS/ApiGateway", "5XXError", *api],
                ],
            ),
            _widget(
                "Latency (p50, p99)",
                [
                    ["AWS/ApiGateway", "Latency", *api, {"stat": "p50"}],
                    ["AWS/ApiGateway", "Latency", *api, {"stat": "p99"}],
                ],
                stat="p50",
            ),
        ]
    names = sorted(functions.values())
    for metric in ("Errors", "Throttles"):
        widgets.append(
            _widget(
                f"Functions: {metric.lower()}",
                [["AWS/Lambda", metric, "FunctionName", n] for n in names],
            )
        )
    widgets.append(
        _widget(
            "Functions: duration p99",
            [["AWS/Lambda", "Duration", "FunctionName", n] for n in names],
            stat="p99",
        )
    )
    queues = sorted(access.ACCESS[service].consumes)
    if queues:
        widgets.append(
            _widget(
                "Queues: waiting, and on the dead-letter queue",
                [
                    [
                        "AWS/SQS",
                        "ApproximateNumberOfMessagesVisible",
                        "QueueName",
                        f"portal-{stage_name}-{queue}{suffix}",
                    ]
                    for queue in queues
                    for suffix in ("", "-dlq")
                ],
                stat="Maximum",
            )
        )
    widgets.append(
        _widget(
            "What the service did",
            [[NAMESPACE, name, "service", service] for name in BUSINESS_METRICS[service]],
        )
    )
    return {"widgets": widgets}
