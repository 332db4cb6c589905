import json
from datetime import datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from problems.selectors import problems_export
from problems.services import problems_detect
from sla.calendar import CITY_TZ


class Command(BaseCommand):
    help = (
        "Detect common problems (共性问题) among tickets filed since DATE (default: all) and record them as "
        "candidates. --json OUT writes the problems found, hottest first (docs/common-problems.md): "
        '[{"title", "keywords", "ticket_external_ids": [...], "companies": n, "heat": h, ...}].'
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", help="YYYY-MM-DD (city time)")
        parser.add_argument("--json", dest="out", help="file to write the problems to ('-' for stdout)")

    def handle(self, *args, since=None, out=None, **options):
        start = None
        if since:
            try:
                start = datetime.combine(datetime.strptime(since, "%Y-%m-%d").date(), time.min, tzinfo=CITY_TZ)
            except ValueError as exc:
                raise CommandError(f"--since: expected YYYY-MM-DD, got {since!r}") from exc
        started = timezone.now()
        report = problems_detect(since=start, index_terms=True)
        problems = problems_export(report.problems)
        seconds = (timezone.now() - started).total_seconds()
        if out:
            text = json.dumps(problems, ensure_ascii=False, indent=1)
            if out == "-":
                self.stdout.write(text)
            else:
                with open(out, "w", encoding="utf-8") as handle:
                    handle.write(text + "\n")
        self.stderr.write(
            f"tickets={report.tickets} problems={len(problems)} new={len(report.created)} "
            f"extended={len(report.extended)} seconds={seconds:.1f}"
        )
