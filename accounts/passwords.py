"""The two password rules Django does not ship (settings.AUTH_PASSWORD_VALIDATORS has the rest): character
classes, and none of the user's last few passwords. Messages in the user's language, as Django's own."""

import string

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CLASSES = (
    ("lower", lambda ch: ch in string.ascii_lowercase),
    ("upper", lambda ch: ch in string.ascii_uppercase),
    ("digit", lambda ch: ch.isdigit()),
    ("other", lambda ch: not ch.isascii() or not ch.isalnum()),  # punctuation, spaces, any non-ASCII letter
)


class CharacterClassesValidator:
    """At least `min_classes` of: lower-case letters, upper-case letters, digits, other characters."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        used = sum(any(test(ch) for ch in password) for _name, test in CLASSES)
        if used < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self):
        return _("密码须包含小写字母、大写字母、数字、其他字符中的至少 %(n)d 类。") % {"n": self.min_classes}


class NotUsernameValidator:
    """The username, forwards or backwards, anywhere in the password (Django's similarity check compares the
    whole strings: "qiye-a-Company1" passes it)."""

    def validate(self, password, user=None):
        username = (user.get_username() if user is not None else "").lower()
        if len(username) >= 3 and (username in password.lower() or username[::-1] in password.lower()):
            raise ValidationError(_("密码不能包含用户名。"), code="password_contains_username")

    def get_help_text(self):
        return _("密码不能包含用户名。")


class PasswordHistoryValidator:
    """Not the current password nor any of the `keep` before it. Django calls `password_changed` after a save
    with a new password (AbstractBaseUser.save): the new hash joins the history, the oldest beyond `keep` go."""

    def __init__(self, keep: int = 5):
        self.keep = keep

    def _recent(self, user) -> list[str]:
        return list(user.password_history.values_list("password", flat=True)[: self.keep])

    def validate(self, password, user=None):
        if user is None or user.pk is None or not self.keep:
            return
        hashes = [user.password, *self._recent(user)] if user.has_usable_password() else self._recent(user)
        if any(check_password(password, encoded) for encoded in hashes):
            raise ValidationError(
                _("不能使用最近 %(n)d 次用过的密码。") % {"n": self.keep}, code="password_recently_used"
            )

    def password_changed(self, password, user=None):
        if user is None or user.pk is None or not self.keep:
            return
        from .models import PasswordHistory

        PasswordHistory.objects.create(user=user, password=user.password)
        stale = user.password_history.values_list("pk", flat=True)[self.keep :]
        PasswordHistory.objects.filter(pk__in=list(stale)).delete()

    def get_help_text(self):
        return _("不能使用最近 %(n)d 次用过的密码。") % {"n": self.keep}
