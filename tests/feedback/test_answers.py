"""GET /answers: public, published questions and answers only, newest first, searchable
ignoring case and diacritics, a page at a time."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from tests.conftest import body_of, documented_statuses
from tests.feedback.conftest import Desk

_people = itertools.count(1)
TOPICS = {
    "bang-lai": ("Thời hạn đổi bằng lái xe", "Bằng lái xe hạng B2 đổi trong bao lâu?"),
    "ho-chieu": ("Cấp hộ chiếu phổ thông", "Hộ chiếu phổ thông được cấp trong bao lâu?"),
    "cu-tru": ("Đăng ký thường trú", "Đăng ký thường trú cho con nhỏ cần giấy tờ gì?"),
}


@pytest.fixture(scope="module")
def published(client: Any, auth: Any) -> dict[str, str]:
    """Three published answers (in the order of TOPICS) and one answered privately."""
    desk = Desk(client, auth)
    codes: dict[str, str] = {}
    for name, (title, content) in [
        *TOPICS.items(),
        ("rieng", ("Câu hỏi riêng tư", "Nội dung riêng của tôi.")),
    ]:
        n = next(_people)
        receipt = desk.submitted(
            headers=auth("citizen", sub=f"cd-hoi-{n}"),
            title=title,
            content=content,
            submitter={"name": f"Người hỏi {n}", "phone": f"0988{n:06d}"},
        )
        desk.route_all()
        code = receipt["tracking_code"]
        assert desk.act(code, action="accept").status_code == 200
        answer = desk.act(
            code, action="answer", answer=f"Trả lời về {title.lower()}.", publish=name != "rieng"
        )
        assert answer.status_code == 200, answer.body
        codes[name] = code
    return codes


def answers(client: Any, query: str = "") -> Any:
    return client.http.get(f"/answers{query}")


def test_anyone_reads_published_answers_newest_first(client: Any, published: Any) -> None:
    response = answers(client)

    assert response.status_code == 200
    page = body_of(response)
    assert [i["tracking_code"] for i in page["items"]] == [
        published["cu-tru"],
        published["ho-chieu"],
        published["bang-lai"],
    ]
    first = page["items"][0]
    assert first["title"] == "Đăng ký thường trú"
    assert first["question"] == TOPICS["cu-tru"][1]
    assert first["answer"] == "Trả lời về đăng ký thường trú."
    assert first["agency_id"] == "bo-cong-an" and first["procedure_code"] == "1.002804"
    assert first["answered_at"]
    assert set(first) == {
        "tracking_code",
        "title",
        "question",
        "answer",
        "agency_id",
        "procedure_code",
        "answered_at",
    }
    assert page["next_cursor"] is None


@pytest.mark.parametrize(
    "q, names",
    [
        ("bằng lái", ["bang-lai"]),
        ("BANG LAI", ["bang-lai"]),
        ("ho chieu pho thong", ["ho-chieu"]),
        ("bao lâu", ["ho-chieu", "bang-lai"]),
        ("riêng", []),
        ("không có gì như thế", []),
    ],
)
def test_search_folds_case_and_diacritics(
    client: Any, published: Any, q: str, names: list[str]
) -> None:
    page = body_of(answers(client, f"?q={q.replace(' ', '%20')}"))

    assert [i["tracking_code"] for i in page["items"]] == [published[n] for n in names]


def test_pages_follow_the_cursor(client: Any, published: Any) -> None:
    first = body_of(answers(client, "?limit=2"))
    second = body_of(answers(client, f"?limit=2&cursor={first['next_cursor']}"))

    codes = [i["tracking_code"] for i in first["items"] + second["items"]]
    assert codes == [published["cu-tru"], published["ho-chieu"], published["bang-lai"]]
    assert second["next_cursor"] is None


def test_a_filtered_search_pages_too(client: Any, published: Any) -> None:
    first = body_of(answers(client, "?q=bao%20lau&limit=1"))
    second = body_of(answers(client, f"?q=bao%20lau&limit=1&cursor={first['next_cursor']}"))

    assert [i["tracking_code"] for i in first["items"]] == [published["ho-chieu"]]
    assert [i["tracking_code"] for i in second["items"]] == [published["bang-lai"]]


def test_an_altered_or_foreign_cursor_is_400(client: Any, published: Any) -> None:
    cursor = body_of(answers(client, "?limit=1"))["next_cursor"]

    flipped = "B" if cursor[-1] == "A" else "A"
    altered = answers(client, f"?limit=1&cursor={cursor[:-1]}{flipped}")
    other_search = answers(client, f"?q=bao&limit=1&cursor={cursor}")

    assert altered.status_code == 400
    assert other_search.status_code == 400
    assert altered.headers["Content-Type"].startswith("application/problem+json")
    assert 400 in documented_statuses(client, "GET", "/answers")


@pytest.mark.parametrize("query", ["?limit=0", "?limit=101", f"?q={'a' * 201}"])
def test_invalid_queries_are_422(client: Any, published: Any, query: str) -> None:
    assert answers(client, query).status_code == 422


def test_search_matches_whole_words_only(client: Any, published: Any) -> None:
    # "bao lâu" is in two questions; a fragment of a word finds nothing.
    found = [i["tracking_code"] for i in body_of(answers(client, "?q=bao+lau"))["items"]]
    assert sorted(found) == sorted([published["bang-lai"], published["ho-chieu"]])
    assert body_of(answers(client, "?q=ba"))["items"] == []  # a fragment of "bao", "bang"
    assert body_of(answers(client, "?q=ho+chie"))["items"] == []
