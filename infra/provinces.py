"""The provinces since the 2025 reform (34, from the ``vietnam-provinces`` package), as
catalogue agencies: each province's People's Committee.

Their identifiers take the form of Decision 20/2020/QĐ-TTg (``000.00.00.H<nn>``, a
province's level-1 unit). The real identifiers are issued by the Government Office; the
demo uses the province's statistical code (GSO) for ``<nn>``, so that every province has
one and none collides. Provinces are data: a later reform is a package upgrade, not code.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ProvinceAgency:
    agency_id: str
    name: str
    locality: str


def _committee(name: str, is_city: bool) -> str:
    if is_city:
        return "Ủy ban nhân dân " + name[:1].lower() + name[1:]  # "thành phố Hà Nội"
    return f"Ủy ban nhân dân tỉnh {name}"


def province_agencies() -> list[ProvinceAgency]:
    from vietnam_provinces import Province, VietNamDivisionType

    found = []
    for province in Province.iter_all():
        is_city = province.division_type == VietNamDivisionType.THANH_PHO_TRUNG_UONG
        # "Hà Nội", "Đà Nẵng", but "Thành phố Hồ Chí Minh": the bare name is the person's.
        bare = province.name.removeprefix("Thành phố ")
        locality = province.name if bare == "Hồ Chí Minh" else bare
        found.append(
            ProvinceAgency(
                agency_id=f"000.00.00.H{int(province.code):02d}",
                name=_committee(province.name, is_city),
                locality=locality,
            )
        )
    return found
