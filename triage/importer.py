"""import_history: requests from an older system or a public data set, one company per requester."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction

from common.text import visible_text
from companies.models import Company
from tickets.services import ticket_import

from .history import parse_time, read_rows
from .models import Category

MAX_TITLE, MAX_DESCRIPTION = 200, 5000


@dataclass
class ImportReport:
    imported: int = 0
    existing: int = 0
    bad: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)


def import_history(path, *, progress: Callable[[int], None] = lambda line: None) -> ImportReport:
    """Import every good row; a bad row is reported with its line number and skipped, never fatal."""
    report = ImportReport()
    companies: dict[str, Company] = {}
    categories: dict[str, Category] = {}
    for line, row in read_rows(path):
        progress(line)
        try:
            values = _validated(row)
        except ValueError as exc:
            report.bad.append((line, str(exc)))
            continue
        user_id = values.pop("user_id")
        if user_id not in companies:
            companies[user_id] = _company_for(user_id)
        label = values.pop("category")
        if label and label not in categories:
            categories[label] = _category_for(label)
        with transaction.atomic():
            _ticket, created = ticket_import(
                company=companies[user_id], category=categories.get(label) if label else None, **values
            )
        if created:
            report.imported += 1
        else:
            report.existing += 1
    return report


def _validated(row: dict[str, str]) -> dict:
    message_id, user_id = row.get("message_id", "").strip(), row.get("user_id", "").strip()
    title = visible_text(row.get("title", "")).strip()  # as ticket_create keeps them: no hidden characters
    detail = visible_text(row.get("detail", ""), multiline=True).strip()
    if not message_id:
        raise ValueError("message_id 为空")
    if not user_id:
        raise ValueError("user_id 为空")
    if not title or not detail:
        raise ValueError("title 或 detail 为空")
    if len(title) > MAX_TITLE:
        raise ValueError(f"title 超过 {MAX_TITLE} 字")
    if len(detail) > MAX_DESCRIPTION:
        raise ValueError(f"detail 超过 {MAX_DESCRIPTION} 字")
    try:
        submitted_at = parse_time(row.get("submitted_at", ""))
    except ValueError as exc:
        raise ValueError(f"submitted_at 无法识别：{row.get('submitted_at', '')!r}") from exc
    return {
        "external_id": message_id[:64], "user_id": user_id[:64], "title": title, "description": detail,
        "submitted_at": submitted_at, "category": (row.get("category") or "").strip(),
        "upvotes": _count(row, "upvotes"), "downvotes": _count(row, "downvotes"),
    }  # fmt: skip


def _count(row: dict[str, str], column: str) -> int:
    """An optional count of public support (a message board's 赞同/反对); empty or absent is 0."""
    value = (row.get(column) or "").strip()
    if not value:
        return 0
    if not value.isdigit() or len(value) > 9:
        raise ValueError(f"{column} 不是非负整数：{value[:20]!r}")
    return int(value)


def _company_for(user_id: str) -> Company:
    company, _created = Company.objects.get_or_create(
        external_id=user_id, defaults={"name": f"历史诉求人 {user_id}"[:200]}
    )
    return company


def _category_for(label: str) -> Category:
    """A label of the taxonomy (by code or name), else a new inactive category the model can learn."""
    found = Category.objects.filter(code=label).first() or Category.objects.filter(name=label).first()
    if found:
        return found
    code = "h-" + hashlib.sha1(label.encode()).hexdigest()[:10]
    category, _created = Category.objects.get_or_create(code=code, defaults={"name": label[:50], "active": False})
    return category
