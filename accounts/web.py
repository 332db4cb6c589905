"""The account's own pages: the login form, the second factor (enrol, give, remove) and the password change."""

from base64 import b32encode

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from .lockout import is_locked, locked_message
from .middleware import mark_factor_given, mark_password_fresh, password_expired
from .otp import confirmed_device, otp_check, otp_enrol_confirm, otp_enrolment, otp_remove, otp_required, otpauth_qr


class LoginForm(AuthenticationForm):
    """Django's form, saying so when the account is locked rather than "wrong password"."""

    def get_invalid_login_error(self):
        return ValidationError(_("用户名或密码不正确。"), code="invalid_login")

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            if is_locked(self.cleaned_data.get("username") or ""):
                raise ValidationError(locked_message(), code="locked") from None
            raise


class CodeForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("动态口令"), max_length=8, min_length=6)


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse_lazy("web-home")


@login_required
def otp_setup(request):
    """Enrol an authenticator: scan the QR code (or type the secret), then type a code it shows."""
    device = confirmed_device(request.user)
    form = CodeForm(request.POST or None)
    if device is None and request.method == "POST" and form.is_valid():
        if otp_enrol_confirm(request=request, user=request.user, token=form.cleaned_data["code"]):
            mark_factor_given(request)
            messages.success(request, _("双因素认证已启用。"))
            return redirect(_next(request))
        form.add_error("code", _("动态口令不正确，请核对手机时间后重试。"))
    context = {"form": form, "enrolled": device is not None, "required": otp_required(request.user),
               "next": _next(request)}  # fmt: skip
    if device is None:
        pending = otp_enrolment(request.user)
        context.update(qr=otpauth_qr(pending), secret=b32encode(pending.bin_key).decode(), uri=pending.config_url)
    return render(request, "accounts/otp_setup.html", context)


@login_required
def otp_verify(request):
    """The login's second step: a code from the enrolled authenticator."""
    if confirmed_device(request.user) is None:
        return redirect("account-otp-setup")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if otp_check(request=request, user=request.user, token=form.cleaned_data["code"], via="web"):
            mark_factor_given(request)
            return redirect(_next(request))
        if is_locked(request.user.get_username()):
            logout(request)
            messages.error(request, locked_message())
            return redirect("login")
        form.add_error("code", _("动态口令不正确。"))
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _next(request)})


@login_required
@require_POST
def otp_remove_own(request):
    if otp_required(request.user):
        messages.error(request, _("您的账号必须使用双因素认证，不能停用。"))
    elif not request.user.is_verified():  # removing it takes the factor itself, not the password alone
        return redirect("account-otp-verify")
    else:
        otp_remove(request=request, user=request.user)
        messages.success(request, _("双因素认证已停用。"))
    return redirect("account-otp-setup")


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("web-home")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "expired": password_expired(self.request.user)}

    def form_valid(self, form):
        response = super().form_valid(form)
        mark_password_fresh(self.request)
        messages.success(self.request, _("密码已修改。"))
        return response
