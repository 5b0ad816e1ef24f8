"""Files attached to a case: uploaded by the browser straight to S3 with a presigned POST,
so no file passes through Lambda. The POST policy fixes the key, the content type and the
size range. Who may attach, and how many files a case takes, the service decides; the files
a case holds are the objects under its prefix, ``cases/<code>/<attachment id>.<ext>``."""

from __future__ import annotations

import uuid

from services.core import aws
from services.core.settings import get_settings
from services.feedback.domain import UPLOAD_LINK_SECONDS
from services.feedback.models import ATTACHMENT_TYPES, AttachmentUpload

UPLOAD_SECONDS = UPLOAD_LINK_SECONDS


def bucket() -> str:
    named = get_settings().feedback_attachments_bucket
    return named or f"portal-{get_settings().stage}-feedback-attachments-{aws.account_id()}"


def new_id() -> str:
    return uuid.uuid4().hex


def uploaded(code: str) -> set[str]:
    """The attachment ids of the files uploaded to the case."""
    prefix = f"cases/{code}/"
    # A case holds a handful of files (each link names one key): one page is all of them.
    answer = aws.s3().list_objects_v2(Bucket=bucket(), Prefix=prefix, MaxKeys=1000)
    return {
        str(item["Key"]).removeprefix(prefix).split(".", 1)[0]
        for item in answer.get("Contents", [])
    }


def presigned_upload(
    code: str, attachment_id: str, content_type: str, size_bytes: int
) -> AttachmentUpload:
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
