from django.db import models
from django.utils.translation import gettext_lazy as _

from common.names import EnglishName
from common.text import split_keywords
from privacy.crypto import EncryptedCharField

from .credit_code import validate_credit_code


class IndustryChain(EnglishName):
    """One of the city's industry chains (产业链), e.g. 新材料."""

    code = models.SlugField(_("代码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=50, unique=True)
    # Words that point a request to this chain when the company's profile names none.
    keywords = models.TextField(_("关键词"), blank=True)

    class Meta:
        verbose_name = _("产业链")
        verbose_name_plural = _("产业链")
        ordering = ["code"]

    def keyword_list(self) -> list[str]:
        return [self.name, *split_keywords(self.keywords)]


class Company(models.Model):
    name = models.CharField(_("企业名称"), max_length=200)
    # Null only for requesters known from imported history, who came without one.
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, unique=True, null=True, blank=True, validators=[validate_credit_code]
    )
    district = models.ForeignKey(
        "departments.Department",
        verbose_name=_("所在县(市、区)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="companies",
        limit_choices_to={"kind": "county"},
    )
    chains = models.ManyToManyField(IndustryChain, verbose_name=_("产业链"), blank=True, related_name="companies")
    address = models.CharField(_("地址"), max_length=200, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    # SM4-encrypted at rest; found by its blind index (privacy/crypto.py, companies/selectors.py).
    contact_phone = EncryptedCharField(_("联系电话"), blank=True, index_field="contact_phone_index")
    contact_phone_index = models.CharField(_("联系电话索引"), max_length=64, blank=True, db_index=True, editable=False)
    # Imported history identifies a requester only by an opaque id (import_history's user_id).
    external_id = models.CharField(_("外部编号"), max_length=64, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("企业")
        verbose_name_plural = _("企业")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
