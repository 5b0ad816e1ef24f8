"""What each service may touch in AWS, as data: the source of its functions' IAM policies.

A service writes only its own table and sends only to the queues it feeds; it reads the
tables it needs for its answers; it reads only the secrets it uses. The consumer of a queue
alone may receive from it. Everything is named by the shared stack's exports, so a policy
names exact ARNs, never a wildcard over tables, queues or secrets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SERVICES = ("catalogue", "payments", "feedback", "ratings", "dossiers", "reports")

# Items and indexes: what a service does with its own table.
TABLE_WRITE_ACTIONS = (
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
)
TABLE_READ_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:DescribeTable",
)
QUEUE_SEND_ACTIONS = ("sqs:SendMessage", "sqs:GetQueueUrl", "sqs:GetQueueAttributes")
QUEUE_CONSUME_ACTIONS = (
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueAttributes",
)
SECRET_READ_ACTIONS = ("secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret")

# Shared-stack export names (after ``portal-<stage>-``) by table, queue and secret.
TABLE_EXPORTS = {s: f"{s.capitalize()}TableArn" for s in SERVICES}
QUEUE_EXPORTS = {
    "procedure-changes": "ProcedureChanges",
    "payment-settled": "PaymentSettled",
    "feedback-intake": "FeedbackIntake",
    "dossier-events": "DossierEvents",
    "rating-events": "RatingEvents",
    "notifications": "Notifications",
    "dossier-payments": "DossierPayments",
    "dossier-results": "DossierResults",
    "report-events": "ReportEvents",
}
# Secrets by name (``portal-<stage>/<name>`` in the shared template). A policy names a secret
# by its name and the six random characters Secrets Manager appends, as AWS advises, so a
# secret deleted and made again under its name stays readable, and no other is.
SECRET_NAMES = ("cursor-key", "pseudonym-key", "payments/vnpay", "payments/momo")


@dataclass(frozen=True)
class ServiceAccess:
    """One service's reach. ``consumes`` maps a queue to the function that reads it (the
    name given to Chalice's ``on_sqs_message``)."""

    service: str
    reads_tables: tuple[str, ...] = ()
    sends: tuple[str, ...] = ()
    consumes: dict[str, str] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()
    encrypts_contacts: bool = False
    signs_attachment_uploads: bool = False
    seals_applicants: bool = False
    keeps_results: bool = False
    # The one function that sends e-mail (SES) and SMS (SNS) to citizens, if the service has it.
    notifier: str | None = None
    environment: dict[str, str] = field(default_factory=dict)
    # Variables taken from the stage's configuration (infra/stages.json), by field name.
    stage_environment: dict[str, str] = field(default_factory=dict)


