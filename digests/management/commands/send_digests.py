from datetime import date
from html import escape

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from digests.content import previous_week
from digests.models import Kind
from digests.services import digest_preview, digests_send_week


class Command(BaseCommand):
    help = "Queue the weekly digests of a week (default: the last full week), or preview one person's."

    def add_arguments(self, parser):
        parser.add_argument("--week", type=date.fromisoformat, help="a day of the week (YYYY-MM-DD); its Monday")
        parser.add_argument("--preview", metavar="USERNAME", help="print this person's digest instead of sending")
        parser.add_argument("--kind", choices=Kind.values, help="with --preview: one kind of section only")
        parser.add_argument("--html", metavar="FILE", help="with --preview: also write the HTML (charts inline)")

    def handle(self, *args, week=None, preview=None, kind=None, html=None, **options):
        week = week or previous_week()
        if preview is None:
            report = digests_send_week(week)
            self.stdout.write(
                f"week of {report.week_start}: {report.recipients} recipients, {report.queued} queued, "
                f"{report.already} already sent"
            )
            return
        user = User.objects.filter(username=preview).first()
        if user is None:
            raise CommandError(f"no user {preview!r}")
        kinds, digest = digest_preview(user=user, week_start=week, kind=kind)
        if digest is None:
            raise CommandError(f"{preview} gets no digest{f' of kind {kind}' if kind else ''} (roles give: {kinds})")
        self.stdout.write(f"Subject: {digest.subject}\n\n{digest.text}")
        if html:
            with open(html, "w", encoding="utf-8") as out:
                out.write(f'<!doctype html><meta charset="utf-8"><title>{escape(digest.subject)}</title>')
                out.write(digest.body)
            self.stdout.write(f"HTML written to {html}")
