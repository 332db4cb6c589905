from django.core.management.base import BaseCommand

from privacy.crypto import reencrypt_all


class Command(BaseCommand):
    help = "Re-encrypt every phone number with the current QIHU_PII_KEY and recompute the blind indexes."

    def handle(self, *args, **options):
        for label, count in reencrypt_all().items():
            self.stdout.write(f"{label}: {count}")
