"""A synthetic national catalogue for the benchmarks: procedure names built the way the
national catalogue names them, spread over today's 34 provinces and, at larger scales, over
communes, so that a catalogue ten times larger has ten times as many agencies and the same
distribution of names.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from services.catalogue.domain import AgencyLevel, ProcedureRecord

# Names follow how the national catalogue names procedures: an action, the paper or status
# it acts on, and often a case or a place ("Cấp lại giấy phép lái xe trường hợp bị mất").

PROVINCES = (
    "Hà Nội", "Huế", "Lai Châu", "Điện Biên", "Sơn La", "Lạng Sơn", "Quảng Ninh",
    "Thanh Hóa", "Nghệ An", "Hà Tĩnh", "Cao Bằng", "Tuyên Quang", "Lào Cai", "Thái Nguyên",
    "Phú Thọ", "Bắc Ninh", "Hưng Yên", "Hải Phòng", "Ninh Bình", "Quảng Trị", "Đà Nẵng",
    "Quảng Ngãi", "Gia Lai", "Khánh Hòa", "Lâm Đồng", "Đắk Lắk", "Hồ Chí Minh", "Đồng Nai",
    "Tây Ninh", "Cần Thơ", "Vĩnh Long", "Đồng Tháp", "Cà Mau", "An Giang",
)  # fmt: skip
CITIES = {"Hà Nội", "Huế", "Hải Phòng", "Đà Nẵng", "Hồ Chí Minh", "Cần Thơ"}
COMMUNE_WORDS = (
    "Tân", "An", "Phú", "Bình", "Hòa", "Thạnh", "Long", "Mỹ", "Đông", "Tây", "Nam", "Bắc",
    "Trung", "Hưng", "Phước", "Thuận", "Lộc", "Thành", "Vĩnh", "Quang", "Sơn", "Hải",
)  # fmt: skip

CENTRAL = {
    "bo-cong-an": "Bộ Công an",
    "bo-tu-phap": "Bộ Tư pháp",
    "bo-y-te": "Bộ Y tế",
    "bo-xay-dung": "Bộ Xây dựng",
    "bo-nong-nghiep-va-moi-truong": "Bộ Nông nghiệp và Môi trường",
    "bo-khoa-hoc-va-cong-nghe": "Bộ Khoa học và Công nghệ",
    "bo-cong-thuong": "Bộ Công Thương",
    "bao-hiem-xa-hoi-viet-nam": "Bảo hiểm xã hội Việt Nam",
}
LOCAL = {
    "ubnd": "Ủy ban nhân dân",
    "ca": "Công an",
    "sxd": "Sở Xây dựng",
    "stp": "Sở Tư pháp",
    "syt": "Sở Y tế",
    "stc": "Sở Tài chính",
    "snnmt": "Sở Nông nghiệp và Môi trường",
    "snv": "Sở Nội vụ",
    "sct": "Sở Công Thương",
    "sgddt": "Sở Giáo dục và Đào tạo",
}


@dataclass(frozen=True, slots=True)
class Kind:
    """One family of procedures: the paper it is about and who handles it."""

    thing: str
    field: str
    verbs: tuple[str, ...]
    local: str
    central: str | None
    fee: int
    cases: tuple[str, ...]
    weight: int


KINDS = (
    Kind("giấy phép lái xe", "Đường bộ", ("Cấp", "Cấp lại", "Đổi", "Thu hồi"), "ca",
         "bo-cong-an", 135_000, ("quốc tế", "hạng A1", "hạng B", "do ngành Công an cấp",
         "trường hợp bị mất", "trường hợp hết hạn sử dụng", "cho người nước ngoài"), 6),
    Kind("hộ chiếu phổ thông", "Xuất nhập cảnh", ("Cấp", "Cấp lại"), "ca", "bo-cong-an",
         200_000, ("ở trong nước", "ở nước ngoài", "cho trẻ em dưới 14 tuổi",
         "trường hợp bị mất", "có gắn chíp điện tử"), 3),
    Kind("giấy chứng nhận quyền sử dụng đất", "Đất đai",
         ("Cấp", "Cấp lại", "Cấp đổi", "Đính chính", "Thu hồi", "Đăng ký biến động"),
         "snnmt", None, 100_000, ("lần đầu", "cho hộ gia đình, cá nhân", "cho tổ chức",
         "quyền sở hữu nhà ở và tài sản khác gắn liền với đất", "do bị mất",
         "trường hợp chuyển nhượng"), 8),
    Kind("giấy phép xây dựng", "Xây dựng", ("Cấp", "Cấp lại", "Gia hạn", "Điều chỉnh",
         "Thu hồi"), "sxd", "bo-xay-dung", 75_000, ("nhà ở riêng lẻ",
         "công trình không theo tuyến", "công trình theo tuyến trong đô thị", "có thời hạn",
         "sửa chữa, cải tạo công trình", "di dời công trình"), 7),
    Kind("khai sinh", "Hộ tịch", ("Đăng ký", "Đăng ký lại"), "ubnd", None, 8_000,
         ("có yếu tố nước ngoài", "kết hợp nhận cha, mẹ, con", "lưu động",
         "cho người đã có hồ sơ, giấy tờ cá nhân"), 5),
    Kind("kết hôn", "Hộ tịch", ("Đăng ký", "Đăng ký lại", "Ghi vào Sổ hộ tịch việc"),
         "ubnd", None, 0, ("có yếu tố nước ngoài", "lưu động",
         "của công dân Việt Nam đã được giải quyết ở nước ngoài"), 4),
    Kind("khai tử", "Hộ tịch", ("Đăng ký", "Đăng ký lại"), "ubnd", None, 0,
         ("có yếu tố nước ngoài", "lưu động"), 3),
    Kind("hộ kinh doanh", "Thành lập và hoạt động của hộ kinh doanh",
         ("Đăng ký thành lập", "Đăng ký thay đổi nội dung đăng ký", "Tạm ngừng kinh doanh của",
         "Chấm dứt hoạt động", "Cấp lại giấy chứng nhận đăng ký"), "ubnd", None, 100_000,
         ("trường hợp bị mất", "do thay đổi chủ hộ", "chuyển địa điểm"), 5),
    Kind("doanh nghiệp tư nhân", "Thành lập và hoạt động doanh nghiệp",
         ("Đăng ký thành lập", "Đăng ký thay đổi chủ", "Giải thể", "Tạm ngừng kinh doanh của"),
         "stc", None, 50_000, ("trên cơ sở chuyển đổi từ hộ kinh doanh",), 3),
    Kind("giấy chứng nhận đăng ký xe", "Đăng ký, quản lý phương tiện giao thông",
         ("Cấp", "Cấp đổi", "Cấp lại", "Thu hồi"), "ca", "bo-cong-an", 150_000,
         ("mô tô, xe gắn máy", "ô tô", "tạm thời", "trường hợp bị mất"), 4),
    Kind("giấy phép kinh doanh vận tải bằng xe ô tô", "Đường bộ",
         ("Cấp", "Cấp lại", "Thu hồi"), "sxd", None, 0, ("theo tuyến cố định", "bằng xe taxi"),
         2),
    Kind("thường trú", "Đăng ký, quản lý cư trú", ("Đăng ký", "Xóa đăng ký",
         "Điều chỉnh thông tin về"), "ca", None, 20_000, ("cho người chưa thành niên",), 3),
    Kind("tạm trú", "Đăng ký, quản lý cư trú", ("Đăng ký", "Gia hạn", "Xóa đăng ký"), "ca",
         None, 15_000, ("cho người nước ngoài",), 3),
    Kind("thẻ căn cước", "Cấp, quản lý căn cước", ("Cấp", "Cấp đổi", "Cấp lại", "Thu hồi"),
         "ca", "bo-cong-an", 50_000, ("cho người từ đủ 14 tuổi trở lên",
         "cho người dưới 14 tuổi", "trường hợp bị mất"), 3),
    Kind("phiếu lý lịch tư pháp", "Lý lịch tư pháp", ("Cấp",), "stp", "bo-tu-phap", 200_000,
         ("cho công dân Việt Nam", "cho người nước ngoài đang cư trú tại Việt Nam",
         "theo yêu cầu của cơ quan tiến hành tố tụng"), 2),
    Kind("giấy phép hành nghề khám bệnh, chữa bệnh", "Khám bệnh, chữa bệnh",
         ("Cấp", "Cấp lại", "Điều chỉnh", "Gia hạn", "Thu hồi"), "syt", "bo-y-te", 360_000,
         ("cho người Việt Nam", "cho người nước ngoài", "đối với chức danh bác sỹ"), 4),
    Kind("giấy phép lao động cho người lao động nước ngoài", "Việc làm",
         ("Cấp", "Cấp lại", "Gia hạn", "Thu hồi"), "snv", None, 600_000,
         ("làm việc tại Việt Nam", "trường hợp bị mất"), 2),
    Kind("giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm", "An toàn thực phẩm",
         ("Cấp", "Cấp lại", "Thu hồi"), "syt", None, 1_000_000,
         ("đối với cơ sở sản xuất", "đối với cơ sở kinh doanh dịch vụ ăn uống"), 3),
    Kind("giấy phép môi trường", "Môi trường", ("Cấp", "Cấp đổi", "Điều chỉnh", "Cấp lại"),
         "snnmt", "bo-nong-nghiep-va-moi-truong", 0, ("cấp tỉnh", "cấp huyện"), 2),
    Kind("giấy phép khai thác, sử dụng nước mặt", "Tài nguyên nước",
         ("Cấp", "Gia hạn", "Điều chỉnh", "Cấp lại"), "snnmt", None, 0,
         ("cho sản xuất nông nghiệp", "cho thủy điện"), 2),
    Kind("giấy phép hoạt động giáo dục", "Giáo dục và Đào tạo", ("Cấp", "Thu hồi"), "sgddt",
         None, 0, ("trường mầm non", "trường tiểu học", "trung tâm ngoại ngữ, tin học"), 2),
    Kind("văn bằng bảo hộ nhãn hiệu", "Sở hữu công nghiệp",
         ("Cấp", "Gia hạn hiệu lực", "Sửa đổi", "Chấm dứt hiệu lực"), "sct",
         "bo-khoa-hoc-va-cong-nghe", 120_000, ("đăng ký quốc tế",), 2),
    Kind("giấy phép bán lẻ rượu", "Lưu thông hàng hóa trong nước",
         ("Cấp", "Cấp lại", "Cấp sửa đổi, bổ sung"), "sct", "bo-cong-thuong", 1_200_000,
         ("tiêu dùng tại chỗ",), 2),
    Kind("bản sao từ bản chính giấy tờ, văn bản", "Chứng thực", ("Chứng thực",), "stp", None,
         2_000, ("do cơ quan có thẩm quyền của Việt Nam cấp",
         "do cơ quan có thẩm quyền của nước ngoài cấp"), 3),
    Kind("trợ cấp xã hội hằng tháng", "Bảo trợ xã hội", ("Thực hiện", "Điều chỉnh",
         "Thôi hưởng"), "ubnd", None, 0, ("đối với người cao tuổi",
         "đối với người khuyết tật"), 3),
    Kind("thẻ bảo hiểm y tế", "Bảo hiểm y tế", ("Cấp", "Cấp lại", "Đổi"), "ubnd",
         "bao-hiem-xa-hoi-viet-nam", 0, ("cho trẻ em dưới 6 tuổi", "do hỏng, mất"), 3),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Locality:
    name: str
    slug: str
    level: AgencyLevel


@dataclass(frozen=True, slots=True)
class AgencyInfo:
    agency_id: str
    name: str
    level: AgencyLevel
    locality: str | None


def _slug(text: str) -> str:
    from services.core.text import fold

    return "-".join(fold(text).split())


def localities(scale: int) -> list[Locality]:
    """Today's 34 provinces; ``scale`` times as many places by adding communes, so that a
    catalogue ``scale`` times larger spreads over ``scale`` times as many agencies."""
    found = [
        Locality(f"{'thành phố' if p in CITIES else 'tỉnh'} {p}", _slug(p), "province")
        for p in PROVINCES
    ]
    pairs = [(a, b) for a in COMMUNE_WORDS for b in COMMUNE_WORDS if a != b]
    random.Random(7).shuffle(pairs)
    extra = len(PROVINCES) * (scale - 1)
    for number, (first, second) in enumerate(pairs[:extra]):
        province = PROVINCES[number % len(PROVINCES)]
        kind = "phường" if number % 3 == 0 else "xã"
        name = f"{kind} {first} {second}, {province}"
        found.append(Locality(name, _slug(f"{first} {second} {province}"), "commune"))
    return found


def local_agency(kind: str, place: Locality) -> AgencyInfo:
    return AgencyInfo(
        agency_id=f"{kind}-{place.slug}"[:40].rstrip("-"),
        name=f"{LOCAL[kind]} {place.name}",
        level=place.level,
        locality=place.name,
    )


def procedures(count: int, scale: int, seed: int = 42) -> Iterator[ProcedureRecord]:
    """``count`` published procedures; the same name distribution at any ``count``."""
    from services.catalogue.domain import (
        Fee,
        ProcedureContent,
        ProcedureRecord,
        RequiredDocument,
        ServiceLevel,
    )

    rng = random.Random(seed)
    places = localities(scale)
    weights = [k.weight for k in KINDS]
    now = datetime(2025, 7, 1, tzinfo=UTC)
    for number in range(count):
        kind = rng.choices(KINDS, weights)[0]
        name = f"{rng.choice(kind.verbs)} {kind.thing}"
        if rng.random() < 0.6:
            name += f" {rng.choice(kind.cases)}"
        place = rng.choice(places)
        if kind.central and rng.random() < 0.1:
            agency = AgencyInfo(kind.central, CENTRAL[kind.central], "central", None)
        else:
            agency = local_agency(kind.local, place)
            if rng.random() < 0.3:
                name += f" trên địa bàn {place.name}"
            elif rng.random() < 0.2:
                name += (
                    f" tại {LOCAL[kind.local]} cấp {'tỉnh' if agency.level == 'province' else 'xã'}"
                )
        levels: tuple[ServiceLevel, ...] = ("full", "partial", "offline")
        level = rng.choices(levels, (45, 40, 15))[0]
        content = ProcedureContent(
            name=name,
            field=kind.field,
            agency_ids=(agency.agency_id,),
            agency_level=agency.level,
            service_level=level,
            processing_days=rng.choice((1, 3, 5, 7, 10, 15, 20, 30)),
            fees=(Fee(f"Lệ phí {kind.thing}", kind.fee),) if kind.fee else (),
            documents=(RequiredDocument(f"Tờ khai đề nghị {name[:200].lower()}", 1),),
            legal_bases=("Nghị định số 118/2025/NĐ-CP",),
            result=f"Kết quả giải quyết thủ tục {kind.thing}",
            online_payment=level == "full",
            e_result=level != "offline",
        )
        yield ProcedureRecord(
            code=f"{1 + number % 2}.{number // 2 + 1000:06d}",
            content=content,
            status="published",
            version=2,
            updated_at=now,
            published_at=now,
        )


DEMO_PROCEDURES = Path(__file__).resolve().parent.parent / "infra" / "demo" / "procedures.jsonl"


def demo_procedures() -> list[ProcedureRecord]:
    """The local stack's demo procedures (real names and codes), as published records."""
    from services.catalogue import service
    from services.catalogue.domain import ProcedureRecord
    from services.catalogue.models import ImportLine, ProcedureBody

    now = datetime(2025, 7, 1, tzinfo=UTC)
    records = []
    for text in DEMO_PROCEDURES.read_text(encoding="utf-8").splitlines():
        line = ImportLine.model_validate_json(text)
        body = ProcedureBody.model_validate(line.model_dump(exclude={"code"}))
        records.append(
            ProcedureRecord(
                code=line.code,
                content=service.content_from(body),
                status="published",
                version=2,
                updated_at=now,
                published_at=now,
            )
        )
    return records


def catalogue(count: int, scale: int) -> list[ProcedureRecord]:
    """The demo's procedures among ``count`` synthetic ones (a synthetic procedure with a
    demo code gives way to it): real names beside generated ones."""
    demo = demo_procedures()
    taken = {record.code for record in demo}
    return demo + [r for r in procedures(count, scale) if r.code not in taken]
