from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from sla.calendar import CITY_TZ, calendar_with, current_calendar
from sla.policies import Limit


class Command(BaseCommand):
    help = "Print the deadline of a working-day (or working-hour) limit, as the SLA engine computes it."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", required=True, help="ISO 8601 start instant")
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--days", type=int, help="working days")
        group.add_argument("--hours", type=int, help="working hours")

    def handle(self, *args, start, days, hours, **options):
        try:
            moment = datetime.fromisoformat(start)
        except ValueError as exc:
            raise CommandError(f"--from is not an ISO 8601 datetime: {start}") from exc
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=CITY_TZ)
        if (days is not None and days < 1) or (hours is not None and hours < 1):
            raise CommandError("the limit must be at least 1")
        limit = Limit(days=days or 0, hours=hours or 0)
        self.stdout.write(limit.deadline(moment, self.calendar()).astimezone(CITY_TZ).isoformat())

    def calendar(self):
        try:
            return current_calendar()
        except DatabaseError:  # a fresh checkout, not migrated yet: answer anyway, without admins' overrides
            self.stderr.write("warning: no database to read calendar overrides from; official calendar only")
            return calendar_with({})
