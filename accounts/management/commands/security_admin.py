"""Name the first security administrator (三员分立): `createsuperuser` makes a system administrator, who no longer
manages accounts, so someone must be given that duty from the command line once. The password is asked for
(or read from QIHU_SECURITY_ADMIN_PASSWORD) and must pass the password policy; the grant is recorded."""

import getpass
import os

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction


class Command(BaseCommand):
    help = "Create (or flag) a security administrator: accounts, roles and their security, in the admin."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user_model = get_user_model()
        user = user_model.objects.filter(username=username).first() or user_model(username=username)
        if user.is_superuser or user.is_auditor or user.company_id or (user.pk and user.memberships.exists()):
            raise CommandError(f"{username} holds another role: a security administrator holds none (三员分立)")
        if user.pk is None:
            password = os.environ.get("QIHU_SECURITY_ADMIN_PASSWORD") or getpass.getpass("Password: ")
            try:
                validate_password(password, user)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None
            user.set_password(password)
        user.is_staff = user.is_security_admin = True
        with transaction.atomic():
            user.save()
        self.stdout.write(f"security administrator: {username}")
