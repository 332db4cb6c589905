"""Absolute links to the site's pages, for messages read outside it (e-mails, digests)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse


def site_url(path: str = "") -> str:
    """`path` on the site's public address (QIHU_SITE_URL; `make run` sets it to where it listens)."""
    return settings.QIHU["SITE_URL"].rstrip("/") + ("/" + path.lstrip("/") if path else "")


def ticket_url(ticket) -> str:
    """The ticket's page (HTML), which every party to it may open: the company, the departments, the desk."""
    return site_url(reverse("web-ticket", args=[ticket.pk]))
