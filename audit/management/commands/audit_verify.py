from django.core.management.base import BaseCommand, CommandError

from audit.services import verify


class Command(BaseCommand):
    help = "Walk the audit chain: `audit chain ok: N records` (exit 0), or the first broken record (exit 1)."

    def handle(self, *args, **options):
        result = verify()
        if not result.ok:
            raise CommandError(
                f"audit chain broken at record {result.broken_seq}: {result.reason} "
                f"({result.count} records verified before it)",
                returncode=1,
            )
        self.stdout.write(f"audit chain ok: {result.count} records")
