from rest_framework import routers, serializers, viewsets
from rest_framework.pagination import CursorPagination

from .models import Ticket


class TicketSerializer(serializers.ModelSerializer):
    class Meta:
        model = Ticket
        fields = "__all__"


class Newest(CursorPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = "-created_at"


class TicketViewSet(viewsets.ModelViewSet):
    queryset = Ticket.objects.all()
    serializer_class = TicketSerializer
    pagination_class = Newest


router = routers.DefaultRouter()
router.register("tickets", TicketViewSet)
urlpatterns = router.urls
