"""Tables to files: CSV in UTF-8 with a byte-order mark (Excel then reads Arabic right) and XLSX with right-to-left
sheets and real number, percentage and date cells (openpyxl)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _

from .reports import Table
from .selectors import REPORT_TZ


def _header(column_label: str, kind: str) -> str:
    return f"{column_label} ({_('seconds')})" if kind == "seconds" else column_label


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _plain(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "text" and isinstance(value, str) and value.startswith(FORMULA_STARTS):
        # A name like "=HYPERLINK(…)" stays text in Excel (CSV) and is never written as a formula (openpyxl).
        return "'" + value
    if isinstance(value, datetime):
        return value.astimezone(REPORT_TZ).replace(tzinfo=None)
    if kind == "seconds":
        return round(float(value))
    if kind == "share":
        return round(float(value), 4)
    return value


def to_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_header(c.label, c.kind) for c in table.columns])
    for row in table.rows:
        cells = []
        for column, value in zip(table.columns, row, strict=True):
            plain = _plain(value, column.kind)
            if isinstance(plain, datetime):
                plain = plain.strftime("%Y-%m-%d %H:%M:%S")
            elif isinstance(plain, date):
                plain = plain.isoformat()
            cells.append("" if plain is None else plain)
        writer.writerow(cells)
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


FORMATS = {
    "share": "0.0%",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm:ss",
    "seconds": "0",
    "int": "0",
}


def to_xlsx(table: Table) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = table.slug
    sheet.sheet_view.rightToLeft = True
    sheet.append([_header(c.label, c.kind) for c in table.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append([_plain(value, column.kind) for column, value in zip(table.columns, row, strict=True)])
    for index, column in enumerate(table.columns, start=1):
        number_format = FORMATS.get(column.kind)
        if number_format:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = number_format
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
