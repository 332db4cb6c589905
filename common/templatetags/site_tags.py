"""Tags of every page's head (templates/base.html), where the template engine was a page's fixed cost (DESIGN.md §11,
issue 16)."""

from functools import lru_cache

from django import template
from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

register = template.Library()


@register.simple_tag
def link(name: str) -> str:
    """`{% url name %}` of a URL without arguments, reversed once per process: the same answer while the URL
    configuration and the script prefix are the same (they are the cache's key). Each `{% url %}` cost about 18 µs
    of CPU, and the head prints five or more on every page (the menu, the account, log out, the language)."""
    return _reversed(get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(), name)


@lru_cache(maxsize=256)
def _reversed(urlconf: str, prefix: str, name: str) -> str:
    return reverse(name, urlconf=urlconf)
