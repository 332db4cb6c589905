import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from privacy.services import personal_data_erase, personal_data_export


class Command(BaseCommand):
    help = "A person's data on request (PIPL): --export prints it as JSON, --erase erases it (the tickets stay)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--export", action="store_true")
        action.add_argument("--erase", action="store_true")

    def handle(self, *args, username, export, erase, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username}")
        if export:
            self.stdout.write(json.dumps(personal_data_export(user_id=user.pk), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(f"erased {username}; tickets anonymised: {personal_data_erase(user_id=user.pk)}")
