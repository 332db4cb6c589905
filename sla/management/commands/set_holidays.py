from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from sla.models import CalendarOverride


def dates(spec: str) -> list[date]:
    """`2027-01-01..2027-01-03,2027-02-10` → the listed days."""
    found = []
    for part in filter(None, (p.strip() for p in spec.split(","))):
        first, _sep, last = part.partition("..")
        start, end = date.fromisoformat(first), date.fromisoformat(last or first)
        if end < start:
            raise ValueError(f"range ends before it starts: {part}")
        found += [start + timedelta(days=n) for n in range((end - start).days + 1)]
    return found


class Command(BaseCommand):
    help = (
        "Enter an official holiday schedule the chinese-calendar package does not know yet (e.g. next year's): "
        "--holidays 2027-01-01..2027-01-03,2027-02-16..2027-02-22 --workdays 2027-02-14,2027-02-27"
    )

    def add_arguments(self, parser):
        parser.add_argument("--holidays", default="", help="days off: dates or FROM..TO ranges, comma-separated")
        parser.add_argument("--workdays", default="", help="make-up working days (调休), comma-separated")
        parser.add_argument("--note", default="", help="e.g. 国务院办公厅关于2027年部分节假日安排的通知")

    def handle(self, *args, holidays, workdays, note, **options):
        try:
            days = [(d, False) for d in dates(holidays)] + [(d, True) for d in dates(workdays)]
        except ValueError as exc:
            raise CommandError(f"unreadable dates: {exc}") from exc
        if not days:
            raise CommandError("give --holidays and/or --workdays")
        with transaction.atomic():
            for day, working in days:
                CalendarOverride.objects.update_or_create(
                    date=day, defaults={"is_working_day": working, "note": note[:100]}
                )
        self.stdout.write(f"{len(days)} calendar overrides saved")
