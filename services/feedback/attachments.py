"""Files attached to a case: uploaded by the browser straight to S3 with a presigned POST,
so no file passes through Lambda. The POST policy fixes the key, the content type and the
size range; a case takes at most ``MOST_PER_CASE`` files."""

from __future__ import annotations

import uuid

from services.core import aws
from services.core.auth import Principal
from services.core.problems import Text, conflict
from services.core.settings import get_settings
from services.feedback import service
from services.feedback.models import ATTACHMENT_TYPES, AttachmentBody, AttachmentUpload

MOST_PER_CASE = 5
UPLOAD_SECONDS = 900

_FULL = Text("Mỗi phản ánh chỉ được đính kèm tối đa 5 tệp.", "A case takes at most 5 attachments.")


def bucket() -> str:
    named = get_settings().feedback_attachments_bucket
    return named or f"portal-{get_settings().stage}-feedback-attachments-{aws.account_id()}"


def presign(code: str, body: AttachmentBody, principal: Principal | None) -> AttachmentUpload:
    service.view(code, body.access_key, principal)  # only who may see the case adds to it
    from services.feedback import storage

    if not storage.count_attachment(code, MOST_PER_CASE):
        raise conflict(_FULL)
    attachment_id = uuid.uuid4().hex
    key = f"cases/{code}/{attachment_id}{ATTACHMENT_TYPES[body.content_type]}"
    post = aws.s3().generate_presigned_post(
        Bucket=bucket(),
        Key=key,
        Fields={"Content-Type": body.content_type},
        Conditions=[
            {"Content-Type": body.content_type},
            ["content-length-range", 1, body.size_bytes],
        ],
        ExpiresIn=UPLOAD_SECONDS,
    )
    return AttachmentUpload(
        attachment_id=attachment_id,
        url=str(post["url"]),
        fields={str(k): str(v) for k, v in post["fields"].items()},
        expires_in_seconds=UPLOAD_SECONDS,
    )
