"""Pages people read (the docs page, the bank return page, receipts, letters, the
dashboard): one layout and one renderer.

Templates are Jinja2 files with autoescaping on, so no text a caller typed can become
markup. Every page extends ``core/templates/base.html``: ``lang`` set, a title, a viewport
for phones, a skip link, ``header``/``main``/``footer`` landmarks, visible focus, and
styles inline (no page needs any outside network). A service keeps its own templates in
``services/<name>/templates/``; :func:`render` looks there first, then in core's.
Jinja2 loads on the first page, not at import: routes that answer JSON never pay for it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

CORE_TEMPLATES = Path(__file__).with_name("templates")
HTML = "text/html; charset=utf-8"


@cache
def _environment(service_templates: Path | None) -> Any:
    import jinja2

    folders = [str(service_templates)] if service_templates else []
    folders.append(str(CORE_TEMPLATES))
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,  # a missing value is a bug, not an empty cell
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["vnd"] = format_vnd
    environment.filters["vnd_words"] = amount_in_words
    return environment


def render(template: str, service_templates: Path | None = None, **context: Any) -> str:
    """The page ``template`` filled with ``context``, everything escaped."""
    return str(_environment(service_templates).get_template(template).render(**context))


def format_vnd(amount: int) -> str:
    """``1.250.000 ₫``: dots between thousands, as Vietnamese writes amounts; the ``₫``
    joined by a no-break space so that it never wraps away from its number.

    >>> format_vnd(1250000)
    '1.250.000\\xa0₫'
    """
    return f"{amount:,}".replace(",", ".") + "\u00a0₫"


_PAGE_OR_DATA = ("text/html", "application/xhtml+xml", "application/json")


def amount_in_words(amount: int) -> str:
    """An amount as a receipt writes it in words (``Bằng chữ``), by ``num2words``.

    >>> amount_in_words(135000)
    'Một trăm ba mươi lăm nghìn đồng'
    """
    from num2words import num2words

    words = str(num2words(amount, lang="vi"))
    return words[:1].upper() + words[1:] + " đồng"


def wants_html(accept: str | None) -> bool:
    """Whether a caller's ``Accept`` prefers a page to JSON (a browser's does)."""
    if not accept:
        return False
    best: tuple[float, str] = (0.0, "")
    for part in accept.split(","):
        media, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        media = media.strip().lower()
        if (
            media in ("text/html", "application/xhtml+xml", "application/json")
            and quality > best[0]
        ):
            best = (quality, media)
    return best[1] in ("text/html", "application/xhtml+xml")
