"""The lifecycle's rules on their own: no table, no HTTP. Each step answers the record it
makes, one version above anything the code held, or refuses with its reason."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from services.catalogue import domain
from services.catalogue.domain import (
    DuplicateName,
    Fee,
    LifecycleRefused,
    ProcedureContent,
    ProcedureRecord,
    ProcedureState,
    Refusal,
    RequiredDocument,
)

MONDAY = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
TUESDAY = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)

CONTENT = ProcedureContent(
    name="Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam",
    field="Lý lịch tư pháp",
    agency_ids=("bo-tu-phap",),
    agency_level="central",
    service_level="full",
    processing_days=10,
    fees=(Fee("Lệ phí cấp Phiếu lý lịch tư pháp", 200000), Fee("Phí cấp thêm", 5000)),
    documents=(RequiredDocument("Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp", 1),),
    legal_bases=("Luật Lý lịch tư pháp số 28/2009/QH12",),
    result="Phiếu lý lịch tư pháp",
    online_payment=True,
    e_result=True,
)
NOTHING = ProcedureState(current=None, draft=None)


def record(status: domain.Status, version: int, **changes: object) -> ProcedureRecord:
    made = ProcedureRecord(
        code="1.001234", content=CONTENT, status=status, version=version, updated_at=MONDAY
    )
    return replace(made, **changes)  # type: ignore[arg-type]


def named(name: str, **changes: object) -> ProcedureRecord:
    return record("draft", 1, content=replace(CONTENT, name=name, **changes))  # type: ignore[arg-type]


# -- new_draft -------------------------------------------------------------------------------
def test_a_first_draft_is_version_one() -> None:
    draft = domain.new_draft(NOTHING, "1.001234", CONTENT, MONDAY)
    assert (draft.code, draft.status, draft.version) == ("1.001234", "draft", 1)
    assert draft.updated_at == MONDAY
    assert draft.published_at is None
    assert draft.content == CONTENT


def test_a_new_draft_replaces_the_draft_one_version_up() -> None:
    state = ProcedureState(current=None, draft=record("draft", 1))
    assert domain.new_draft(state, "1.001234", CONTENT, TUESDAY).version == 2


def test_a_draft_of_a_published_procedure_is_one_above_the_published_version() -> None:
    state = ProcedureState(current=record("published", 2, published_at=MONDAY), draft=None)
    draft = domain.new_draft(state, "1.001234", replace(CONTENT, processing_days=5), TUESDAY)
    assert (draft.status, draft.version, draft.content.processing_days) == ("draft", 3, 5)


def test_an_abolished_code_takes_no_new_draft() -> None:
    state = ProcedureState(current=record("abolished", 3), draft=None)
    with pytest.raises(LifecycleRefused) as refused:
        domain.new_draft(state, "1.001234", CONTENT, TUESDAY)
    assert refused.value.reason is Refusal.ABOLISHED


# -- publish ---------------------------------------------------------------------------------
def test_publishing_makes_the_draft_public_one_version_up() -> None:
    draft = record("draft", 1)
    published = domain.publish(ProcedureState(current=None, draft=draft), TUESDAY)
    assert (published.status, published.version) == ("published", 2)
    assert (published.updated_at, published.published_at) == (TUESDAY, TUESDAY)
    assert published.content == CONTENT


def test_republishing_counts_from_the_newest_of_public_record_and_draft() -> None:
    state = ProcedureState(
        current=record("published", 4, published_at=MONDAY), draft=record("draft", 5)
    )
    assert domain.publish(state, TUESDAY).version == 6


@pytest.mark.parametrize(
    "state",
    [NOTHING, ProcedureState(current=record("published", 2, published_at=MONDAY), draft=None)],
    ids=["nothing", "published without a draft"],
)
def test_publishing_without_a_draft_is_refused(state: ProcedureState) -> None:
    with pytest.raises(LifecycleRefused) as refused:
        domain.publish(state, TUESDAY)
    assert refused.value.reason is Refusal.NO_DRAFT


def test_an_abolished_code_is_never_published_again() -> None:
    state = ProcedureState(current=record("abolished", 3), draft=record("draft", 4))
    with pytest.raises(LifecycleRefused) as refused:
        domain.publish(state, TUESDAY)
    assert refused.value.reason is Refusal.ABOLISHED


# -- abolish ---------------------------------------------------------------------------------
def test_abolishing_a_published_procedure_keeps_its_record_with_the_reason() -> None:
    state = ProcedureState(current=record("published", 2, published_at=MONDAY), draft=None)
    abolished = domain.abolish(state, "Trùng lặp với thủ tục 1.001235", TUESDAY)
    assert (abolished.status, abolished.version) == ("abolished", 3)
    assert abolished.abolition_reason == "Trùng lặp với thủ tục 1.001235"
    assert (abolished.abolished_at, abolished.updated_at) == (TUESDAY, TUESDAY)
    assert abolished.published_at == MONDAY
    assert abolished.content == CONTENT


def test_abolishing_counts_past_a_pending_draft() -> None:
    state = ProcedureState(
        current=record("published", 2, published_at=MONDAY), draft=record("draft", 3)
    )
    assert domain.abolish(state, "Hết hiệu lực", TUESDAY).version == 4


@pytest.mark.parametrize(
    "state",
    [
        NOTHING,
        ProcedureState(current=None, draft=record("draft", 1)),
        ProcedureState(current=record("abolished", 3), draft=None),
    ],
    ids=["nothing", "draft only", "abolished"],
)
def test_only_a_published_procedure_can_be_abolished(state: ProcedureState) -> None:
    with pytest.raises(LifecycleRefused) as refused:
        domain.abolish(state, "Hết hiệu lực", TUESDAY)
    assert refused.value.reason is Refusal.NOT_PUBLISHED


# -- a whole life ----------------------------------------------------------------------------
def test_every_step_of_a_life_raises_the_version_by_one() -> None:
    versions = []
    draft = domain.new_draft(NOTHING, "1.001234", CONTENT, MONDAY)
    versions.append(draft.version)
    draft = domain.new_draft(ProcedureState(None, draft), "1.001234", CONTENT, MONDAY)
    versions.append(draft.version)
    public = domain.publish(ProcedureState(None, draft), MONDAY)
    versions.append(public.version)
    draft = domain.new_draft(ProcedureState(public, None), "1.001234", CONTENT, TUESDAY)
    versions.append(draft.version)
    public = domain.publish(ProcedureState(public, draft), TUESDAY)
    versions.append(public.version)
    abolished = domain.abolish(ProcedureState(public, None), "Hết hiệu lực", TUESDAY)
    versions.append(abolished.version)
    assert versions == [1, 2, 3, 4, 5, 6]


# -- names -----------------------------------------------------------------------------------
def test_names_that_differ_in_case_and_diacritics_share_a_key() -> None:
    shouted = named("CẤP PHIẾU LÝ LỊCH TƯ PHÁP CHO CÔNG DÂN VIỆT NAM")
    bare = named("cap phieu ly lich tu phap cho cong dan viet nam")
    spaced = named("  Cấp phiếu  lý lịch tư pháp cho công dân Việt Nam ")
    written = record("draft", 1)
    assert domain.name_key(shouted) == domain.name_key(bare) == domain.name_key(written)
    assert domain.name_key(spaced) == domain.name_key(written)


def test_d_stroke_folds_to_d_in_a_name_key() -> None:
    stroked, plain = named("Đăng ký khai sinh"), named("dang ky khai sinh")
    assert domain.name_key(stroked) == domain.name_key(plain)


def test_the_same_name_at_another_level_has_another_key() -> None:
    central = named(CONTENT.name)
    province = named(CONTENT.name, agency_level="province")
    assert domain.name_key(central).startswith("central#")
    assert domain.name_key(province).startswith("province#")
    assert (
        domain.name_key(central)[len("central#") :] == domain.name_key(province)[len("province#") :]
    )


def test_another_name_has_another_key() -> None:
    other = named("Cấp Phiếu lý lịch tư pháp số 2")
    assert domain.name_key(other) != domain.name_key(record("draft", 1))


def test_a_free_name_or_ones_own_is_claimed() -> None:
    assert domain.claims_name("1.001234", None, force=False) is True
    assert domain.claims_name("1.001234", "1.001234", force=False) is True


def test_a_name_held_by_another_code_is_a_duplicate_naming_it() -> None:
    with pytest.raises(DuplicateName) as duplicate:
        domain.claims_name("1.001234", "1.000999", force=False)
    assert duplicate.value.other_code == "1.000999"


def test_forcing_publishes_without_taking_the_other_codes_name() -> None:
    assert domain.claims_name("1.001234", "1.000999", force=True) is False


# -- what a state tells ----------------------------------------------------------------------
def test_a_state_knows_its_agencies_across_public_record_and_draft() -> None:
    moved = replace(CONTENT, agency_ids=("bo-tu-phap", "so-tu-phap-ha-noi"))
    state = ProcedureState(current=record("published", 2), draft=record("draft", 3, content=moved))
    assert state.agency_ids == {"bo-tu-phap", "so-tu-phap-ha-noi"}
    assert state.latest_version == 3
    assert state.exists and not state.abolished
    assert NOTHING.latest_version == 0 and not NOTHING.exists


def test_the_fee_total_is_the_sum_of_the_fees() -> None:
    assert record("draft", 1).fee_total_vnd == 205000
    assert replace(CONTENT, fees=()).fee_total_vnd == 0