ACCESS: dict[str, ServiceAccess] = {
    "catalogue": ServiceAccess(
        service="catalogue",
        sends=("procedure-changes", "report-events"),
        secrets=("cursor-key",),
        environment={
            "CATALOGUE_TABLE": "CatalogueTableName",
            "PROCEDURE_CHANGES_QUEUE": "ProcedureChangesQueueName",
            "REPORT_EVENTS_QUEUE": "ReportEventsQueueName",
        },
    ),
    "payments": ServiceAccess(
        service="payments",
        # The dossiers table, to open an order for a dossier only for its applicant.
        reads_tables=("catalogue", "dossiers"),
        # The receipt issuer takes what the relay sends: both are payments' own. A paid
        # dossier is the dossiers service's to mark, told on dossier-payments.
        sends=("payment-settled", "dossier-payments", "report-events"),
        consumes={"payment-settled": "issue-receipts"},
        secrets=("pseudonym-key", "payments/vnpay", "payments/momo"),
        environment={
            "PAYMENTS_TABLE": "PaymentsTableName",
            "REPORT_EVENTS_QUEUE": "ReportEventsQueueName",
            "CATALOGUE_TABLE": "CatalogueTableName",
            "DOSSIERS_TABLE": "DossiersTableName",
            "PAYMENT_SETTLED_QUEUE": "PaymentSettledQueueName",
            "DOSSIER_PAYMENTS_QUEUE": "DossierPaymentsQueueName",
        },
        stage_environment={"PAYMENT_RETURN_URL": "payment_return_url"},
    ),
    "feedback": ServiceAccess(
        service="feedback",
        reads_tables=("catalogue",),
        # Intake answers at once and routes later: the route sends, the consumer routes. An
        # answered case is told to its submitter on the notifications path.
        sends=("feedback-intake", "notifications", "report-events"),
        consumes={"feedback-intake": "route-feedback-cases"},
        secrets=("cursor-key", "pseudonym-key"),
        encrypts_contacts=True,
        signs_attachment_uploads=True,
        environment={
            "FEEDBACK_TABLE": "FeedbackTableName",
            "REPORT_EVENTS_QUEUE": "ReportEventsQueueName",
            "CATALOGUE_TABLE": "CatalogueTableName",
            "FEEDBACK_INTAKE_QUEUE": "FeedbackIntakeQueueName",
            "FEEDBACK_CONTACT_KEY": "FeedbackContactKeyArn",
            "FEEDBACK_ATTACHMENTS_BUCKET": "FeedbackAttachmentsBucketName",
            "NOTIFICATIONS_QUEUE": "NotificationsQueueName",
        },
        stage_environment={"PORTAL_PUBLIC_URL": "public_url"},
    ),
    "ratings": ServiceAccess(
        service="ratings",
        reads_tables=("catalogue",),
        # Dossier events come from agencies' systems, not from ratings; rating events are
        # ratings' own hand-off from the route to counting; a dissatisfied rating asks
        # feedback's intake to open a case.
        sends=("rating-events", "feedback-intake", "report-events"),
        consumes={"dossier-events": "take-dossier-events", "rating-events": "count-ratings"},
        secrets=("pseudonym-key",),
        environment={
            "RATINGS_TABLE": "RatingsTableName",
            "REPORT_EVENTS_QUEUE": "ReportEventsQueueName",
            "CATALOGUE_TABLE": "CatalogueTableName",
            "DOSSIER_EVENTS_QUEUE": "DossierEventsQueueName",
            "RATING_EVENTS_QUEUE": "RatingEventsQueueName",
            "FEEDBACK_INTAKE_QUEUE": "FeedbackIntakeQueueName",
        },
    ),
    "dossiers": ServiceAccess(
        service="dossiers",
        reads_tables=("catalogue",),
        # A handled dossier is ratings' dossier event; apologies and results are told to
        # applicants on the notifications path, whose one consumer is here.
        sends=("dossier-events", "notifications", "report-events"),
        consumes={
            "notifications": "send-notifications",
            "dossier-payments": "mark-paid",
            "dossier-results": "check-results",
        },
        secrets=("cursor-key", "pseudonym-key"),
        seals_applicants=True,
        keeps_results=True,
        notifier="send-notifications",
        environment={
            "DOSSIERS_TABLE": "DossiersTableName",
            "REPORT_EVENTS_QUEUE": "ReportEventsQueueName",
            "CATALOGUE_TABLE": "CatalogueTableName",
            "DOSSIER_EVENTS_QUEUE": "DossierEventsQueueName",
            "NOTIFICATIONS_QUEUE": "NotificationsQueueName",
            "DOSSIER_PAYMENTS_QUEUE": "DossierPaymentsQueueName",
            "DOSSIER_RESULTS_QUEUE": "DossierResultsQueueName",
            "DOSSIER_CONTACT_KEY": "DossierContactKeyArn",
            "DOSSIER_RESULTS_BUCKET": "DossierResultsBucketName",
            "NOTIFICATION_SENDER": "NotificationSender",
        },
        stage_environment={"PORTAL_PUBLIC_URL": "public_url"},
    ),
    "reports": ServiceAccess(
        service="reports",
        # The catalogue for agencies (names, levels); every other fact arrives as a message.
        reads_tables=("catalogue",),
        consumes={"report-events": "count-report-events"},
        environment={
            "REPORTS_TABLE": "ReportsTableName",
            "CATALOGUE_TABLE": "CatalogueTableName",
            "REPORT_EVENTS_QUEUE": "ReportEventsQueueName",
        },
    ),
}

# Every function may write its logs and traces; neither names data.
BASELINE_STATEMENTS: list[dict[str, Any]] = [
    {
        "Sid": "Traces",
        "Effect": "Allow",
        "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
        "Resource": "*",
    },
]


def imported(stage: str, export: str) -> dict[str, str]:
    return {"Fn::ImportValue": f"portal-{stage}-{export}"}


def secret_arn(stage: str, name: str) -> dict[str, str]:
    if name not in SECRET_NAMES:
        raise ValueError(f"no secret {name!r} in the shared template")
    return {
        "Fn::Sub": "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:"
        f"secret:portal-{stage}/{name}-??????"
    }


def _table_resources(stage: str, table: str) -> list[Any]:
    arn = imported(stage, TABLE_EXPORTS[table])
    return [arn, {"Fn::Join": ["", [arn, "/index/*"]]}]


