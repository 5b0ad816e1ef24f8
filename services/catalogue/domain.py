"""The procedure lifecycle: draft, published, abolished. Pure rules, no I/O.

Every change (a new draft, a publication, an abolition) raises ``version`` by one. A
published procedure keeps serving the public while its next draft is prepared; publishing
replaces it and keeps the old version in the history.

The lifecycle works on its own types (:class:`ProcedureContent` and the records holding
it); the API's request models and the table's items are converted to and from them at the
edges. What the lifecycle refuses it says with :class:`LifecycleRefused` or
:class:`DuplicateName`; how a caller is told is the service's business.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from enum import Enum
from typing import Any, Literal

from services.core.text import fold

AgencyLevel = Literal["central", "province", "commune"]
ServiceLevel = Literal["full", "partial", "offline"]
Status = Literal["draft", "published", "abolished"]


@dataclass(frozen=True, slots=True)
class Fee:
    name: str
    amount_vnd: int


@dataclass(frozen=True, slots=True)
class RequiredDocument:
    name: str
    copies: int
    original_required: bool = False


@dataclass(frozen=True, slots=True)
class ProcedureContent:
    """What an agency declares about a procedure: everything but its code and lifecycle."""

    name: str
    field: str
    agency_ids: tuple[str, ...]
    agency_level: AgencyLevel
    service_level: ServiceLevel
    processing_days: int
    fees: tuple[Fee, ...]
    documents: tuple[RequiredDocument, ...]
    legal_bases: tuple[str, ...]
    result: str
    online_payment: bool
    e_result: bool

    @property
    def fee_total_vnd(self) -> int:
        return sum(fee.amount_vnd for fee in self.fees)

    def as_dict(self) -> dict[str, Any]:
        """The declared fields as plain values (fees and documents as dicts)."""
        return asdict(self)

    def digest(self) -> str:
        # The same canonical JSON the request model's dump gave when the table's hashes were
        # written: sorted keys, the text as is. A tuple dumps as the list it was.
        canonical = json.dumps(self.as_dict(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ProcedureRecord:
    code: str
    content: ProcedureContent
    status: Status
    version: int
    updated_at: datetime
    published_at: datetime | None = None
    abolished_at: datetime | None = None
    abolition_reason: str | None = None

    @property
    def fee_total_vnd(self) -> int:
        return self.content.fee_total_vnd

    @property
    def folded_name(self) -> str:
        return fold(self.content.name)

    def content_hash(self) -> str:
        """Identifies the declared content, so an import of unchanged data changes nothing."""
        return self.content.digest()


@dataclass(frozen=True, slots=True)
class ProcedureState:
    """What the catalogue holds for one code: the public record and the pending draft."""

    current: ProcedureRecord | None
    draft: ProcedureRecord | None

    @property
    def latest_version(self) -> int:
        return max((r.version for r in (self.current, self.draft) if r is not None), default=0)

    @property
    def agency_ids(self) -> set[str]:
        return {
            a for r in (self.current, self.draft) if r is not None for a in r.content.agency_ids
        }

    @property
    def exists(self) -> bool:
        return self.current is not None or self.draft is not None

    @property
    def abolished(self) -> bool:
        return self.current is not None and self.current.status == "abolished"


class Refusal(Enum):
    """Why the lifecycle refuses a step."""

    ABOLISHED = "abolished"
    """The procedure was abolished: its code is never used again."""
    NO_DRAFT = "no_draft"
    """Publishing needs a draft."""
    NOT_PUBLISHED = "not_published"
    """Only a published procedure can be abolished."""


class LifecycleRefused(Exception):
    def __init__(self, reason: Refusal) -> None:
        super().__init__(reason.value)
        self.reason = reason


class DuplicateName(Exception):
    """Another procedure at the same agency level holds the same folded name."""

    def __init__(self, other_code: str) -> None:
        super().__init__(other_code)
        self.other_code = other_code


def new_draft(
    state: ProcedureState, code: str, content: ProcedureContent, now: datetime
) -> ProcedureRecord:
    if state.abolished:
        raise LifecycleRefused(Refusal.ABOLISHED)
    return ProcedureRecord(
        code=code,
        content=content,
        status="draft",
        version=state.latest_version + 1,
        updated_at=now,
    )


def publish(state: ProcedureState, now: datetime) -> ProcedureRecord:
    if state.abolished:
        raise LifecycleRefused(Refusal.ABOLISHED)
    if state.draft is None:
        raise LifecycleRefused(Refusal.NO_DRAFT)
    return replace(
        state.draft,
        status="published",
        version=state.latest_version + 1,
        updated_at=now,
        published_at=now,
    )


def abolish(state: ProcedureState, reason: str, now: datetime) -> ProcedureRecord:
    if state.current is None or state.current.status != "published":
        raise LifecycleRefused(Refusal.NOT_PUBLISHED)
    return replace(
        state.current,
        status="abolished",
        version=state.latest_version + 1,
        updated_at=now,
        abolished_at=now,
        abolition_reason=reason,
    )


def name_key(record: ProcedureRecord) -> str:
    """The key under which two procedures count as duplicates: folded name and level."""
    digest = hashlib.sha256(record.folded_name.encode()).hexdigest()[:32]
    return f"{record.content.agency_level}#{digest}"


def claims_name(code: str, owner: str | None, *, force: bool) -> bool:
    """Whether publishing ``code`` takes its name key, which ``owner`` holds now (None: no
    one). A name held by another code is a :class:`DuplicateName` unless ``force``, and
    then stays with its holder."""
    if owner is None or owner == code:
        return True
    if not force:
        raise DuplicateName(owner)
    return False
