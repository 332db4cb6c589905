"""Small leaks an outside probe found (issue 20 §6): masks by length, bulk accept and the triage panel naming
tickets the viewer may not open, attachments downloaded under the sender's extension, hidden characters
kept in titles."""

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import api
from tickets.api.serializers import mask_phone
from tickets.models import Attachment, Status, Ticket

from ..tickets.test_attachments import PNG


def test_a_short_phone_number_is_masked_by_its_length():
    assert mask_phone("1234567") == "*****67"  # was 123****4567: every digit
    for length in range(1, 21):
        number = "".join(str(i % 10) for i in range(length))
        shown = sum(ch != "*" for ch in mask_phone(number))
        assert len(mask_phone(number)) == length
        assert shown <= (length - 4 if length >= 11 else length // 3), number


def test_a_short_phone_number_is_masked_in_the_api(world, make_ticket):
    ticket = make_ticket(Status.ACCEPTED, contact_phone="1234567")
    assert api(world.supervisor).get(f"/api/v1/tickets/{ticket.pk}/").json()["contact_phone"] == "*****67"


def test_bulk_accept_answers_a_ticket_one_may_not_see_as_one_that_does_not_exist(world, make_ticket, client):
    theirs = make_ticket(Status.PENDING_DISPATCH)
    api(world.dispatcher).post(f"/api/v1/tickets/{theirs.pk}/dispatch/", {"lead": "longyou"}, format="json")
    missing = Ticket.objects.order_by("-pk").first().pk + 1000
    client.force_login(world.handler)  # gongdian's: longyou's ticket is not theirs to see
    page = client.post("/workbench/accept/", {"ticket": [theirs.pk, missing]}, follow=True).content.decode()
    assert theirs.number not in page
    assert f"{theirs.pk} 未签收：未找到该诉求。" in page and f"{missing} 未签收：未找到该诉求。" in page
    theirs.refresh_from_db()
    assert theirs.status == Status.ASSIGNED


def test_the_triage_panel_names_only_tickets_the_viewer_may_open(world, make_ticket, client):
    hidden = make_ticket(Status.ACCEPTED, user=world.other_company_user, title="隐藏的诉求标题")
    hidden.lead_department = world.county
    hidden.save(update_fields=["lead_department"])
    hidden.assignments.update(department=world.county)
    shown = make_ticket(Status.ACCEPTED, title="看得见的诉求标题")
    ticket = make_ticket(Status.ACCEPTED)
    ticket.triage_suggestions = {
        "routes": [{"category": "energy", "name": "要素保障-用能", "probability": 0.9, "lead": None, "words": []}],
        "similar": [{"id": t.pk, "number": t.number, "title": t.title, "score": 0.5} for t in (hidden, shown)],
        "duplicates": [{"id": hidden.pk, "number": hidden.number, "similarity": 0.8}],
    }
    ticket.save(update_fields=["triage_suggestions"])
    client.force_login(world.handler)
    assert client.get(f"/tickets/{hidden.pk}/").status_code == 404
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "看得见的诉求标题" in page
    assert "隐藏的诉求标题" not in page and hidden.number not in page
    client.force_login(world.dispatcher)  # sees every ticket: every suggestion
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "隐藏的诉求标题" in page and page.count(hidden.number) == 2


def test_an_attachment_is_named_and_downloaded_by_its_detected_type(world, make_ticket):
    ticket = make_ticket(Status.ACCEPTED)
    files = [SimpleUploadedFile("x.html", PNG), SimpleUploadedFile("照片.JPEG.png", PNG), SimpleUploadedFile("图", PNG)]
    sent = api(world.company_user).post(f"/api/v1/tickets/{ticket.pk}/attach/", {"files": files}, format="multipart")
    assert sent.status_code == 200, sent.content
    stored = list(ticket.attachments.order_by("id"))
    assert [a.original_name for a in stored] == ["x.png", "照片.JPEG.png", "图.png"]
    # a file stored before names followed types is downloaded under its type's extension too
    Attachment.objects.filter(pk=stored[0].pk).update(original_name="old.html")
    download = api(world.company_user).get(f"/api/v1/attachments/{stored[0].pk}/")
    assert download.status_code == 200 and download["Content-Type"] == "image/png"
    assert 'filename="old.png"' in download["Content-Disposition"]


HIDDEN = "\u202e\u202a\u2066\u200b\u200c\u2060\ufeff\x07\x1b"


def test_hidden_and_control_characters_are_stripped_from_titles_and_descriptions(world, client):
    body = {
        "title": f"电力{HIDDEN}增容\u202eABC\u202c🔌👩\u200d💻 שלום",
        "description": f"第一行{HIDDEN}\n第二行\t完\x00"[:-1],
        "contact_name": "张\u200b三",
    }
    response = api(world.company_user).post("/api/v1/tickets/", body, format="json")
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get(pk=response.json()["id"])
    # emoji (with the joiner inside 👩‍💻), Hebrew and line breaks stay; the hidden characters are gone
    assert ticket.title == "电力增容ABC🔌👩\u200d💻 שלום"
    assert (ticket.description, ticket.contact_name) == ("第一行\n第二行\t完", "张三")
    client.force_login(world.company_user)
    form = {"title": f"表单{HIDDEN}标题", "description": f"表单{HIDDEN}内容", "form_token": "hidden-1"}
    client.post("/my/new/", form)
    assert Ticket.objects.filter(title="表单标题", description="表单内容").exists()


def test_a_title_of_hidden_characters_only_is_refused(world):
    body = {"title": "\u200b\u202e", "description": "内容"}
    response = api(world.company_user).post("/api/v1/tickets/", body, format="json")
    assert response.status_code == 400 and "不能为空" in response.json()["detail"]
    assert not Ticket.objects.exists()
