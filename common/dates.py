"""Days typed by users in a page's query (?week=, ?from=, ?to=): within the years the platform reports on.

date.max plus a day, or date.min less one, raised OverflowError (a 500) in the week and period arithmetic.
"""

from datetime import date

from django.utils.translation import gettext as _

from .errors import InvalidInput

EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)


def day_from(text: str | None) -> date | None:
    """The day `text` names (YYYY-MM-DD), or None if empty; ValueError if malformed, InvalidInput (400) if out
    of range."""
    if not text:
        return None
    day = date.fromisoformat(text)
    if not EARLIEST <= day <= LATEST:
        raise InvalidInput(_("日期须在 %(earliest)s 至 %(latest)s 之间。") % {"earliest": EARLIEST, "latest": LATEST})
    return day
