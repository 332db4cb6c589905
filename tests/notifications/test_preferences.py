"""A company user's SMS preference, set on its own page and respected by the outbox."""

from django.utils import translation

from notifications.models import ContactPreference, OutgoingMessage
from tickets.models import Status


def test_a_company_user_turns_sms_off_and_gets_none(world, client, make_ticket):
    user = world.company_user
    user.phone = "+86 139 0570 1234"
    user.save(update_fields=["phone"])
    client.force_login(user)
    assert 'id="sms-settings"' in client.get("/my/").content.decode()
    page = client.get("/my/notifications/").content.decode()
    assert 'id="sms" checked' in page and "13905701234" in page
    saved = client.post("/my/notifications/", {}, follow=True)  # the box unticked
    assert 'id="saved"' in saved.content.decode() and 'id="sms" checked' not in saved.content.decode()
    assert ContactPreference.objects.get(user=user).sms is False
    make_ticket(Status.REPLIED)
    assert not OutgoingMessage.objects.filter(channel="sms").exists()
    client.post("/my/notifications/", {"sms": "on"})
    assert ContactPreference.objects.get(user=user).sms is True


def test_a_user_without_a_mobile_number_is_told_so(world, client):
    client.force_login(world.company_user)
    assert "没有有效的手机号" in client.get("/my/notifications/").content.decode()


def test_officials_have_no_sms_page(world, client):
    client.force_login(world.handler)
    client.cookies["django_language"] = "en"
    with translation.override("zh-hans"):  # the request activates English; the tests after it must not inherit it
        response = client.get("/my/notifications/")
    assert response.status_code == 403 and "Only company users can set SMS notifications." in response.content.decode()
