"""Excel downloads (openpyxl): one sheet per table, a bold header, sensible column widths."""

from io import BytesIO

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# openpyxl writes a string that starts with "=" as a formula; Excel reads these prefixes as one when a
# user edits the cell. Text from users (titles, company names) must stay text: formula injection.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _as_text(cells) -> None:
    """A string that looks like a formula is kept as a text cell and shown as typed (quote prefix)."""
    for cell in cells:
        if isinstance(cell.value, str) and cell.value.startswith(FORMULA_PREFIXES):
            cell.data_type = "s"
            cell.quotePrefix = True


def xlsx_response(filename: str, sheets: list[tuple[str, list[str], list[list]]]) -> HttpResponse:
    book = Workbook()
    book.remove(book.active)
    for title, header, rows in sheets:
        sheet = book.create_sheet(title[:31])
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(row)
            _as_text(sheet[sheet.max_row])
        for index, name in enumerate(header, start=1):
            width = max([len(str(name)) * 2, *(len(str(r[index - 1] or "")) for r in rows)])
            sheet.column_dimensions[sheet.cell(1, index).column_letter].width = min(60, width + 2)
    buffer = BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
