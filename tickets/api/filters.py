import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sla.policies import Light

from ..models import Priority, Status, Ticket
from ..selectors import light_q


class TicketFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Status.choices)
    category = django_filters.CharFilter(field_name="category__code", label=_("分类代码"))
    chain = django_filters.CharFilter(field_name="chain__code", label=_("产业链代码"))
    district = django_filters.CharFilter(field_name="district__code", label=_("县(市、区)代码"))
    priority = django_filters.ChoiceFilter(choices=Priority.choices)
    light = django_filters.ChoiceFilter(choices=Light.choices, method="filter_light", label=_("红黄绿灯"))
    q = django_filters.CharFilter(method="filter_keyword", label=_("关键词"))

    class Meta:
        model = Ticket
        fields = ["status", "category", "chain", "district", "priority", "light", "q"]

    def filter_light(self, queryset, name, value):
        return queryset.filter(light_q(value, timezone.now()))

    def filter_keyword(self, queryset, name, value):
        value = value.strip()[:50]
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value)) if value else queryset
