"""RFC 9457 problem details: the one shape every error takes.

Domain and handler code raise :class:`Problem`; the API layer turns it into an
``application/problem+json`` answer in the caller's language. Details never carry stack
traces, internal names or personal data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://dichvucong.gov.vn/problems/"


@dataclass(frozen=True, slots=True)
class Text:
    """A message to a person, in Vietnamese and in English."""

    vi: str
    en: str

    def pick(self, language: str) -> str:
        return self.en if language == "en" else self.vi


_TITLES: dict[int, tuple[str, Text]] = {
    400: ("bad-request", Text("Yêu cầu không hợp lệ", "Bad request")),
    401: ("unauthenticated", Text("Chưa xác thực", "Authentication required")),
    403: ("forbidden", Text("Không có quyền", "Forbidden")),
    404: ("not-found", Text("Không tìm thấy", "Not found")),
    405: ("method-not-allowed", Text("Phương thức không được hỗ trợ", "Method not allowed")),
    406: ("not-acceptable", Text("Không thể đáp ứng định dạng", "Not acceptable")),
    409: ("conflict", Text("Xung đột", "Conflict")),
    413: ("too-large", Text("Yêu cầu quá lớn", "Request too large")),
    414: ("uri-too-long", Text("Địa chỉ yêu cầu quá dài", "URI too long")),
    415: (
        "unsupported-media-type",
        Text("Kiểu dữ liệu không được hỗ trợ", "Unsupported media type"),
    ),
    422: ("validation-error", Text("Dữ liệu không hợp lệ", "Invalid fields")),
    429: ("too-many-requests", Text("Quá nhiều yêu cầu", "Too many requests")),
    431: (
        "headers-too-large",
        Text("Phần đầu yêu cầu quá lớn", "Request header fields too large"),
    ),
    500: ("internal-error", Text("Lỗi hệ thống", "Internal error")),
    501: ("not-implemented", Text("Phương thức không được hỗ trợ", "Not implemented")),
    502: ("bad-gateway", Text("Đối tác không phản hồi", "An upstream provider did not answer")),
    503: ("unavailable", Text("Dịch vụ tạm thời không khả dụng", "Service unavailable")),
}


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    message: str


@dataclass(slots=True)
class Problem(Exception):
    """An error a caller may see. ``extra`` adds members such as ``conflicting_code``."""

    status: int
    detail: Text
    errors: list[FieldError] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    def body(self, language: str) -> dict[str, Any]:
        slug, title = _TITLES.get(self.status, _TITLES[500 if self.status >= 500 else 400])
        body: dict[str, Any] = {
            "type": PROBLEM_BASE + slug,
            "title": title.pick(language),
            "status": self.status,
            "detail": self.detail.pick(language),
        }
        if self.errors:
            body["errors"] = [{"field": e.field, "message": e.message} for e in self.errors]
        body.update(self.extra)
        return body


def not_found(what: Text | None = None) -> Problem:
    return Problem(404, what or Text("Không tìm thấy tài nguyên.", "The resource was not found."))


def forbidden(detail: Text | None = None) -> Problem:
    return Problem(
        403, detail or Text("Bạn không có quyền thực hiện thao tác này.", "You may not do this.")
    )


def unauthenticated(detail: Text | None = None) -> Problem:
    return Problem(
        401,
        detail or Text("Cần mã xác thực hợp lệ.", "A valid bearer token is required."),
        headers={"WWW-Authenticate": 'Bearer realm="portal"'},
    )


def bad_request(detail: Text) -> Problem:
    return Problem(400, detail)


def conflict(detail: Text, **extra: Any) -> Problem:
    return Problem(409, detail, extra=extra)


def invalid(errors: list[FieldError], detail: Text | None = None) -> Problem:
    return Problem(
        422,
        detail or Text("Một số trường không hợp lệ.", "Some fields are invalid."),
        errors=errors,
    )


INTERNAL = Problem(
    500, Text("Đã có lỗi xảy ra, vui lòng thử lại sau.", "Something went wrong; try again later.")
)
