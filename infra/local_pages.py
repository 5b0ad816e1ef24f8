"""The local stack's own pages: ``GET /`` for a browser (the services, their docs, the
sandbox bank and the README's guides), ``GET /guides`` (the README, rendered) and
``GET /outbox`` (the e-mails and SMS the portal sent, as moto's SES and SNS received them).

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


OUTBOX_TITLE = "Hộp thư đi: thư điện tử và tin nhắn cổng đã gửi"


@dataclass(frozen=True, slots=True)
class SentEmail:
    sender: str
    recipients: tuple[str, ...]
    subject: str
    body: str


@dataclass(frozen=True, slots=True)
class SentSms:
    number: str
    text: str


@dataclass(frozen=True, slots=True)
class Sent:
    """What the portal sent, newest first."""

    emails: tuple[SentEmail, ...]
    sms: tuple[SentSms, ...]


def sent_messages(region: str | None = None) -> Sent:
    """What moto's SES and SNS received from the apps. moto runs in this process (as the
    local stack's ThreadedMotoServer), so its backends are read directly; they keep no
    send time, but they keep the order, so the last one sent is shown first."""
    import os

    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends
    from moto.sns.models import sns_backends

    region = region or os.environ.get("AWS_DEFAULT_REGION", "ap-southeast-1")
    emails = [
        SentEmail(
            sender=str(getattr(message, "source", "")),
            recipients=tuple(
                address
                for kind in ("ToAddresses", "CcAddresses", "BccAddresses")
                for address in (getattr(message, "destinations", None) or {}).get(kind, [])
            ),
            subject=str(getattr(message, "subject", "")),
            body=str(getattr(message, "body", getattr(message, "raw_data", ""))),
        )
        for message in list(ses_backends[DEFAULT_ACCOUNT_ID][region].sent_messages)
    ]
    sms = [
        SentSms(number=str(number), text=str(text))
        for number, text in list(sns_backends[DEFAULT_ACCOUNT_ID][region].sms_messages.values())
    ]
    return Sent(tuple(reversed(emails)), tuple(reversed(sms)))


def outbox_page(sent: Sent) -> str:
    return pages.render(
        "outbox.html",
        TEMPLATES,
        title=OUTBOX_TITLE,
        sent=sent,
        footer_text="Môi trường thử nghiệm trên máy: không thư, không tin nhắn nào rời máy này.",
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
