from django import forms
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError
from triage.models import Category

from ..attachments import check_files, limits_help


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe); the checks are tickets/attachments.py's."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.doc,.docx,.xls,.xlsx"}))
        super().__init__(required=False, **kwargs)

    def clean(self, data, initial=None):
        files = []
        for upload in data if isinstance(data, list | tuple) else [data] if data else []:
            files.append(super().clean(upload, initial))
        try:
            check_files(files)
        except DomainError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from None
        return files


class TicketForm(forms.Form):
    """The company's request form. Limits as in the API (DESIGN.md §10)."""

    title = forms.CharField(label=_("标题"), max_length=200, help_text=_("一句话说明问题，200字以内"))
    description = forms.CharField(
        label=_("诉求内容"), max_length=5000, widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("请写明问题发生的地点、时间、涉及的项目和希望得到的帮助，5000字以内"),
    )  # fmt: skip
    category = forms.ModelChoiceField(
        label=_("分类（可不选）"), queryset=Category.objects.filter(active=True), required=False,
        to_field_name="code", empty_label=_("由平台研判"),
    )  # fmt: skip
    contact_name = forms.CharField(label=_("联系人"), max_length=50, required=False)
    contact_phone = forms.RegexField(
        label=_("联系电话"), regex=r"^[0-9+\- ]{5,30}$", required=False,
        error_messages={"invalid": _("联系电话格式不正确。")},
    )  # fmt: skip
    files = MultipleFileField(label=_("附件（可不传）"), help_text=limits_help())
    # A fresh token per form: submitting the same form twice files one ticket (idempotency key).
    form_token = forms.CharField(widget=forms.HiddenInput, max_length=100)
