"""The traffic light as the pages show it: one tag, not a template included per row (a list page drew 50 of
them through `{% include %}`, a third of its rendering: DESIGN.md §11, issue 16)."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def light(value) -> str:
    """A ticket's light (red, yellow, green; anything else: no clock) as a badge."""
    if value == "red":
        return format_html('<span class="light red" title="{}">{}</span>', _("红灯"), _("红灯"))
    if value == "yellow":
        return format_html('<span class="light yellow">{}</span>', _("黄灯"))
    if value == "green":
        return format_html('<span class="light green">{}</span>', _("绿灯"))
    return "—"
