from django.urls import path

from . import api

urlpatterns = [
    path("", api.ProblemListApi.as_view(), name="api-problems"),
    path("<int:pk>/", api.ProblemDetailApi.as_view(), name="api-problem"),
    path("<int:pk>/confirm/", api.ProblemConfirmApi.as_view(), name="api-problem-confirm"),
    path("<int:pk>/merge/", api.ProblemMergeApi.as_view(), name="api-problem-merge"),
    path("<int:pk>/split/", api.ProblemSplitApi.as_view(), name="api-problem-split"),
    path("<int:pk>/dismiss/", api.ProblemDismissApi.as_view(), name="api-problem-dismiss"),
    path("<int:pk>/answer/", api.ProblemAnswerApi.as_view(), name="api-problem-answer"),
]
