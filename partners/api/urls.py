from django.urls import path

from . import views

urlpatterns = [
    path("work-orders/", views.WorkOrderCreateApi.as_view(), name="partner-work-orders"),
    path("work-orders/<str:external_id>/", views.WorkOrderApi.as_view(), name="partner-work-order"),
    path("work-orders/<str:external_id>/material/", views.WorkOrderMaterialApi.as_view(), name="partner-material"),
    path("tickets/<str:number>/", views.WorkOrderByNumberApi.as_view(), name="partner-ticket"),
]
