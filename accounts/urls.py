from django.urls import path

from . import web

urlpatterns = [
    path("otp/", web.otp_setup, name="account-otp-setup"),
    path("otp/verify/", web.otp_verify, name="account-otp-verify"),
    path("otp/remove/", web.otp_remove_own, name="account-otp-remove"),
    path("password/", web.PasswordChangeView.as_view(), name="account-password"),
]
