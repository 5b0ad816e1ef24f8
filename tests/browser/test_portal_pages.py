"""The pages a developer or a front-end team opens first, in a real browser on a phone's
width: the portal's index and each service's interactive documentation, offline."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import axe_violations, screenshot, tab_order
from tests.e2e.test_local_stack import Stack, running

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running(tmp_path_factory.mktemp("portal-browser")) as started:
        yield started


def test_the_index_page_links_every_service_and_is_usable_by_keyboard(
    stack: Stack, page: Any
) -> None:
    outside: list[str] = []
    page.on(
        "request",
        lambda request: (
            outside.append(request.url) if not request.url.startswith(stack.base_url) else None
        ),
    )
    page.goto(stack.base_url + "/")
    assert page.title() == "Cổng Dịch vụ công — môi trường trên máy"
    assert page.get_attribute("html", "lang") == "vi"
    assert page.locator("main h1").inner_text() == "Cổng Dịch vụ công quốc gia trên máy của bạn"
    for service in ("catalogue", "payments", "feedback", "ratings", "dossiers"):
        assert page.locator(f'a[href="{stack.base_url}/{service}/docs"]').count() == 1
    assert page.locator('a[href$="/sandbox-bank/"]').count() == 1
    # The first Tab reaches the skip link, and Enter moves focus into the main content.
    assert tab_order(page, 1) == ["A:Bỏ qua, đến nội dung chính"]
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"
    assert axe_violations(page) == []
    screenshot(page, "index-phone")
    assert outside == []


@pytest.mark.parametrize("service", ["catalogue", "payments"])
def test_the_docs_page_shows_the_services_operations_without_outside_network(
    stack: Stack, page: Any, service: str
) -> None:
    outside: list[str] = []
    page.on(
        "request",
        lambda request: (
            outside.append(request.url) if not request.url.startswith(stack.base_url) else None
        ),
    )
    page.goto(f"{stack.base_url}/{service}/docs")
    assert page.title().startswith("Tài liệu API: ")
    # Swagger UI rendered the document: its operations are listed.
    page.wait_for_selector(".opblock", timeout=20_000)
    operations = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/health" in " ".join(operations)
    if service == "catalogue":
        assert any("/procedures" in text for text in operations)
    screenshot(page, f"docs-{service}")
    assert outside == []
