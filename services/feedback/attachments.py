"""Files attached to a case: uploaded by the browser straight to S3 with a presigned POST,
so no file passes through Lambda. The POST policy fixes the key, the content type and the
size range. Who may attach, and how many files a case takes, the service decides."""

from __future__ import annotations

import uuid

from services.core import aws
from services.core.settings import get_settings
from services.feedback.models import ATTACHMENT_TYPES, AttachmentUpload

MOST_PER_CASE = 5
UPLOAD_SECONDS = 900


def bucket() -> str:
    named = get_settings().feedback_attachments_bucket
    return named or f"portal-{get_settings().stage}-feedback-attachments-{aws.account_id()}"


def presigned_upload(code: str, content_type: str, size_bytes: int) -> AttachmentUpload:
    attachment_id = uuid.uuid4().hex
    key = f"cases/{code}/{attachment_id}{ATTACHMENT_TYPES[content_type]}"
    post = aws.s3().generate_presigned_post(
        Bucket=bucket(),
        Key=key,
        Fields={"Content-Type": content_type},
        Conditions=[
            {"Content-Type": content_type},
            ["content-length-range", 1, size_bytes],
        ],
        ExpiresIn=UPLOAD_SECONDS,
    )
    return AttachmentUpload(
        attachment_id=attachment_id,
        url=str(post["url"]),
        fields={str(k): str(v) for k, v in post["fields"].items()},
        expires_in_seconds=UPLOAD_SECONDS,
    )
