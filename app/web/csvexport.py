"""CSV exports: the one writer every CSV download uses, so that no cell opens in a spreadsheet
as a live formula (CSV injection, OWASP)."""

import csv
import io
import re
from collections.abc import Iterable, Sequence

from fastapi.responses import Response

# What a spreadsheet reads as the start of a formula (a tab or CR can hide one behind it).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)?")


def safe_cell(value: object) -> object:
    """A text that starts like a formula gets a leading apostrophe, so spreadsheets show it as
    text; numbers, also written as text ("-0.5"), stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_text(header: Sequence[object], rows: Iterable[Sequence[object]], delimiter: str = ";") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow([safe_cell(v) for v in header])
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return out.getvalue()


def csv_response(header: Sequence[object], rows: Iterable[Sequence[object]], filename: str) -> Response:
    return Response(csv_text(header, rows), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{filename}"'})
