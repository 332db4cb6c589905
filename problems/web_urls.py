from django.urls import path

from . import web

urlpatterns = [
    path("<int:pk>/", web.problem_page, name="web-problem"),
    path("<int:pk>/<slug:decision>/", web.problem_decide, name="web-problem-decide"),
]
