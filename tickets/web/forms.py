from django import forms
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError
from common.validators import MaxChars, validate_phone
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

    # Limits as validators, not max_length: the browser would cut a longer paste silently at the HTML maxlength.
    title = forms.CharField(label=_("标题"), validators=[MaxChars(200)], help_text=_("一句话说明问题，最多 200 字"))
    description = forms.CharField(
        label=_("诉求内容"), validators=[MaxChars(5000)], widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("请写明问题发生的地点、时间、涉及的项目和希望得到的帮助，最多 5000 字"),
    )  # fmt: skip
    category = forms.ModelChoiceField(
        label=_("分类（可不选）"), queryset=Category.objects.filter(active=True), required=False,
        to_field_name="code", empty_label=_("由平台研判"),
    )  # fmt: skip
    contact_name = forms.CharField(label=_("联系人"), validators=[MaxChars(50)], required=False)
    contact_phone = forms.CharField(
        label=_("联系电话"), required=False, validators=[validate_phone],
        help_text=_("手机号或带区号的固定电话，如 13905701234、0570-1234567"),
    )  # fmt: skip
    files = MultipleFileField(label=_("附件（可不传）"), help_text=limits_help())
    # A fresh token per form: submitting the same form twice files one ticket (idempotency key).
    form_token = forms.CharField(widget=forms.HiddenInput, max_length=100)
