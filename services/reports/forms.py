"""The periodic forms as files: CSV (UTF-8 with a byte-order mark, so Excel reads the
diacritics) and XLSX (openpyxl), laid out as Circular 01/2020/TT-VPCP's forms are."""

from __future__ import annotations

import csv
import io

from services.reports.domain import Form

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _heading_rows(form: Form) -> list[list[str]]:
    spanning: list[str] = []
    for heading, span in form.groups:
        spanning.extend([heading] + [""] * (span - 1))
    return [spanning, [heading for heading, _ in form.columns]]


def _preamble(form: Form, agency_name: str, period: str) -> list[list[str]]:
    return [
        [form.title],
        [f"Cơ quan: {agency_name}"],
        [f"Kỳ báo cáo: {period}"],
    ]


def as_csv(form: Form, agency_name: str, period: str, rows: list[list[object]]) -> str:
    """Text that starts with the byte-order mark: sent as UTF-8, Excel reads it as such."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(_preamble(form, agency_name, period))
    writer.writerows(_heading_rows(form))
    writer.writerows(rows)
    return "\ufeff" + out.getvalue()


def as_xlsx(form: Form, agency_name: str, period: str, rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has its one sheet
    sheet.title = form.id[:31]
    width = len(form.columns)
    for line in _preamble(form, agency_name, period):
        sheet.append(line)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet["A1"].font = Font(bold=True)
    sheet["A1"].alignment = Alignment(horizontal="center")
    first = sheet.max_row + 1
    for line in _heading_rows(form):
        sheet.append(line)
    column = 1
    for _, span in form.groups:
        if span > 1:
            sheet.merge_cells(
                start_row=first, start_column=column, end_row=first, end_column=column + span - 1
            )
        column += span
    for row in sheet.iter_rows(min_row=first, max_row=first + 1):
        for cell in row:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for data in rows:
        sheet.append(data)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
