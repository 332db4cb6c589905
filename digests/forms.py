from django import forms

from .models import Kind


class SubscriptionForm(forms.Form):
    """One box per kind of digest the person's roles give them; unticked is opted out."""

    def __init__(self, *args, kinds: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        for kind in kinds:
            self.fields[kind] = forms.BooleanField(label=Kind(kind).label, required=False)
