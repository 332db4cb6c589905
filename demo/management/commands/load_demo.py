from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.loader import PASSWORD, load_demo


class Command(BaseCommand):
    help = "Load Quzhou's departments, chains, routing catalogue, demo logins and a few hundred tickets."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="load even with DEBUG off (not for production)")

    def handle(self, *args, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError("DEBUG is off: refusing to load demo data into what may be production (--force).")
        counts = load_demo()
        self.stdout.write(
            self.style.SUCCESS(
                f"demo loaded: {counts['departments']} departments, {counts['companies']} companies, "
                f"{counts['tickets']} new tickets (password for every demo login: {PASSWORD})"
            )
        )
