from django.urls import path

from . import views

urlpatterns = [
    path("", views.desk, name="intake-desk"),
    path("companies/new/", views.company_new, name="intake-company-new"),
    path("companies/<int:company_id>/file/", views.file_request, name="intake-file"),
    path("meetings/new/", views.meeting_new, name="intake-meeting-new"),
    path("meetings/<int:pk>/", views.meeting_detail, name="intake-meeting"),
]
