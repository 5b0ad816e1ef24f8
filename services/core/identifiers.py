"""The identifiers and values that cross service boundaries, written once: agencies,
procedures, dossiers, officials, reporting periods, moments.

Each has its pattern (for path parameters and plain checks) and an annotated type for
pydantic models, so a request model says ``agency_id: AgencyId`` and every service refuses
the same things.

>>> is_procedure_code("1.001234"), is_procedure_code("2.000815.000.00.00.H55")
(True, True)
>>> is_agency_id("000.00.00.H26"), is_agency_id("H55.242"), is_agency_id("-bad")
(True, True, False)
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, Field

_NATIONAL_CODE = r"[0-9]\.[0-9]{6}"
_AGENCY_ID = r"[A-Za-z0-9][A-Za-z0-9.-]{0,39}"

AGENCY_ID_PATTERN = rf"^{_AGENCY_ID}$"
"""An agency's id as the national systems write it: the electronic identifier of Decision
20/2020/QĐ-TTg (``000.00.00.H26``, ``000.00.04.G14``), a one-stop system's code
(``H55.242``) or an older slug (``so-tu-phap-ha-noi``). Compared exactly as written."""

NATIONAL_CODE_PATTERN = rf"^{_NATIONAL_CODE}$"
"""A national procedure code, ``1.001234`` (central) or ``2.000123`` (local)."""

PROCEDURE_CODE_PATTERN = rf"^{_NATIONAL_CODE}(?:\.{_AGENCY_ID})?$"
"""A procedure code as callers send it: national, or local (``2.000815.000.00.00.H55``, the
national code followed by the implementing agency's identifier), which means the national
one."""

DOSSIER_CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
"""A dossier's code as its one-stop system writes it (``000.00.12.H26-261122-0001``)."""

OFFICIAL_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
"""An official's id in their agency's one-stop system."""

PERIOD_PATTERN = r"^[0-9]{4}(?:-(?:0[1-9]|1[0-2])|-Q[1-4])?$"
"""A reporting period: a year ``2026``, a quarter ``2026-Q4`` or a month ``2026-11``."""


def national_code(code: str) -> str:
    """The national code a procedure code names: ``2.000815.000.00.00.H55`` is
    ``2.000815``.

    >>> national_code("2.000815.000.00.00.H55"), national_code("1.001234")
    ('2.000815', '1.001234')
    """
    return code[:8]


ProcedureCode = Annotated[
    str,
    Field(
        pattern=PROCEDURE_CODE_PATTERN,
        examples=["1.002804", "2.000815.000.00.00.H55"],
        description="National, or local (the national code and the agency's identifier).",
    ),
    AfterValidator(national_code),
]
"""A procedure code taken from a caller: either form, read as the national code."""
AgencyId = Annotated[str, Field(pattern=AGENCY_ID_PATTERN, examples=["000.00.00.H26", "H55.242"])]
DossierCode = Annotated[
    str, Field(pattern=DOSSIER_CODE_PATTERN, examples=["000.00.12.H26-261122-0001"])
]
OfficialId = Annotated[str, Field(pattern=OFFICIAL_ID_PATTERN)]
Period = Annotated[str, Field(pattern=PERIOD_PATTERN, examples=["2026", "2026-Q4", "2026-11"])]


EARLIEST_YEAR = 1900
LATEST_YEAR = 2200


def _within_the_calendar(moment: datetime) -> datetime:
    """A moment the portal can store, compare and count: in UTC it stays within years
    1900 to 2200. ``0001-01-01T00:00+14:00`` is a valid ISO 8601 text whose UTC form does
    not exist, and would fail the first comparison or conversion far from the edge."""
    try:
        in_utc = moment.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"a moment between {EARLIEST_YEAR} and {LATEST_YEAR}") from None
    if not EARLIEST_YEAR <= in_utc.year <= LATEST_YEAR:
        raise ValueError(f"a moment between {EARLIEST_YEAR} and {LATEST_YEAR}")
    return moment


Moment = Annotated[AwareDatetime, AfterValidator(_within_the_calendar)]
"""A moment a caller gives: ISO 8601 with its offset, within the years the portal counts."""


def agency_in_dossier_code(code: str) -> str | None:
    """The agency a national dossier code names, if it names one: one-stop systems number
    dossiers ``<agency identifier>-<yymmdd>-<sequence>`` (``000.00.12.H26-261122-0001``).
    Only an identifier of the national form (with its dots) counts; a code with none names
    no agency.

    >>> agency_in_dossier_code("000.00.12.H26-261122-0001"), agency_in_dossier_code("HS-1")
    ('000.00.12.H26', None)
    """
    prefix, dash, _ = code.partition("-")
    return prefix if dash and "." in prefix and is_agency_id(prefix) else None


def is_procedure_code(text: str) -> bool:
    """Whether ``text`` names a procedure, in its national or local form."""
    return re.fullmatch(PROCEDURE_CODE_PATTERN, text) is not None


def is_agency_id(text: str) -> bool:
    return re.fullmatch(AGENCY_ID_PATTERN, text) is not None


_PHONE_NUMBER = re.compile(r"^(?:\+?84|0)[1-9][0-9]{8,9}$")


def vietnamese_phone(typed: str) -> str:
    """A Vietnamese phone number in its one form (``0xxxxxxxxx``), however it was typed:
    spaces, dots, dashes and brackets dropped, ``+84`` and ``84`` being the same subscriber
    as ``0``. ``ValueError`` for anything that is not one.

    >>> vietnamese_phone("+84 912.345.678"), vietnamese_phone("(091) 234-5678")
    ('0912345678', '0912345678')
    """
    digits = re.sub(r"[\s.\-()]", "", typed)
    if not _PHONE_NUMBER.match(digits):
        raise ValueError("not a Vietnamese phone number")
    return "0" + re.sub(r"^(?:\+?84|0)", "", digits)


EMAIL_PATTERN = r"^[^@\s]{1,64}@[^@\s]{1,255}\.[A-Za-z]{2,24}$"
"""An e-mail address as the portal accepts one, wherever a person gives it (feedback, a
dossier's applicant) and wherever it is sent to (notifications): a local part, a domain and
a top-level domain of letters."""


def email_address(typed: str) -> str:
    """An e-mail address in its one form (lower case), or ``ValueError``.

    >>> email_address("Nguyen.Van.An@Example.VN")
    'nguyen.van.an@example.vn'
    >>> email_address("an@localhost")
    Traceback (most recent call last):
    ValueError: not an e-mail address
    """
    if not re.fullmatch(EMAIL_PATTERN, typed):
        raise ValueError("not an e-mail address")
    return typed.lower()
