from django.core.management.base import BaseCommand, CommandError

from triage.engine import train_model


class Command(BaseCommand):
    help = "Train a new version of the triage model on every ticket whose category a person settled."

    def handle(self, *args, **options):
        version = train_model()
        if version is None:
            raise CommandError("not enough settled tickets to train (need at least two categories)")
        self.stdout.write(f"triage model v{version.pk}: {version.trained_on} tickets, {len(version.labels)} categories")
