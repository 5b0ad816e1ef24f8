"""Least privilege, read from the generated templates: each function's role writes only its
service's table, reads only the tables the design gives the service, sends only to its own
queues, receives only from the queue it consumes, and reads only its own secrets.

The expectations are written here from the design's table of who owns, reads and sends
what, not derived from ``infra/access.py``, so a widened grant there fails here. A second
check goes the other way: every table, queue and secret a service's code names is granted.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from infra import packaging
from tests.operations.conftest import STAGE, resources_of

pytestmark = pytest.mark.xdist_group("packaging")

SERVICES = ("catalogue", "payments", "feedback", "ratings", "dossiers", "reports")
READS = {
    "catalogue": set(),
    "payments": {"catalogue", "dossiers"},  # who applied for a dossier it is asked to charge
    "feedback": {"catalogue"},
    "ratings": {"catalogue"},
    "dossiers": {"catalogue"},
    "reports": {"catalogue"},  # agencies' names and levels; the rest comes as messages
}
SENDS = {  # every producer tells reports its facts on report-events
    "catalogue": {"procedure-changes", "report-events"},
    "payments": {"payment-settled", "dossier-payments", "report-events"},
    "feedback": {"feedback-intake", "notifications", "report-events"},
    "ratings": {"rating-events", "feedback-intake", "report-events"},
    "dossiers": {"dossier-events", "notifications", "report-events"},
    "reports": set(),
}
CONSUMES = {  # function -> queue
    "portal-dev-issue-receipts": "payment-settled",
    "portal-dev-route-feedback-cases": "feedback-intake",
    "portal-dev-take-dossier-events": "dossier-events",
    "portal-dev-count-ratings": "rating-events",
    "portal-dev-send-notifications": "notifications",
    "portal-dev-mark-paid": "dossier-payments",
    "portal-dev-check-results": "dossier-results",
    "portal-dev-count-report-events": "report-events",
}
SECRETS = {
    "catalogue": {"cursor-key"},
    "payments": {"pseudonym-key", "payments/vnpay", "payments/momo"},
    "feedback": {"cursor-key", "pseudonym-key"},
    "ratings": {"pseudonym-key"},
    "dossiers": {"cursor-key", "pseudonym-key"},
    "reports": set(),
}
# The one function that sends to citizens' inboxes and phones.
NOTIFIER = "portal-dev-send-notifications"
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "ConditionCheckItem"}
QUEUE_EXPORT = re.compile(rf"^portal-{STAGE}-(\w+)QueueArn$")
TABLE_EXPORT = re.compile(rf"^portal-{STAGE}-(\w+)TableArn$")


def _kebab(camel: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", camel).lower()


def _target(resource: Any) -> str:
    """A policy resource as a short name: table:x, index:x, queue:x, secret:x, or as is."""
    if isinstance(resource, dict) and "Fn::ImportValue" in resource:
        export = resource["Fn::ImportValue"]
        if match := TABLE_EXPORT.match(export):
            return f"table:{match[1].lower()}"
        if match := QUEUE_EXPORT.match(export):
            return f"queue:{_kebab(match[1])}"
        return f"export:{export.removeprefix(f'portal-{STAGE}-')}"
    if isinstance(resource, dict) and "Fn::Join" in resource:
        base, suffix = resource["Fn::Join"][1]
        return f"{_target(base).replace('table:', 'index:')}{suffix.replace('/index/*', '')}"
    if (
        isinstance(resource, dict)
        and "Fn::Sub" in resource
        and (match := re.search(rf":secret:portal-{STAGE}/(.+)-\?{{6}}$", resource["Fn::Sub"]))
    ):
        return f"secret:{match[1]}"
    if isinstance(resource, dict) and "Fn::GetAtt" in resource:
        return f"own:{resource['Fn::GetAtt'][0]}"
    return str(resource)


def _grants(template: dict[str, Any]) -> dict[str, list[tuple[set[str], set[str]]]]:
    """Per function name: (actions, targets) of each statement of its role."""
    roles = resources_of(template, "AWS::IAM::Role")
    grants: dict[str, list[tuple[set[str], set[str]]]] = {}
    for function in resources_of(template, "AWS::Lambda::Function").values():
        properties = function["Properties"]
        role = roles[properties["Role"]["Fn::GetAtt"][0]]["Properties"]
        assert len(role["Policies"]) == 1 and "ManagedPolicyArns" not in role
        statements = role["Policies"][0]["PolicyDocument"]["Statement"]
        grants[properties["FunctionName"]] = [
            (
                set(s["Action"] if isinstance(s["Action"], list) else [s["Action"]]),
                {
                    _target(r)
                    for r in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
                },
            )
            for s in statements
            if s["Effect"] == "Allow"
        ]
        denied = [s for s in statements if s["Effect"] != "Allow"]
        # The only refusal: the notifier's SMS grant never reaches an SNS topic.
        assert all(
            (s["Effect"], s["Action"], s["Resource"])
            == ("Deny", ["sns:Publish"], {"Fn::Sub": "arn:${AWS::Partition}:sns:*:*:*"})
            for s in denied
        )
        assert bool(denied) == (properties["FunctionName"] == NOTIFIER)
    return grants


def _targets_of(grants: list[tuple[set[str], set[str]]], action: str) -> set[str]:
    return {t for actions, targets in grants if action in actions for t in targets}


@pytest.fixture(scope="module")
def grants(templates: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {service: _grants(templates[service]) for service in SERVICES}


@pytest.mark.parametrize("service", SERVICES)
def test_a_function_writes_only_its_services_table(grants: dict[str, Any], service: str) -> None:
    for function, statements in grants[service].items():
        for write in WRITES:
            assert _targets_of(statements, f"dynamodb:{write}") == {
                f"table:{service}",
                f"index:{service}",
            }, function


@pytest.mark.parametrize("service", SERVICES)
def test_a_function_reads_only_its_table_and_those_the_design_gives_it(
    grants: dict[str, Any], service: str
) -> None:
    allowed = {service, *READS[service]}
    for function, statements in grants[service].items():
        for read in ("GetItem", "Query", "BatchGetItem"):
            assert _targets_of(statements, f"dynamodb:{read}") == {
                f"{kind}:{table}" for table in allowed for kind in ("table", "index")
            }, function


@pytest.mark.parametrize("service", SERVICES)
def test_a_function_sends_only_to_its_services_queues_and_receives_only_its_own(
    grants: dict[str, Any], service: str
) -> None:
    for function, statements in grants[service].items():
        assert _targets_of(statements, "sqs:SendMessage") == {
            f"queue:{q}" for q in SENDS[service]
        }, function
        receives = _targets_of(statements, "sqs:ReceiveMessage")
        assert _targets_of(statements, "sqs:DeleteMessage") == receives
        expected = {f"queue:{CONSUMES[function]}"} if function in CONSUMES else set()
        assert receives == expected, function


@pytest.mark.parametrize("service", SERVICES)
def test_a_function_reads_only_its_services_secrets(grants: dict[str, Any], service: str) -> None:
    for function, statements in grants[service].items():
        assert _targets_of(statements, "secretsmanager:GetSecretValue") == {
            f"secret:{s}" for s in SECRETS[service]
        }, function
        assert not any(
            a.startswith(("secretsmanager:Put", "secretsmanager:Update", "secretsmanager:Create"))
            for actions, _ in statements
            for a in actions
        )


@pytest.mark.parametrize("service", SERVICES)
def test_no_wildcard_action_and_no_wildcard_resource_but_traces(
    grants: dict[str, Any], service: str
) -> None:
    for function, statements in grants[service].items():
        for actions, targets in statements:
            assert not any(a == "*" or a.endswith(":*") for a in actions), function
            if "*" in targets and function == NOTIFIER and actions == {"sns:Publish"}:
                continue  # SMS to a phone has no resource to name; topics are denied
            if "*" in targets:
                assert actions <= {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}, function
            assert not any(t.startswith("arn:") and t.endswith(":*") for t in targets)


@pytest.mark.parametrize("service", SERVICES)
def test_only_feedback_and_dossiers_touch_contact_keys_and_files(
    grants: dict[str, Any], service: str
) -> None:
    for function, statements in grants[service].items():
        kms = {a for actions, _ in statements for a in actions if a.startswith("kms:")}
        s3 = {a for actions, _ in statements for a in actions if a.startswith("s3:")}
        mail = {a for actions, _ in statements for a in actions if a.startswith(("ses:", "sns:"))}
        if service == "feedback":
            assert kms == {"kms:Encrypt", "kms:Decrypt"}
            assert _targets_of(statements, "kms:Decrypt") == {"export:FeedbackContactKeyArn"}
            assert s3 == {"s3:PutObject", "s3:ListBucket"}
            assert _targets_of(statements, "s3:PutObject") == {
                "export:FeedbackAttachmentsBucketArn/cases/*"
            }
            # Listing, to count a case's files, only under cases/ and never reading one.
            assert _targets_of(statements, "s3:ListBucket") == {
                "export:FeedbackAttachmentsBucketArn"
            }
        elif service == "dossiers":
            assert kms == {"kms:GenerateDataKey", "kms:Decrypt"}
            assert _targets_of(statements, "kms:Decrypt") == {"export:DossierContactKeyArn"}
            assert s3 == {"s3:PutObject", "s3:GetObject", "s3:GetObjectVersion"}
            for action in s3:
                assert _targets_of(statements, action) == {
                    "export:DossierResultsBucketArn/results/*"
                }
        else:
            assert not kms and not s3
        if function == NOTIFIER:
            assert mail == {"ses:SendEmail", "sns:Publish"}
            assert _targets_of(statements, "ses:SendEmail") == {
                "export:NotificationSenderIdentityArn"
            }
        else:
            assert not mail, function


@pytest.mark.parametrize("service", SERVICES)
def test_a_function_writes_only_its_own_log_group(
    templates: dict[str, dict[str, Any]], grants: dict[str, Any], service: str
) -> None:
    template = templates[service]
    for logical_id, function in resources_of(template, "AWS::Lambda::Function").items():
        name = function["Properties"]["FunctionName"]
        assert _targets_of(grants[service][name], "logs:PutLogEvents") == {
            f"own:{logical_id}LogGroup"
        }
        assert template["Resources"][f"{logical_id}LogGroup"]["Properties"]["LogGroupName"] == (
            f"/aws/lambda/{name}"
        )


# What the code names, found in the code, must be granted: a role that is tight but too
# tight fails in production with AccessDenied, on the first request that needs it.
SETTING_NEEDS = {
    "catalogue_table": ("dynamodb:GetItem", "table:catalogue"),
    "payments_table": ("dynamodb:GetItem", "table:payments"),
    "feedback_table": ("dynamodb:GetItem", "table:feedback"),
    "ratings_table": ("dynamodb:GetItem", "table:ratings"),
    "dossiers_table": ("dynamodb:GetItem", "table:dossiers"),
    "reports_table": ("dynamodb:GetItem", "table:reports"),
    "procedure_changes_queue": ("sqs:SendMessage", "queue:procedure-changes"),
    "payment_settled_queue": ("sqs:SendMessage", "queue:payment-settled"),
    "feedback_intake_queue": ("sqs:SendMessage", "queue:feedback-intake"),
    "rating_events_queue": ("sqs:SendMessage", "queue:rating-events"),
    # Named by its producers (who send) and its consumer (who receives): both may ask for
    # its attributes.
    "report_events_queue": ("sqs:GetQueueAttributes", "queue:report-events"),
    # Named by its consumer too, which also sends to it (dossiers) or only sends (feedback).
    "notifications_queue": ("sqs:SendMessage", "queue:notifications"),
    "feedback_contact_key": ("kms:Encrypt", "export:FeedbackContactKeyArn"),
    "dossier_contact_key": ("kms:GenerateDataKey", "export:DossierContactKeyArn"),
}
MODULE_NEEDS = {
    "services.core.pagination": [("secretsmanager:GetSecretValue", "secret:cursor-key")],
    "services.core.pseudonyms": [("secretsmanager:GetSecretValue", "secret:pseudonym-key")],
    # The dossier view keys its applicant with a pseudonym and reads the dossiers table.
    "services.core.dossier_view": [
        ("secretsmanager:GetSecretValue", "secret:pseudonym-key"),
        ("dynamodb:GetItem", "table:dossiers"),
    ],
    # A provider's profile is <prefix>/<provider>, for each provider the code knows.
    "provider_secret_prefix": [
        ("secretsmanager:GetSecretValue", "secret:payments/vnpay"),
        ("secretsmanager:GetSecretValue", "secret:payments/momo"),
    ],
}


@pytest.mark.parametrize("service", SERVICES)
def test_everything_the_services_code_names_is_granted(
    grants: dict[str, Any], service: str
) -> None:
    source_dir: Path = packaging.SERVICES_DIR / service
    source = "\n".join(p.read_text() for p in source_dir.glob("*.py"))
    # The queue an event source reads is named at import by every function of the app, but
    # only its consumer touches it, and that grant is checked above.
    source = re.sub(r"@app\.on_sqs_message\(\s*queue=get_settings\(\)\.\w+", "", source)
    needs = set()
    for setting, need in SETTING_NEEDS.items():
        if re.search(rf"\.{setting}\b", source):
            needs.add(need)
    for module, module_needs in MODULE_NEEDS.items():
        name = module.rsplit(".", 1)[-1]
        if re.search(rf"import .*\b{name}\b|\b{re.escape(module)}\b|\.{name}\b", source):
            needs.update(module_needs)
    assert needs, "the scan found nothing: it is broken"
    for function, statements in grants[service].items():
        for action, target in needs:
            assert target in _targets_of(statements, action), (function, target)
