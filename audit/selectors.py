"""The auditor's search: by user, action and date range (city time), newest first. One filter for the page and
its export."""

from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Action, AuditRecord


class AuditSearchForm(forms.Form):
    user = forms.CharField(label=_("用户名"), required=False, max_length=150)
    action = forms.ChoiceField(label=_("操作"), required=False, choices=[("", _("全部")), *Action.choices])
    since = forms.DateField(label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


def _midnight(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_search(form: AuditSearchForm):
    records = AuditRecord.objects.order_by("-seq")
    if not form.is_valid():
        return records.none()
    data = form.cleaned_data
    if data["user"]:
        records = records.filter(username__icontains=data["user"])
    if data["action"]:
        records = records.filter(action=data["action"])
    if data["since"]:
        records = records.filter(time__gte=_midnight(data["since"]))
    if data["until"]:
        records = records.filter(time__lt=_midnight(data["until"] + timedelta(days=1)))
    return records
