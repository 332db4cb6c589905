from django.core.management.base import BaseCommand

from privacy.services import contacts_anonymise_expired


class Command(BaseCommand):
    help = "Anonymise the contacts of tickets closed more than QIHU_PII_RETENTION_DAYS ago (also nightly)."

    def handle(self, *args, **options):
        self.stdout.write(f"anonymised: {contacts_anonymise_expired()} tickets")
