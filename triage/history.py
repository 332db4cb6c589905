"""Reading request history files (CSV or Excel): `message_id,user_id,title,submitted_at,detail[,category]`."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

COLUMNS = ("message_id", "user_id", "title", "submitted_at", "detail")
CITY = ZoneInfo("Asia/Shanghai")
DATE_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d", "%Y-%m-%d")


class HistoryFileError(ValueError):
    """The file as a whole cannot be read (missing columns, unknown format)."""


def read_rows(path: str | Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number as a person counts it, row) for every data row; header names are case-insensitive."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        rows = _xlsx_rows(path)
    elif suffix in (".csv", ".txt", ""):
        rows = _csv_rows(path)
    else:
        raise HistoryFileError(f"unknown file type {suffix!r}: use .csv or .xlsx")
    header = [str(h or "").strip().lower() for h in next(rows, [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise HistoryFileError(f"missing columns: {', '.join(missing)} (have: {', '.join(header)})")
    for line, values in enumerate(rows, start=2):
        values = ["" if v is None else str(v) for v in values]
        if any(v.strip() for v in values):
            yield line, dict(zip(header, values + [""] * (len(header) - len(values)), strict=False))


def _csv_rows(path: Path) -> Iterator[list]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        yield from csv.reader(handle)


def _xlsx_rows(path: Path) -> Iterator[list]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        for values in workbook.worksheets[0].iter_rows(values_only=True):
            yield [v.strftime("%Y-%m-%d %H:%M:%S") if isinstance(v, datetime) else v for v in values]
    finally:
        workbook.close()


def parse_time(value: str) -> datetime:
    """A submission time in city time (naive values are taken as Asia/Shanghai)."""
    value = value.strip()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        for fmt in DATE_FORMATS:
            try:
                moment = datetime.strptime(value, fmt)
                break
            except ValueError:
                continue
        else:
            raise ValueError(f"unreadable time {value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=CITY)


def labelled_examples(path: str | Path) -> tuple[list[str], list[str], list[str]]:
    """(keys, texts, labels) of the rows that have a category: what training and evaluation need."""
    from .model import text_of

    keys, texts, labels = [], [], []
    for _line, row in read_rows(path):
        label = (row.get("category") or "").strip()
        if label:
            keys.append(row["message_id"])
            texts.append(text_of(row["title"], row["detail"]))
            labels.append(label)
    return keys, texts, labels


def unlabelled_texts(path: str | Path) -> list[str]:
    """The texts of the rows without a category: unlabelled examples of the same kind, for training."""
    from .model import text_of

    return [
        text_of(row["title"], row["detail"])
        for _line, row in read_rows(path)
        if not (row.get("category") or "").strip()
    ]
