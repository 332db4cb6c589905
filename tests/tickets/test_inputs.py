"""The request's inputs: one rule for the web form and the API (issue 15): phone numbers, length limits."""

import pytest
from django.core.exceptions import ValidationError

from common.validators import validate_phone
from tickets.models import Ticket

from ..conftest import api

GOOD = {"title": "电力增容", "description": "新厂房需要增容。"}


@pytest.mark.parametrize(
    "phone",
    ["13905701234", "+86 139 0570 1234", "0570-1234567", "05701234567", "010-12345678", "0570-1234567-801",
     "0570-1234567转801"],
)  # fmt: skip
def test_a_mobile_or_a_landline_with_its_area_code_is_a_phone_number(phone):
    validate_phone(phone)


@pytest.mark.parametrize("phone", ["12345", "1234567", "12905701234", "1390570123", "570-1234567", "电话", "0570-123"])
def test_anything_else_is_not(phone):
    with pytest.raises(ValidationError):
        validate_phone(phone)


def test_the_form_and_the_api_refuse_12345_with_the_same_message(world, client):
    message = (
        "联系电话格式不正确：请填写11位手机号（如 13905701234）或带区号的固定电话（如 0570-1234567，可带分机号）。"
    )
    response = api(world.company_user).post("/api/v1/tickets/", {**GOOD, "contact_phone": "12345"}, format="json")
    assert response.status_code == 400 and response.json()["contact_phone"] == [message]
    client.force_login(world.company_user)
    page = client.post("/my/new/", {**GOOD, "contact_phone": "12345", "form_token": "t"}).content.decode()
    assert message in page
    assert not Ticket.objects.exists()
    english = client.post("/my/new/", {**GOOD, "contact_phone": "12345", "form_token": "t"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Invalid phone number" in english.content.decode()


def test_a_long_paste_is_not_cut_by_the_page_and_is_refused_in_our_words(world, client):
    client.force_login(world.company_user)
    form = client.get("/my/new/").content.decode()
    assert "maxlength" not in form.split('name="description"')[1].split(">")[0]  # the browser would cut it silently
    assert "最多 5000 字" in form
    page = client.post("/my/new/", {**GOOD, "description": "长" * 100_000, "form_token": "t"}).content.decode()
    assert "最多 5000 个字符，现有 100000 个字符" in page
    assert "确保该变量" not in page and "请确保" not in page
    assert not Ticket.objects.exists()
