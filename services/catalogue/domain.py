"""The procedure lifecycle: draft, published, abolished. Pure rules, no I/O.

Every change (a new draft, a publication, an abolition) raises ``version`` by one. A
published procedure keeps serving the public while its next draft is prepared; publishing
replaces it and keeps the old version in the history.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import datetime

from services.catalogue.models import ProcedureBody
from services.core.problems import Problem, Text, conflict
from services.core.text import fold


@dataclass(frozen=True, slots=True)
class ProcedureRecord:
    code: str
    body: ProcedureBody
    status: str
    version: int
    updated_at: datetime
    published_at: datetime | None = None
    abolished_at: datetime | None = None
    abolition_reason: str | None = None

    @property
    def fee_total_vnd(self) -> int:
        return sum(fee.amount_vnd for fee in self.body.fees)

    @property
    def folded_name(self) -> str:
        return fold(self.body.name)

    def content_hash(self) -> str:
        """Identifies the declared content, so an import of unchanged data changes nothing."""
        canonical = json.dumps(
            self.body.model_dump(mode="json"), sort_keys=True, ensure_ascii=False
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


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
        return {a for r in (self.current, self.draft) if r is not None for a in r.body.agency_ids}

    @property
    def exists(self) -> bool:
        return self.current is not None or self.draft is not None


_ABOLISHED = Text(
    "Thủ tục đã bị bãi bỏ; mã thủ tục không được dùng lại.",
    "The procedure was abolished; its code is not reused.",
)
_NO_DRAFT = Text("Không có bản dự thảo để công bố.", "There is no draft to publish.")
_NOT_PUBLISHED = Text(
    "Chỉ thủ tục đang được công bố mới có thể bãi bỏ.",
    "Only a published procedure can be abolished.",
)


def new_draft(
    state: ProcedureState, code: str, body: ProcedureBody, now: datetime
) -> ProcedureRecord:
    if state.current is not None and state.current.status == "abolished":
        raise conflict(_ABOLISHED)
    return ProcedureRecord(
        code=code, body=body, status="draft", version=state.latest_version + 1, updated_at=now
    )


def publish(state: ProcedureState, now: datetime) -> ProcedureRecord:
    if state.current is not None and state.current.status == "abolished":
        raise conflict(_ABOLISHED)
    if state.draft is None:
        raise conflict(_NO_DRAFT)
    return replace(
        state.draft,
        status="published",
        version=state.latest_version + 1,
        updated_at=now,
        published_at=now,
    )


def abolish(state: ProcedureState, reason: str, now: datetime) -> ProcedureRecord:
    if state.current is None or state.current.status != "published":
        raise conflict(_NOT_PUBLISHED)
    return replace(
        state.current,
        status="abolished",
        version=state.latest_version + 1,
        updated_at=now,
        abolished_at=now,
        abolition_reason=reason,
    )


def duplicate_name(other_code: str) -> Problem:
    return conflict(
        Text(
            f"Tên thủ tục trùng với thủ tục {other_code} cùng cấp thực hiện; "
            'gửi {"force": true} nếu vẫn muốn công bố.',
            f"The name duplicates procedure {other_code} at the same agency level; "
            'send {"force": true} to publish anyway.',
        ),
        conflicting_code=other_code,
    )


def name_key(record: ProcedureRecord) -> str:
    """The key under which two procedures count as duplicates: folded name and level."""
    digest = hashlib.sha256(record.folded_name.encode()).hexdigest()[:32]
    return f"{record.body.agency_level}#{digest}"
