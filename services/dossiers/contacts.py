"""Applicants' contact details (id number, name, phone, e-mail), encrypted with the dossiers'
KMS key, the same kind of key as feedback's submitters'.

Envelope encryption, because dossiers come a hundred at a time: a :class:`Sealer` asks KMS
for one data key (``GenerateDataKey``) the first time it seals, encrypts each applicant's
details with it locally (AES-GCM), and keeps the data key encrypted by KMS beside them. A
batch of 100 dossiers costs one call to KMS, not 100. Each ciphertext is bound to its
dossier code (AES-GCM's associated data), so one copied onto another dossier does not open;
the data key is bound to its purpose (KMS's encryption context). Details are opened only to
show them to the applicant or the officials handling the dossier, and to notify the
applicant; never for a log or a public answer.
"""

from __future__ import annotations

import json
import os
from typing import Any

from services.core import aws
from services.core.settings import get_settings
from services.dossiers.domain import SealedContact
from services.dossiers.models import Applicant

_CONTEXT = {"purpose": "dossier-applicant"}
_NONCE_BYTES = 12


def _aead(key: bytes) -> Any:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(key)


class Sealer:
    """Seals the applicants of one request under one data key, asked for on first use."""

    def __init__(self) -> None:
        self._key: tuple[bytes, bytes] | None = None

    def _data_key(self) -> tuple[bytes, bytes]:
        if self._key is None:
            answer = aws.kms().generate_data_key(
                KeyId=get_settings().dossier_contact_key,
                KeySpec="AES_256",
                EncryptionContext=_CONTEXT,
            )
            self._key = (bytes(answer["Plaintext"]), bytes(answer["CiphertextBlob"]))
        return self._key

    def seal(self, applicant: Applicant, dossier_code: str, digest: str) -> SealedContact:
        plain, encrypted = self._data_key()
        nonce = os.urandom(_NONCE_BYTES)
        details = applicant.model_dump_json(exclude_none=True).encode()
        blob = nonce + _aead(plain).encrypt(nonce, details, dossier_code.encode())
        return SealedContact(blob=blob, data_key=encrypted, digest=digest)


def open_sealed(sealed: SealedContact, dossier_code: str) -> Applicant:
    answer = aws.kms().decrypt(CiphertextBlob=sealed.data_key, EncryptionContext=_CONTEXT)
    nonce, ciphertext = sealed.blob[:_NONCE_BYTES], sealed.blob[_NONCE_BYTES:]
    details = _aead(bytes(answer["Plaintext"])).decrypt(nonce, ciphertext, dossier_code.encode())
    return Applicant.model_validate(json.loads(details))


def fingerprint(applicant: Applicant) -> str:
    """The details as one text, for a keyed digest that tells a changed contact."""
    return applicant.model_dump_json(exclude_none=True)
