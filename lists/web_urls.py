from django.urls import path

from . import web

urlpatterns = [
    path("<int:pk>/", web.item_page, name="web-list-item"),
    path("<int:pk>/<slug:action>/", web.item_act, name="web-list-item-act"),
]
