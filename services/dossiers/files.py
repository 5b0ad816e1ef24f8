"""Electronic results in S3: uploaded by one-stop systems through a presigned PUT, read back
to check their digest, and fetched by applicants through a short-lived presigned GET.

The PUT is signed with the document's size, content type and SHA-256 (S3's own
``x-amz-checksum-sha256``): S3 refuses an upload whose body does not match them. The portal
does not rely on that alone: what S3 tells the results queue of an upload is read back
whole and its SHA-256 computed here, and only a version whose digest, size and type are the
registered ones is ever offered, by its version id, so an upload made over it later is
never what an applicant gets.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from services.core import aws
from services.core.settings import get_settings

UPLOAD_SECONDS = 900
DOWNLOAD_SECONDS = 300
_CHUNK = 1024 * 1024


def bucket() -> str:
    named = get_settings().dossier_results_bucket
    return named or f"portal-{get_settings().stage}-dossier-results-{aws.account_id()}"


def object_key(dossier_code: str, result_id: str) -> str:
    return f"results/{dossier_code}/{result_id}"


def ids_of(key: str) -> tuple[str, str] | None:
    """(dossier code, result id) of an object key as S3's events write it (URL-encoded), or
    None for a key that is not a result's."""
    from urllib.parse import unquote_plus

    parts = unquote_plus(key).split("/")
    if len(parts) != 3 or parts[0] != "results":
        return None
    return parts[1], parts[2]


@dataclass(frozen=True, slots=True)
class Upload:
    url: str
    headers: dict[str, str]
    expires_in_seconds: int = UPLOAD_SECONDS


def presigned_upload(
    dossier_code: str, result_id: str, content_type: str, size: int, sha256: str
) -> Upload:
    checksum = base64.b64encode(bytes.fromhex(sha256)).decode()
    url = aws.s3_presigner().generate_presigned_url(
        "put_object",
        Params={
            "Bucket": bucket(),
            "Key": object_key(dossier_code, result_id),
            "ContentType": content_type,
            "ContentLength": size,
            "ChecksumSHA256": checksum,
        },
        ExpiresIn=UPLOAD_SECONDS,
    )
    headers = {"Content-Type": content_type, "x-amz-checksum-sha256": checksum}
    return Upload(url=str(url), headers=headers)


@dataclass(frozen=True, slots=True)
class ReadBack:
    sha256: str
    size: int
    content_type: str
    version_id: str


def read_back(dossier_code: str, result_id: str, version_id: str | None) -> ReadBack | None:
    """The uploaded object (that version, else the latest) hashed here; None if there is
    none."""
    s3 = aws.s3()
    request = {"Bucket": bucket(), "Key": object_key(dossier_code, result_id)}
    if version_id:
        request["VersionId"] = version_id
    try:
        answer = s3.get_object(**request)
    except s3.exceptions.NoSuchKey:
        return None
    except s3.exceptions.ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("NoSuchVersion", "404", "NoSuchKey"):
            return None
        raise
    digest = hashlib.sha256()
    size = 0
    body = answer["Body"]
    while chunk := body.read(_CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return ReadBack(
        sha256=digest.hexdigest(),
        size=size,
        content_type=str(answer.get("ContentType", "")),
        version_id=str(answer.get("VersionId") or version_id or ""),
    )


def presigned_download(dossier_code: str, result_id: str, version_id: str, name: str) -> str:
    params = {
        "Bucket": bucket(),
        "Key": object_key(dossier_code, result_id),
        "ResponseContentDisposition": _attachment(name),
    }
    if version_id:
        params["VersionId"] = version_id
    url = aws.s3_presigner().generate_presigned_url(
        "get_object", Params=params, ExpiresIn=DOWNLOAD_SECONDS
    )
    return str(url)


def _attachment(name: str) -> str:
    """A Content-Disposition that keeps a Vietnamese file name (RFC 6266's filename*)."""
    from urllib.parse import quote

    ascii_name = "".join(ch if ch.isascii() and ch not in '"\\' else "_" for ch in name)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
