from django.urls import path

from . import api

urlpatterns = [
    path("", api.ListItemListCreateApi.as_view(), name="api-list-items"),
    path("<int:pk>/", api.ListItemDetailApi.as_view(), name="api-list-item"),
    path("<int:pk>/convert/", api.ListItemConvertApi.as_view(), name="api-list-item-convert"),
    path("<int:pk>/complete/", api.ListItemCompleteApi.as_view(), name="api-list-item-complete"),
    path("<int:pk>/drop/", api.ListItemDropApi.as_view(), name="api-list-item-drop"),
]
