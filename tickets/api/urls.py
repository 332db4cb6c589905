from django.urls import path
from drf_spectacular.utils import extend_schema

from accounts.api import TokenLoginApi, TokenLogoutApi
from privacy.views import TicketContactRevealApi

from ..transitions import PUBLIC_ACTIONS
from . import views
from .serializers import ACTION_INPUTS, TicketDetailOutput


def action_view(action):
    """A named APIView per action, so each has its own input schema and operation in OpenAPI."""
    name = "".join(part.title() for part in action.name.split("_"))
    cls = type(
        f"Ticket{name}Api",
        (views.TicketActionApi,),
        {"action_name": action.name, "input_serializer": ACTION_INPUTS[action.name], "__doc__": str(action.label)},
    )
    decorated = extend_schema(
        request=ACTION_INPUTS[action.name], responses=TicketDetailOutput, summary=str(action.label)
    )(cls)
    return decorated.as_view()


urlpatterns = [
    path("auth/token/", TokenLoginApi.as_view(), name="api-token"),
    path("auth/logout/", TokenLogoutApi.as_view(), name="api-logout"),
    path("tickets/", views.TicketListCreateApi.as_view(), name="api-tickets"),
    path("tickets/<int:pk>/", views.TicketDetailApi.as_view(), name="api-ticket"),
    path("tickets/<int:pk>/contact/", TicketContactRevealApi.as_view(), name="api-ticket-contact"),
    *[
        path(f"tickets/<int:pk>/{action.slug}/", action_view(action), name=f"api-ticket-{action.slug}")
        for action in PUBLIC_ACTIONS
    ],
    path("attachments/<int:pk>/", views.AttachmentDownloadApi.as_view(), name="api-attachment"),
    path("queue/", views.QueueApi.as_view(), name="api-queue"),
    path("dispatch/pending/", views.DispatchPendingApi.as_view(), name="api-dispatch-pending"),
]
