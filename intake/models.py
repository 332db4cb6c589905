"""The intake desk (代录): what staff record besides the ticket itself. The channel, the caller and the filing
staff member live on the ticket (`tickets.models.Ticket`); a meeting (亲清会) is its own record, its requests
point to it."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Meeting(models.Model):
    """A 亲清会: officials meet companies; each company's request becomes a ticket linked here."""

    title = models.CharField(_("会议名称"), max_length=200)
    held_on = models.DateField(_("会议日期"))
    place = models.CharField(_("地点"), max_length=200)
    officials = models.CharField(_("出席领导"), max_length=500, help_text=_("出席的领导和部门，如：张副市长、市发改委"))
    # The service centre (or hotline) that recorded it: its intake staff see the meeting's tickets.
    department = models.ForeignKey(
        "departments.Department", verbose_name=_("受理单位"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("亲清会")
        verbose_name_plural = _("亲清会")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.held_on} {self.title}"
