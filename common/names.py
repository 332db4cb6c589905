"""Names in the reader's language: reference data (departments, categories, chains) is named in Chinese and,
where the data has one, in English; pages and forms show the English name in English mode (issue 15)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def in_language(name: str, name_en: str) -> str:
    """`name_en` when the active language is English and there is one, `name` otherwise."""
    return name_en if name_en and (get_language() or "").startswith("en") else name


class EnglishName(models.Model):
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.local_name

    @property
    def local_name(self) -> str:
        return in_language(self.name, self.name_en)
