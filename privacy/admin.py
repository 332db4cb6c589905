"""The admin's forms never show a phone number in full (issue 18 item 4, 三员分立): administrators manage records,
not personal data, and the full number is for the handling path's audited reveal (privacy.services). The field
shows the number masked as its placeholder; left blank the number stays as it is, typed in it is replaced."""

from django.utils.translation import gettext_lazy as _

from tickets.access import mask_phone


class MaskedPhoneFormMixin:
    """For a ModelForm: `masked_phone_fields` are the model's phone fields to mask."""

    masked_phone_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.masked_phone_fields:
            stored = getattr(self.instance, name, "")
            self.initial[name] = ""
            if stored and name in self.fields:
                field = self.fields[name]
                field.required = False
                field.widget.attrs["placeholder"] = mask_phone(stored)
                field.help_text = _("号码已隐藏。留空则保持不变，输入新号码则替换。")

    def clean(self):
        cleaned = super().clean()
        for name in self.masked_phone_fields:
            if not cleaned.get(name):
                cleaned[name] = getattr(self.instance, name, "")
        return cleaned
