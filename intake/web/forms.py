"""The intake desk's forms. Limits and phone numbers as in the company's own form (common.validators)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from common.validators import MaxChars, validate_phone
from companies.credit_code import validate_credit_code
from departments.models import Department
from tickets.models import Source
from tickets.web.forms import MultipleFileField
from triage.models import Category

from ..selectors import company_by_code_or_name

# A meeting's requests are filed on the meeting page, not one by one.
DESK_CHANNELS = [(s.value, s.label) for s in (Source.HOTLINE, Source.COUNTER, Source.VISIT, Source.LEADER)]
PHONE_HELP = _("手机号或带区号的固定电话，如 13905701234、0570-1234567")


class DeskForm(forms.Form):
    """What every form of the desk starts with: which service centre or hotline files (the user's own)."""

    department = forms.ModelChoiceField(label=_("受理单位"), queryset=Department.objects.none(), empty_label=None)
    # A fresh token per form: submitting the same form twice files once (idempotency key).
    form_token = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments


class CompanyForm(forms.Form):
    """A company calling for the first time (登记企业)."""

    name = forms.CharField(label=_("企业名称"), validators=[MaxChars(200)])
    credit_code = forms.CharField(
        label=_("统一社会信用代码"), validators=[validate_credit_code], help_text=_("18位，校验码按 GB 32100 核对")
    )
    district = forms.ModelChoiceField(
        label=_("所在县(市、区)"), queryset=Department.objects.filter(kind=Department.Kind.COUNTY), required=False,
        to_field_name="code", empty_label=_("不确定"),
    )  # fmt: skip
    address = forms.CharField(label=_("地址"), validators=[MaxChars(200)], required=False)
    contact_name = forms.CharField(label=_("联系人"), validators=[MaxChars(50)], required=False)
    contact_phone = forms.CharField(
        label=_("联系电话"), validators=[validate_phone], required=False, help_text=PHONE_HELP
    )

    def clean_credit_code(self):
        return self.cleaned_data["credit_code"].strip().upper()


class CallerFields(forms.Form):
    caller_name = forms.CharField(label=_("来电人/来访人"), validators=[MaxChars(50)])
    caller_phone = forms.CharField(label=_("联系电话"), validators=[validate_phone], help_text=PHONE_HELP)
    title = forms.CharField(label=_("标题"), validators=[MaxChars(200)], help_text=_("一句话说明问题，最多 200 字"))
    description = forms.CharField(
        label=_("诉求内容"), validators=[MaxChars(5000)], widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("按企业所述记录问题的地点、时间、涉及的项目和希望得到的帮助，最多 5000 字"),
    )  # fmt: skip


class FileForm(DeskForm, CallerFields):
    """One request taken by phone, at the counter, on a visit or from a leader (代录)."""

    channel = forms.ChoiceField(label=_("渠道"), choices=DESK_CHANNELS)
    leader_name = forms.CharField(
        label=_("交办领导"), validators=[MaxChars(50)], required=False, help_text=_("领导交办时必填，如：张副市长")
    )
    category = forms.ModelChoiceField(
        label=_("分类（可不选）"), queryset=Category.objects.filter(active=True), required=False,
        to_field_name="code", empty_label=_("由平台研判"),
    )  # fmt: skip
    files = MultipleFileField(label=_("附件（可不传）"))

    field_order = ["department", "channel", "leader_name", "caller_name", "caller_phone", "title", "description"]

    def clean(self):
        data = super().clean()
        if data.get("channel") == Source.LEADER and not (data.get("leader_name") or "").strip():
            self.add_error("leader_name", _("领导交办须填写交办领导。"))
        return data


class MeetingForm(DeskForm):
    """A 亲清会: what, when, where, who attended."""

    title = forms.CharField(label=_("会议名称"), validators=[MaxChars(200)])
    held_on = forms.DateField(label=_("会议日期"), widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label=_("地点"), validators=[MaxChars(200)])
    officials = forms.CharField(
        label=_("出席领导"), validators=[MaxChars(500)], help_text=_("出席的领导和部门，如：张副市长、市发改委")
    )


class MeetingRowForm(CallerFields):
    """One company's request at the meeting; a row left empty is skipped."""

    company = forms.CharField(label=_("企业"), help_text=_("统一社会信用代码或企业全称"), validators=[MaxChars(200)])
    field_order = ["company", "caller_name", "caller_phone", "title", "description"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["description"].widget.attrs["rows"] = 2  # a row of a table

    def clean_company(self):
        found = company_by_code_or_name(self.cleaned_data["company"])
        if found is None:
            raise forms.ValidationError(_("找不到该企业：请填写统一社会信用代码或企业全称（新企业请先在代录页登记）。"))
        return found


MAX_ROWS = 30


def meeting_rows(rows: int = 5):
    """The meeting page's table of rows (a formset): `rows` empty ones to start with, at most MAX_ROWS."""
    rows = max(1, min(rows, MAX_ROWS))
    return forms.formset_factory(MeetingRowForm, extra=rows, max_num=MAX_ROWS, absolute_max=MAX_ROWS)
