"""What every page shares: the layout's landmarks, escaping, and amounts as Vietnamese
writes them."""

from __future__ import annotations

import pytest

from services.core import pages


@pytest.mark.parametrize(
    ("amount", "figures", "words"),
    [
        (0, "0\u00a0₫", "Không đồng"),
        (15, "15\u00a0₫", "Mười lăm đồng"),
        (21000, "21.000\u00a0₫", "Hai mươi mốt nghìn đồng"),
        (135000, "135.000\u00a0₫", "Một trăm ba mươi lăm nghìn đồng"),
        (1250000, "1.250.000\u00a0₫", "Một triệu hai trăm năm mươi nghìn đồng"),
        (100000000, "100.000.000\u00a0₫", "Một trăm triệu đồng"),
    ],
)
def test_amounts_in_figures_and_words(amount: int, figures: str, words: str) -> None:
    assert pages.format_vnd(amount) == figures
    assert pages.amount_in_words(amount) == words


def test_what_a_caller_typed_is_text_never_markup() -> None:
    html = pages.render("docs.html", title='<script>alert("x")</script>', service="x&y")
    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "x&amp;y" in html


@pytest.mark.parametrize(
    ("accept", "page"),
    [
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", True),
        ("application/json", False),
        ("*/*", False),
        (None, False),
        ("application/json;q=0.5, text/html", True),
        ("text/html;q=0.2, application/json", False),
        ("text/html;q=bogus", False),
    ],
)
def test_who_gets_a_page(accept: str | None, page: bool) -> None:
    assert pages.wants_html(accept) is page
