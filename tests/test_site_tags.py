"""The head's `link` tag and the ticket page's `minute` filter print what `{% url %}` and `date:"Y-m-d H:i"` print."""

from datetime import UTC, datetime

import pytest
from django.template import Context, Template
from django.urls import clear_script_prefix, reverse, set_script_prefix
from django.utils import timezone, translation

from tickets.templatetags.ticket_tags import minute

NAMES = ["web-home", "web-workbench", "web-dashboard", "account-otp-setup", "logout", "set_language"]


def test_link_is_the_url_tag():
    for name in NAMES:
        printed = Template("{% load site_tags %}{% link name %}").render(Context({"name": name}))
        assert printed == Template("{% url name %}").render(Context({"name": name})) == reverse(name)


def test_link_follows_the_script_prefix():
    """Served under a prefix (SCRIPT_NAME), the same name links there: the prefix is part of the cache's key."""
    before = Template("{% load site_tags %}{% link 'logout' %}").render(Context())
    set_script_prefix("/qihu/")
    try:
        assert Template("{% load site_tags %}{% link 'logout' %}").render(Context()) == "/qihu" + before
    finally:
        clear_script_prefix()
    assert Template("{% load site_tags %}{% link 'logout' %}").render(Context()) == before


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_minute_is_the_date_filter(language):
    moments = [datetime(2026, 12, 31, 16, 5, 59, tzinfo=UTC), datetime(2026, 3, 1, 0, 0, tzinfo=UTC), timezone.now()]
    date = Template('{{ value|date:"Y-m-d H:i" }}')
    with translation.override(language):
        for value in moments:
            assert minute(value) == date.render(Context({"value": value}))
        assert minute(moments[0]) == "2027-01-01 00:05"  # the site's time zone (Asia/Shanghai)
        assert minute(None) == date.render(Context({"value": None})) == ""