def policy_statements(
    access: ServiceAccess, stage: str, function: str, log_group_arn: Any
) -> list[dict[str, Any]]:
    """The statements of one function's role: its service's reach, and its own queue."""
    own_table = _table_resources(stage, access.service)
    statements: list[dict[str, Any]] = [
        {
            "Sid": "Logs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": log_group_arn,
        },
        *BASELINE_STATEMENTS,
        {
            "Sid": "OwnTableWrite",
            "Effect": "Allow",
            "Action": list(TABLE_WRITE_ACTIONS),
            "Resource": own_table,
        },
        {
            "Sid": "TablesRead",
            "Effect": "Allow",
            "Action": list(TABLE_READ_ACTIONS),
            "Resource": own_table
            + [r for table in access.reads_tables for r in _table_resources(stage, table)],
        },
    ]
    if access.sends:
        statements.append(
            {
                "Sid": "QueuesSend",
                "Effect": "Allow",
                "Action": list(QUEUE_SEND_ACTIONS),
                "Resource": [imported(stage, f"{QUEUE_EXPORTS[q]}QueueArn") for q in access.sends],
            }
        )
    consumed = [q for q, handler in access.consumes.items() if handler == function]
    if consumed:
        statements.append(
            {
                "Sid": "QueueConsume",
                "Effect": "Allow",
                "Action": list(QUEUE_CONSUME_ACTIONS),
                "Resource": [imported(stage, f"{QUEUE_EXPORTS[q]}QueueArn") for q in consumed],
            }
        )
    if access.secrets:
        statements.append(
            {
                "Sid": "SecretsRead",
                "Effect": "Allow",
                "Action": list(SECRET_READ_ACTIONS),
                "Resource": [secret_arn(stage, s) for s in access.secrets],
            }
        )
    if access.encrypts_contacts:
        statements.append(
            {
                "Sid": "ContactsSeal",
                "Effect": "Allow",
                "Action": ["kms:Encrypt", "kms:Decrypt"],
                "Resource": imported(stage, "FeedbackContactKeyArn"),
            }
        )
    if access.signs_attachment_uploads:
        # A presigned upload acts with the signer's rights: only new objects under cases/.
        statements.append(
            {
                "Sid": "AttachmentUploads",
                "Effect": "Allow",
                "Action": ["s3:PutObject"],
                "Resource": {
                    "Fn::Join": [
                        "",
                        [imported(stage, "FeedbackAttachmentsBucketArn"), "/cases/*"],
                    ]
                },
            }
        )
        # A slot is taken by a file uploaded: the service lists a case's objects (their
        # names only; it never reads a file).
        statements.append(
            {
                "Sid": "AttachmentsCount",
                "Effect": "Allow",
                "Action": ["s3:ListBucket"],
                "Resource": imported(stage, "FeedbackAttachmentsBucketArn"),
                "Condition": {"StringLike": {"s3:prefix": ["cases/*"]}},
            }
        )
    if access.seals_applicants:
        # Envelope encryption: a data key per request, opened again to read a contact.
        statements.append(
            {
                "Sid": "ApplicantsSeal",
                "Effect": "Allow",
                "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
                "Resource": imported(stage, "DossierContactKeyArn"),
            }
        )
    if access.keeps_results:
        # Presigned uploads and downloads act with the signer's rights, and the digest check
        # reads uploads back: objects under results/ only, no listing, no deleting.
        statements.append(
            {
                "Sid": "Results",
                "Effect": "Allow",
                "Action": ["s3:PutObject", "s3:GetObject", "s3:GetObjectVersion"],
                "Resource": {
                    "Fn::Join": ["", [imported(stage, "DossierResultsBucketArn"), "/results/*"]]
                },
            }
        )
    if access.notifier == function:
        statements += [
            {
                "Sid": "EmailFromThePortal",
                "Effect": "Allow",
                "Action": ["ses:SendEmail"],
                "Resource": imported(stage, "NotificationSenderIdentityArn"),
                "Condition": {
                    "StringEquals": {"ses:FromAddress": imported(stage, "NotificationSender")}
                },
            },
            # SMS to a phone number has no resource to name; publishing to any topic is
            # denied, so the grant is SMS to phones and nothing else.
            {"Sid": "SmsToPhones", "Effect": "Allow", "Action": ["sns:Publish"], "Resource": "*"},
            {
                "Sid": "NoTopics",
                "Effect": "Deny",
                "Action": ["sns:Publish"],
                "Resource": {"Fn::Sub": "arn:${AWS::Partition}:sns:*:*:*"},
            },
        ]
    return statements
