"""Submitters' contact details, encrypted with the feedback KMS key.

The whole submitter (name, phone, e-mail, ID number, address) is one KMS ciphertext bound
to its case by the encryption context: a ciphertext copied onto another case does not
decrypt. It is decrypted only to show it to the submitter or to an official handling the
case, never for a log or a public answer.
"""

from __future__ import annotations

import json

from services.core import aws
from services.core.settings import get_settings
from services.feedback.models import Submitter


def seal(submitter: Submitter, tracking_code: str) -> bytes:
    answer = aws.kms().encrypt(
        KeyId=get_settings().feedback_contact_key,
        Plaintext=submitter.model_dump_json(exclude_none=True).encode(),
        EncryptionContext={"tracking_code": tracking_code},
    )
    return bytes(answer["CiphertextBlob"])


def open_sealed(blob: bytes, tracking_code: str) -> Submitter:
    answer = aws.kms().decrypt(
        CiphertextBlob=blob, EncryptionContext={"tracking_code": tracking_code}
    )
    return Submitter.model_validate(json.loads(answer["Plaintext"]))
