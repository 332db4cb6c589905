from django.urls import path

from privacy.views import ticket_contact_reveal

from . import chains, views

urlpatterns = [
    path("", views.home, name="web-home"),
    path("my/", views.my_tickets, name="web-my-tickets"),
    path("my/new/", views.ticket_new, name="web-ticket-new"),
    path("my/similar/", views.similar_requests, name="web-similar-requests"),
    path("tickets/<int:pk>/", views.ticket_detail, name="web-ticket"),
    path("tickets/<int:pk>/act/<slug:action>/", views.ticket_act, name="web-ticket-act"),
    path("tickets/<int:pk>/contact/", ticket_contact_reveal, name="web-ticket-contact"),
    path("workbench/", views.workbench, name="web-workbench"),
    path("workbench/accept/", views.workbench_accept, name="web-workbench-accept"),
    path("workbench/export.xlsx", views.workbench_export, name="web-workbench-export"),
    path("dashboard/", views.dashboard, name="web-dashboard"),
    path("chains/", chains.my_chain, name="web-my-chain"),
    path("chains/<slug:code>/", chains.chain_workspace, name="web-chain"),
    path("dashboard/export.xlsx", views.dashboard_export, name="web-dashboard-export"),
]
