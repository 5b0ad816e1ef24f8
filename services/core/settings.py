"""Settings read from the environment, once per process.

Every name a service needs (tables, queues, secrets) comes from the environment so the same
code runs in AWS (where the deploy wires stack outputs in), in the local stack and in tests.
Names default to the pattern the shared template uses, ``portal-<stage>-<thing>``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache

LOCAL_ORIGINS = "http://localhost:*,http://127.0.0.1:*"
"""Browser origins allowed where a stage says none: any port of the developer's machine."""
LOCAL_ISSUER = "https://id.portal.local"
"""The issuer of the tokens ``portal token`` mints, trusted where ``PORTAL_JWKS_JSON`` is."""
LOCAL_AUDIENCE = "public-service-portal"


@dataclass(frozen=True, slots=True)
class Settings:
    stage: str
    catalogue_table: str
    payments_table: str
    feedback_table: str
    ratings_table: str
    procedure_changes_queue: str
    cursor_secret_name: str
    pseudonym_secret_name: str
    jwt_issuer: str
    jwt_audience: str
    jwks_url: str | None
    jwks_json: str | None
    jwks_max_age_seconds: float
    search_shards: int
    payment_settled_queue: str
    provider_secret_prefix: str
    order_ttl_minutes: int
    payment_return_url: str
    feedback_intake_queue: str
    dossier_events_queue: str
    rating_events_queue: str
    feedback_contact_key: str
    feedback_attachments_bucket: str | None
    cors_origins: str
    dossiers_table: str
    notifications_queue: str
    dossier_payments_queue: str
    dossier_results_queue: str
    dossier_contact_key: str
    dossier_results_bucket: str | None
    notification_sender: str
    public_url: str
    reports_table: str
    report_events_queue: str


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


@cache
def get_settings() -> Settings:
    stage = _env("PORTAL_STAGE", "local")
    prefix = f"portal-{stage}"
    return Settings(
        stage=stage,
        catalogue_table=_env("CATALOGUE_TABLE", f"{prefix}-catalogue"),
        payments_table=_env("PAYMENTS_TABLE", f"{prefix}-payments"),
        feedback_table=_env("FEEDBACK_TABLE", f"{prefix}-feedback"),
        ratings_table=_env("RATINGS_TABLE", f"{prefix}-ratings"),
        procedure_changes_queue=_env("PROCEDURE_CHANGES_QUEUE", f"{prefix}-procedure-changes"),
        cursor_secret_name=_env("CURSOR_SECRET_NAME", f"{prefix}/cursor-key"),
        pseudonym_secret_name=_env("PSEUDONYM_SECRET_NAME", f"{prefix}/pseudonym-key"),
        jwt_issuer=_env("PORTAL_JWT_ISSUER", LOCAL_ISSUER),
        jwt_audience=_env("PORTAL_JWT_AUDIENCE", LOCAL_AUDIENCE),
        jwks_url=os.environ.get("PORTAL_JWKS_URL") or None,
        jwks_json=os.environ.get("PORTAL_JWKS_JSON") or None,
        jwks_max_age_seconds=float(_env("PORTAL_JWKS_MAX_AGE_SECONDS", "300")),
        search_shards=int(_env("CATALOGUE_SEARCH_SHARDS", "16")),
        payment_settled_queue=_env("PAYMENT_SETTLED_QUEUE", f"{prefix}-payment-settled"),
        dossier_events_queue=_env("DOSSIER_EVENTS_QUEUE", f"{prefix}-dossier-events"),
        rating_events_queue=_env("RATING_EVENTS_QUEUE", f"{prefix}-rating-events"),
        # Each provider's profile is the secret ``<prefix>/<provider>``.
        provider_secret_prefix=_env("PAYMENT_PROVIDER_SECRETS", f"{prefix}/payments"),
        order_ttl_minutes=int(_env("PAYMENT_ORDER_TTL_MINUTES", "15")),
        feedback_intake_queue=_env("FEEDBACK_INTAKE_QUEUE", f"{prefix}-feedback-intake"),
        feedback_contact_key=_env("FEEDBACK_CONTACT_KEY", f"alias/{prefix}-feedback-contacts"),
        # The template names it with the account id; resolved on first use when unset.
        feedback_attachments_bucket=os.environ.get("FEEDBACK_ATTACHMENTS_BUCKET") or None,
        # Set but empty: no browser origin at all (a stage whose front ends share its host).
        cors_origins=os.environ.get("PORTAL_CORS_ORIGINS", LOCAL_ORIGINS),
        # Where the bank sends the citizen's browser back: the portal's public address.
        payment_return_url=_env(
            "PAYMENT_RETURN_URL", "http://127.0.0.1:8000/payments/callbacks/vnpay/return"
        ),
        dossiers_table=_env("DOSSIERS_TABLE", f"{prefix}-dossiers"),
        # One path for every e-mail and SMS to citizens (dossiers' consumer sends them).
        notifications_queue=_env("NOTIFICATIONS_QUEUE", f"{prefix}-notifications"),
        dossier_payments_queue=_env("DOSSIER_PAYMENTS_QUEUE", f"{prefix}-dossier-payments"),
        dossier_results_queue=_env("DOSSIER_RESULTS_QUEUE", f"{prefix}-dossier-results"),
        dossier_contact_key=_env("DOSSIER_CONTACT_KEY", f"alias/{prefix}-dossier-contacts"),
        # Named with the account id, as feedback's attachments bucket; resolved when unset.
        dossier_results_bucket=os.environ.get("DOSSIER_RESULTS_BUCKET") or None,
        notification_sender=_env("NOTIFICATION_SENDER", "thongbao@dichvucong.gov.vn"),
        # Where links in letters and messages to citizens point: the portal's public address.
        public_url=_env("PORTAL_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/"),
        # The reports service's own table, and the one queue every producer tells it on.
        reports_table=_env("REPORTS_TABLE", f"{prefix}-reports"),
        report_events_queue=_env("REPORT_EVENTS_QUEUE", f"{prefix}-report-events"),
    )
