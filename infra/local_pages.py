"""The local stack's own pages: ``GET /`` for a browser (the services, their docs, the
sandbox bank and the README's guides) and ``GET /guides`` (the README, rendered).

A caller that does not ask for HTML gets the index as JSON, as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from markupsafe import Markup

from infra.paths import PROJECT_ROOT
from services.core import pages

TEMPLATES = Path(__file__).with_name("templates")
README = PROJECT_ROOT / "README.md"

TITLES = {
    "catalogue": "Danh mục thủ tục hành chính",
    "payments": "Thanh toán lệ phí",
    "feedback": "Phản ánh, kiến nghị",
    "ratings": "Đánh giá mức độ hài lòng",
    "dossiers": "Hồ sơ",
    "reports": "Báo cáo, chỉ số 766",
}


@dataclass(frozen=True, slots=True)
class Guide:
    title: str
    anchor: str


def _anchor(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


@cache
def guides() -> tuple[Guide, ...]:
    """The README's sections (``##`` and ``###``), in order."""
    found = []
    for line in README.read_text().splitlines():
        heading = re.match(r"^#{2,3} (.+)$", line)
        if heading:
            found.append(Guide(heading[1].strip(), _anchor(heading[1].strip())))
    return tuple(found)


@dataclass(frozen=True, slots=True)
class Link:
    href: str
    text: str


def index(
    base_url: str,
    services: list[str],
    sandbox_bank: str | None,
    extra_links: tuple[Link, ...] = (),
) -> str:
    listed = [
        {"title": TITLES.get(name, name), "base_url": f"{base_url}/{name}"} for name in services
    ]
    return pages.render(
        "index.html",
        TEMPLATES,
        base_url=base_url,
        services=listed,
        sandbox_bank=sandbox_bank,
        guides=guides(),
        extra_links=extra_links,
        footer_text="Môi trường thử nghiệm trên máy: dữ liệu mẫu, không phải dữ liệu thật.",
    )


@cache
def guides_page() -> str:
    from markdown_it import MarkdownIt

    renderer = MarkdownIt("commonmark", {"html": False})  # the README's own HTML stays text
    rendered = renderer.render(README.read_text())

    def with_anchor(match: re.Match[str]) -> str:
        level, text = match[1], match[2]
        plain = re.sub(r"<[^>]+>", "", text)
        return f'<h{level} id="{_anchor(plain)}">{text}</h{level}>'

    rendered = re.sub(r"<h([2-3])>(.*?)</h\1>", with_anchor, rendered)
    # The README ships with the project: its rendering is trusted markup, not input.
    return pages.render("guides.html", TEMPLATES, readme=Markup(rendered))  # noqa: S704
