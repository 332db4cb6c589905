from django.urls import path

from . import views

urlpatterns = [
    path("preview/", views.preview, name="digests-preview"),
    path("settings/", views.subscription, name="digests-settings"),
]
