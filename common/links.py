"""Absolute links to the site's pages, for messages read outside it (e-mails, digests)."""

from __future__ import annotations

import base64

from django.conf import settings
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

SHORT_LINK_SALT = "qihu.short-link"


def site_url(path: str = "") -> str:
    """`path` on the site's public address (QIHU_SITE_URL; `make run` sets it to where it listens)."""
    return settings.QIHU["SITE_URL"].rstrip("/") + ("/" + path.lstrip("/") if path else "")


def ticket_url(ticket) -> str:
    """The ticket's page (HTML), which every party to it may open: the company, the departments, the desk."""
    return site_url(reverse("web-ticket", args=[ticket.pk]))


def short_token(ticket_id: int) -> str:
    """A short signed token for a ticket (`<id>.<12 characters of HMAC>`): an SMS link that cannot be guessed
    for another ticket. It opens nothing by itself: the page behind it asks for the login and checks access."""
    return f"{ticket_id}.{_mac(ticket_id)}"


def ticket_id_of(token: str) -> int | None:
    number, _dot, mac = token.partition(".")
    if not number.isdigit() or not constant_time_compare(mac, _mac(int(number))):
        return None
    return int(number)


def _mac(ticket_id: int) -> str:
    digest = salted_hmac(SHORT_LINK_SALT, str(ticket_id), algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest[:9]).decode("ascii")


def ticket_short_url(ticket) -> str:
    """The short link an SMS carries: after the login it opens the ticket where the company evaluates it."""
    return site_url(reverse("short-link", args=[short_token(ticket.pk)]))
