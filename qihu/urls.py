from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.web import LoginForm
from common.throttling import LoginThrottle, throttle_posts
from common.views import healthz, livez, readyz
from notifications.views import preferences, short_link

# Swagger UI comes from its CDN and styles itself inline: the docs page (no user data) gets its own policy.
# The split view serves its start-up script from this origin instead of inline.
DOCS_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' https://cdn.jsdelivr.net",
        "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net",
        "img-src 'self' data: https://cdn.jsdelivr.net",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
    ]
)


class ApiDocsView(SpectacularSwaggerSplitView):
    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Security-Policy"] = DOCS_CSP
        return response


handler400 = "common.api.api_bad_request"
handler404 = "common.api.api_not_found"
handler500 = "common.api.api_server_error"

urlpatterns = [
    path("", include("tickets.web.urls")),
    path(
        "login/",
        throttle_posts(LoginThrottle)(auth_views.LoginView.as_view(authentication_form=LoginForm)),
        name="login",
    ),
    path("account/", include("accounts.urls")),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", healthz, name="healthz"),
    path("livez", livez, name="livez"),
    path("readyz", readyz, name="readyz"),
    path("t/<str:token>", short_link, name="short-link"),
    path("my/notifications/", preferences, name="notification-preferences"),
    # The admin's own login, throttled like the others (reverse("admin:login") still names this path).
    path("admin/login/", throttle_posts(LoginThrottle)(admin.site.login)),
    path("admin/", admin.site.urls),
    path("digests/", include("digests.urls")),
    path("audit/", include("audit.urls")),
    path("problems/", include("problems.web_urls")),
    path("lists/", include("lists.web_urls")),
    path("intake/", include("intake.web.urls")),
    path("api/v1/problems/", include("problems.urls")),
    path("api/v1/lists/", include("lists.urls")),
    path("api/v1/partner/", include("partners.api.urls")),
    path("api/v1/", include("tickets.api.urls")),
    path("open311/v2/", include("partners.open311.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", ApiDocsView.as_view(url_name="schema"), name="docs"),
    path("i18n/", include("django.conf.urls.i18n")),
]
