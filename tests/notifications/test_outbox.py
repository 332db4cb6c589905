from datetime import timedelta

import time_machine
from django.utils import timezone

from notifications.models import OutgoingEmail
from notifications.services import email_queue, email_send, send_due

from ..conftest import free_port


def test_a_message_is_queued_once_per_key_and_sent_once(db, smtp_server):
    first = email_queue(key="k1", to=["a@example.gov.cn"], subject="主题", text="正文", html="<p>正文</p>")
    again = email_queue(key="k1", to=["a@example.gov.cn"], subject="主题", text="正文")
    assert first.pk == again.pk and OutgoingEmail.objects.count() == 1
    assert email_send(email_id=first.pk) == "sent"
    assert email_send(email_id=first.pk) is None  # a redelivered task sends nothing more
    assert len(smtp_server.messages) == 1
    _to, message = smtp_server.messages[0]
    assert message.get_body(("plain",)).get_content().strip() == "正文"
    assert message.get_body(("html",)).get_content().strip() == "<p>正文</p>"


def test_smtp_down_is_retried_with_backoff_and_sent_once_when_back(db, settings, smtp_server):
    email = email_queue(key="k2", to=["a@example.gov.cn"], subject="主题", text="正文")
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # nothing listens there
    assert email_send(email_id=email.pk) == "retry"
    email.refresh_from_db()
    assert email.status == "retry" and "Connection" in email.last_error and email.attempts == 1
    assert email_send(email_id=email.pk) is None  # not before its backoff
    settings.EMAIL_PORT = port
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert send_due() == 1
        assert email_send(email_id=email.pk) == "sent"
    assert len(smtp_server.messages) == 1


def test_after_six_failures_a_message_is_marked_failed(db, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    email = email_queue(key="k3", to=["a@example.gov.cn"], subject="主题", text="正文")
    later = timezone.now()
    for _ in range(6):
        later += timedelta(hours=1)
        with time_machine.travel(later):
            email_send(email_id=email.pk)
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("failed", 6)
