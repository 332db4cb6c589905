import sys

from django.core.management.base import BaseCommand, CommandError

from triage.history import HistoryFileError
from triage.importer import import_history


class Command(BaseCommand):
    help = (
        "Import request history from CSV or XLSX "
        "(message_id,user_id,title,submitted_at,detail[,category][,upvotes,downvotes]). "
        "Idempotent on message_id; one company per user_id; bad rows are reported with their line and skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        total = self._count_lines(file)
        err = self.stderr if sys.stderr.isatty() else None

        def progress(line: int) -> None:
            if err and (line % 200 == 0 or line >= total):
                width = 30
                done = int(width * line / max(total, 1))
                err.write(f"\r[{'#' * done}{'.' * (width - done)}] {line}/{total}", ending="")

        try:
            report = import_history(file, progress=progress)
        except (HistoryFileError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        if err:
            err.write("")
        for line, reason in report.bad:
            self.stderr.write(f"第 {line} 行已跳过：{reason}")
        self.stdout.write(f"imported={report.imported} existing={report.existing} bad={len(report.bad)}")

    @staticmethod
    def _count_lines(path: str) -> int:
        if not path.lower().endswith(".csv"):
            return 0
        try:
            with open(path, "rb") as handle:
                return sum(1 for _ in handle)
        except OSError:
            return 0
