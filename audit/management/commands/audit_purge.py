from django.core.management.base import BaseCommand

from audit.services import purge, retention_days


class Command(BaseCommand):
    help = "Delete the audit records older than QIHU_AUDIT_RETENTION_DAYS (at least 180); the chain still verifies."

    def handle(self, *args, **options):
        count = purge()
        self.stdout.write(f"audit purge: {count} records older than {retention_days()} days deleted")
