"""The second factor (TOTP, RFC 6238) through django-otp: who owes one, enrolment, verification, removal.

Officials and administrators owe one when QIHU["OTP_REQUIRED"] (on in production, off for the demo); anyone who
enrolled one (a company user may) owes it at every login. The web asks for it after the password
(accounts/middleware.py); the API's token login takes it as `otp` beside the password (accounts/api.py).
django-otp checks the code with a tolerance of one step either side, refuses a code used already and slows down
repeated failures; a failure here also counts towards the account's lockout (accounts/lockout.py).
"""

import segno
from django.conf import settings
from django.db import transaction
from django_otp import login as otp_login
from django_otp import verify_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit import services as audit
from audit.models import Action, Result

from . import lockout
from .access import is_government_account


def otp_required(user) -> bool:
    """Officials and administrators of every kind, when the setting asks for it."""
    return settings.QIHU["OTP_REQUIRED"] and is_government_account(user)


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def second_factor_due(user) -> bool:
    return confirmed_device(user) is not None or otp_required(user)


def otp_enrolment(user) -> TOTPDevice:
    """The device being enrolled: a new secret, kept (unconfirmed) until a code from it is typed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="TOTP", confirmed=False)


def otpauth_qr(device: TOTPDevice) -> str:
    """The otpauth:// URI as a QR code (an SVG data URI: the pages' policy allows data: images)."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=4)


def _failed(request, user, via: str) -> bool:
    audit.record(Action.OTP_FAILURE, request=request, user=user, result=Result.FAILURE, details={"via": via})
    return lockout.login_failed(user.get_username(), request=request)


def otp_enrol_confirm(*, request, user, token: str) -> bool:
    """A right code from the new device confirms it (any older one goes) and verifies this session."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None or not _verified(user, device, token):
        _failed(request, user, "enrol")
        return False
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    otp_login(request, device)
    audit.record(Action.OTP_ENROL, request=request, user=user, obj=user)
    lockout.login_succeeded(user.get_username())
    return True


def _verified(user, device: TOTPDevice, token) -> bool:
    # django-otp's verify_token locks the device's row: two requests with one code cannot both pass
    return bool(token) and verify_token(user, device.persistent_id, str(token).strip()) is not None


def otp_check(*, request, user, token: str, via: str) -> bool:
    """The code of the user's device, at the web's second step (the session is then verified) or the API's
    token login (`via="api"`: no session)."""
    device = confirmed_device(user)
    if device is None or not _verified(user, device, token):
        _failed(request, user, via)
        return False
    if via != "api":
        otp_login(request, device)
    lockout.login_succeeded(user.get_username())
    return True


def otp_remove(*, request, user) -> None:
    """The user's own removal (when not required) or the security administrator's reset (a lost phone)."""
    deleted, _kinds = TOTPDevice.objects.filter(user=user).delete()
    if deleted:
        audit.record(Action.OTP_DISABLE, request=request, obj=user, object_repr=user.get_username())
