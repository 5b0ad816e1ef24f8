"""`portal catalogue import FILE`: every line checked, bad lines named, reruns change nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from infra import cli
from services.catalogue import importer
from tests.catalogue.conftest import Catalogue, procedure_body
from tests.conftest import body_of


def line(code: str, **changes: Any) -> str:
    return json.dumps(
        {"code": code, **procedure_body(name=f"Thủ tục nhập khẩu {code}", **changes)},
        ensure_ascii=False,
    )


@pytest.fixture
def import_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PORTAL_HOME", str(tmp_path / "home"))  # no running local stack here
    lines = [
        line("1.600001"),
        "{this is not json",
        line("1.600002", fees=[{"name": "Lệ phí", "amount_vnd": 50000}]),
        line("1.600003", processing_days="năm ngày"),
        line("1.600004", agency_ids=["bo-khong-ton-tai"]),
        "",
        line("1.600005", service_level="offline"),
        json.dumps({**json.loads(line("1.600006")), "name": "Thủ tục nhập khẩu 1.600001"}),
    ]
    path = tmp_path / "procedures.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def versions(catalogue: Catalogue, *codes: str) -> dict[str, int]:
    return {code: body_of(catalogue.get(f"/procedures/{code}"))["version"] for code in codes}


def test_import_reports_bad_lines_by_number_and_keeps_the_good_ones(
    catalogue: Catalogue, import_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["catalogue", "import", str(import_file), "--quiet"]) == 1
    out = capsys.readouterr().out
    assert "7 lines: 3 created, 0 updated, 0 unchanged, 4 rejected" in out
    assert "line 2: not valid JSON" in out
    assert "line 4: processing_days" in out
    assert "line 5:" in out and "bo-khong-ton-tai" in out
    assert "line 8:" in out and "1.600001" in out  # duplicate name names the other code
    published = versions(catalogue, "1.600001", "1.600002", "1.600005")
    assert all(version == 2 for version in published.values())
    assert catalogue.get("/procedures/1.600004").status_code == 404

    # The same file again: nothing changes, not even a version.
    assert cli.main(["catalogue", "import", str(import_file), "--quiet"]) == 1
    assert "0 created, 0 updated, 3 unchanged, 4 rejected" in capsys.readouterr().out
    assert versions(catalogue, "1.600001", "1.600002", "1.600005") == published


def test_a_changed_line_updates_only_that_procedure(
    catalogue: Catalogue, import_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli.main(["catalogue", "import", str(import_file), "--quiet"])
    before = versions(catalogue, "1.600001", "1.600002")
    text = import_file.read_text(encoding="utf-8").replace(
        '"processing_days": 5', '"processing_days": 4', 1
    )
    import_file.write_text(text, encoding="utf-8")
    cli.main(["catalogue", "import", str(import_file), "--quiet"])
    assert "0 created, 1 updated, 2 unchanged" in capsys.readouterr().out
    after = versions(catalogue, "1.600001", "1.600002")
    assert after == {"1.600001": before["1.600001"] + 2, "1.600002": before["1.600002"]}
    assert body_of(catalogue.get("/procedures/1.600001"))["processing_days"] == 4


def test_draft_only_import_leaves_drafts(
    catalogue: Catalogue, tmp_path: Path, auth: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORTAL_HOME", str(tmp_path))
    path = tmp_path / "drafts.jsonl"
    path.write_text(line("1.600101") + "\n", encoding="utf-8")
    assert cli.main(["catalogue", "import", str(path), "--draft-only", "--quiet"]) == 0
    assert catalogue.get("/procedures/1.600101").status_code == 404
    draft = body_of(catalogue.get("/procedures/1.600101", auth("operator")))
    assert draft["status"] == "draft"
    assert cli.main(["catalogue", "import", str(path), "--draft-only", "--quiet"]) == 0
    assert body_of(catalogue.get("/procedures/1.600101", auth("operator")))["version"] == 1


def parallel_file(tmp_path: Path, prefix: str) -> Path:
    """Twenty-four lines over several workers' chunks: twenty procedures, one of them changed
    further down, one repeated as it was, a duplicate name and a line that is no JSON."""

    def entry(n: int, **changes: Any) -> str:
        body = procedure_body(name=f"Thủ tục nhập song song {prefix} số {n}", **changes)
        return json.dumps({"code": f"{prefix}{n:02d}", **body}, ensure_ascii=False)

    lines = [entry(n) for n in range(1, 21)]
    lines.append(entry(3, processing_days=9))  # changes what line 3 published
    lines.append(entry(10))  # as line 10 published it
    duplicate = json.loads(entry(99))
    duplicate["name"] = f"Thủ tục nhập song song {prefix} số 7"
    lines.append(json.dumps(duplicate, ensure_ascii=False))
    lines.append("{not json")
    path = tmp_path / f"parallel-{prefix}.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_workers_leave_the_catalogue_as_one_worker_does(
    catalogue: Catalogue,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("PORTAL_HOME", str(tmp_path / "home"))
    # Chunks of five, so that four workers share the file as they share a national one.
    monkeypatch.setattr(importer, "_CHUNK", 5)
    outcomes = []
    for workers, prefix in ((1, "1.6200"), (4, "1.6300")):
        path = parallel_file(tmp_path, prefix)
        assert cli.main(["catalogue", "import", str(path), "--workers", str(workers), "--quiet"])
        printed = capsys.readouterr().out.replace(prefix, "X.")
        report = printed[printed.index("24 lines") :]  # after any metrics the import logged
        records = {
            n: {
                key: value
                for key, value in body_of(catalogue.get(f"/procedures/{prefix}{n:02d}")).items()
                if key in ("version", "status", "processing_days")
            }
            for n in (1, 3, 7, 10, 20)
        }
        outcomes.append((report, records))
    one, four = outcomes
    assert "24 lines: 20 created, 1 updated, 1 unchanged, 2 rejected" in one[0]
    assert "line 23:" in one[0] and "X.07" in one[0]
    assert one == four
    assert one[1][3] == {"version": 4, "status": "published", "processing_days": 9}
    assert catalogue.get("/procedures/1.630099").status_code == 404


def test_workers_must_be_a_positive_number(import_file: Path) -> None:
    with pytest.raises(SystemExit):
        cli.main(["catalogue", "import", str(import_file), "--workers", "0"])
