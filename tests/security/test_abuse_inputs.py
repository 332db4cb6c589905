"""Abuse inputs (issue 7, item 3): oversize, wrong types, odd Unicode, markup everywhere, throttling."""

import io
import json

import pytest
from django.core.cache import cache
from openpyxl import load_workbook

from common.throttling import LoginThrottle
from tests.conftest import api
from tests.factories import PASSWORD
from tickets import notify
from tickets.models import Status, Ticket
from tickets.services import ticket_apply

GOOD = {"title": "厂区变压器需要增容", "description": "新生产线投产，需增容至2000千伏安。"}


# -- oversize ---------------------------------------------------------------------------------------
def test_a_10_mb_json_body_is_refused_with_413_in_chinese(world):
    body = json.dumps({**GOOD, "description": "电" * (10 * 1024 * 1024 // 3)})
    response = api(world.company_user).post("/api/v1/tickets/", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "too_large" and "过大" in response.json()["detail"]
    assert not Ticket.objects.exists()


def test_a_10_mb_form_is_refused_with_413_in_chinese(world, client):
    client.force_login(world.company_user)
    response = client.post("/my/new/", {**GOOD, "description": "x" * 10 * 1024 * 1024, "form_token": "t"})
    assert response.status_code == 413 and "过大" in response.content.decode()
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(("field", "limit"), [("title", 200), ("description", 5000), ("contact_name", 50)])
def test_an_oversize_field_is_refused_in_chinese_and_nothing_is_stored(world, client, field, limit):
    body = {**GOOD, field: "长" * 100_000}
    response = api(world.company_user).post("/api/v1/tickets/", body, format="json")
    assert response.status_code == 400
    assert str(limit) in response.json()[field][0] and "字符" in response.json()[field][0]
    client.force_login(world.company_user)
    page = client.post("/my/new/", {**body, "form_token": "t"})
    assert page.status_code == 200 and "字符" in page.content.decode()  # the form again, with the error
    assert not Ticket.objects.exists()


def test_an_oversize_comment_is_refused(world, make_ticket):
    ticket = make_ticket(Status.ACCEPTED)
    body = {"body": "长" * 100_000}
    response = api(world.handler).post(f"/api/v1/tickets/{ticket.pk}/comment/", body, format="json")
    assert response.status_code == 400 and "5000" in response.json()["body"][0]
    assert not ticket.comments.exists()


# -- wrong types ------------------------------------------------------------------------------------
@pytest.mark.parametrize("value", [["标题"], {"text": "标题"}, None, True, [{"a": [1, 2]}]])
@pytest.mark.parametrize("field", ["title", "description", "contact_name", "contact_phone"])
def test_wrong_types_for_a_text_field_are_refused(world, field, value):
    response = api(world.company_user).post("/api/v1/tickets/", {**GOOD, field: value}, format="json")
    assert response.status_code == 400, (field, value, response.content)
    assert field in response.json()
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("body", [[GOOD], "标题", 42, None])
def test_a_body_that_is_not_an_object_is_refused(world, body):
    response = api(world.company_user).post("/api/v1/tickets/", json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert not Ticket.objects.exists()


def test_malformed_json_is_refused(world):
    response = api(world.company_user).post("/api/v1/tickets/", '{"title": ', content_type="application/json")
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("action", "status", "persona", "body"),
    [
        ("comment", Status.ACCEPTED, "handler", {"body": ["内容"]}),
        ("comment", Status.ACCEPTED, "handler", {"body": "内容", "public": {"x": 1}}),
        ("confirm", Status.REPLIED, "company_user", {"contacted": "也许", "resolved": "resolved",
                                                     "satisfaction": "satisfied"}),
        ("confirm", Status.REPLIED, "company_user", {"contacted": True, "resolved": ["resolved"],
                                                     "satisfaction": "satisfied"}),
        ("dispatch", Status.PENDING_DISPATCH, "dispatcher", {"lead": {"code": "gongdian"}}),
        ("dispatch", Status.PENDING_DISPATCH, "dispatcher", {"lead": "gongdian", "assisting": "fagai"}),
        ("request_extension", Status.ACCEPTED, "handler", {"days": "三", "reason": "需要协调"}),
        ("request_extension", Status.ACCEPTED, "handler", {"days": [3], "reason": "需要协调"}),
        ("reply", Status.ACCEPTED, "handler", {"body": None}),
        ("return", Status.ASSIGNED, "handler", {"reason": {"text": "不归我们"}}),
        ("accept", Status.ASSIGNED, "handler", {"version": "latest"}),
    ],
)  # fmt: skip
def test_wrong_types_in_actions_are_refused_and_change_nothing(world, make_ticket, action, status, persona, body):
    ticket = make_ticket(status)
    events = ticket.events.count()
    url = f"/api/v1/tickets/{ticket.pk}/{action.replace('_', '-')}/"
    response = api(world.people[persona]).post(url, body, format="json")
    assert response.status_code == 400, response.content
    ticket.refresh_from_db()
    assert ticket.status == status and ticket.events.count() == events


# -- Unicode ------------------------------------------------------------------------------------------
ODD = (
    "电力增容🔌👩‍💻 零宽\u200b\u200c\u200d连接\u2060 右到左\u202eABC\u202c"
    " \u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627 \ufeff尾"
)


def test_emoji_and_right_to_left_text_are_stored_and_hidden_characters_dropped(world, make_ticket):
    """Emoji and Hebrew or Arabic letters are kept; zero-width and direction-override characters are not
    (issue 20 §6: tests/security/test_small_leaks.py)."""
    client = api(world.company_user)
    body = {"title": ODD[:200], "description": ODD * 3, "contact_name": "张\u200b三👩‍💻"}
    response = client.post("/api/v1/tickets/", body, format="json")
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get(pk=response.json()["id"])
    visible = "电力增容🔌👩‍💻 零宽连接 右到左ABC \u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627 尾"
    assert (ticket.title, ticket.description, ticket.contact_name) == (visible, visible * 3, "张三👩‍💻")
    detail = client.get(f"/api/v1/tickets/{ticket.pk}/").json()
    assert (detail["title"], detail["description"]) == (ticket.title, ticket.description)
    ticket = make_ticket(Status.ACCEPTED)
    comment = api(world.handler).post(f"/api/v1/tickets/{ticket.pk}/comment/", {"body": ODD}, format="json")
    assert comment.status_code == 200
    assert ticket.comments.get().body == ODD.strip()  # DRF trims white space at the ends, nothing else


# -- markup in every text field ----------------------------------------------------------------------
def xss(label: str) -> str:
    return f'<script>alert("{label}")</script><img src=x onerror=alert("{label}")>"\'&'


NAME = '<b onmouseover=alert("n")>张三</b>'  # fits contact_name's 50 characters


def raw_markup_in(html: str) -> list[str]:
    return [marker for marker in ("<script>alert(", "<img src=x", "<b onmouseover") if marker in html]


@pytest.fixture
def marked_up(world, make_ticket):
    """A ticket whose every free-text field, and the department's name, carries markup."""
    world.lead.name = xss("dept")
    world.lead.save(update_fields=["name"])
    ticket = make_ticket(Status.ASSIGNED, title=xss("title"), description=xss("description"), contact_name=NAME)
    other = make_ticket(Status.ASSIGNED, title=xss("title2"))
    ticket_apply(ticket_id=other.pk, action="return", actor=world.handler, reason=xss("return-reason"))
    steps = [
        ("comment", "company_user", {"body": xss("comment"), "public": True}),
        ("accept", "handler", {"note": xss("accept-note")}),
        ("comment", "handler", {"body": xss("internal"), "public": False}),
        ("request_extension", "handler", {"days": 3, "reason": xss("extension-reason")}),
        ("decide_extension", "supervisor", {"approve": True, "days": 2, "note": xss("extension-note")}),
        ("reply", "handler", {"body": xss("reply"), "basis": xss("basis")}),
        ("confirm", "company_user", {"contacted": True, "resolved": "unresolved", "satisfaction": "unsatisfied",
                                     "comment": xss("evaluation")}),
        ("reopen", "dispatcher", {"note": xss("reopen-note")}),
    ]  # fmt: skip
    for action, persona, params in steps:
        ticket_apply(ticket_id=ticket.pk, action=action, actor=world.people[persona], **params)
    ticket.refresh_from_db()
    return ticket


def test_markup_is_escaped_on_every_page(world, marked_up, client):
    pages = {
        "company_user": ["/my/", f"/tickets/{marked_up.pk}/", f"/my/similar/?title={marked_up.title[:20]}"],
        "handler": ["/workbench/", f"/tickets/{marked_up.pk}/", "/dashboard/"],
        "dispatcher": ["/workbench/", f"/tickets/{marked_up.pk}/", "/dashboard/"],
        "supervisor": ["/workbench/", f"/tickets/{marked_up.pk}/"],
        "chain_leader": [f"/tickets/{marked_up.pk}/"],
    }
    shown = set()
    for persona, urls in pages.items():
        client.force_login(world.people[persona])
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (persona, url)
            html = response.content.decode()
            assert raw_markup_in(html) == [], (persona, url)
            shown.update(label for label in ("title", "description", "dept", "comment", "internal", "accept-note",
                                             "extension-reason", "reply", "basis", "reopen-note")
                         if f"alert(&quot;{label}&quot;)" in html)  # fmt: skip
    # each field did reach a page, escaped (not merely left out)
    assert shown >= {"title", "description", "dept", "comment", "internal", "reply", "basis", "reopen-note"}


def test_markup_and_formulas_stay_text_in_excel(world, make_ticket, client):
    make_ticket(Status.ASSIGNED, title='=HYPERLINK("http://evil.example","点我")')
    make_ticket(Status.ASSIGNED, title="+1+2")
    make_ticket(Status.ASSIGNED, title="@SUM(A1)")
    make_ticket(Status.ASSIGNED, title=xss("excel"))
    client.force_login(world.handler)
    response = client.get("/workbench/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    titles = {row[1].value: row[1] for row in sheet.iter_rows(min_row=2)}
    assert set(titles) == {'=HYPERLINK("http://evil.example","点我")', "+1+2", "@SUM(A1)", xss("excel")}
    for cell in titles.values():
        assert cell.data_type == "s", cell.value  # never "f" (a formula)


def test_markup_in_e_mails_is_plain_text(world, make_ticket, smtp_server, django_capture_on_commit_callbacks):
    """The app's e-mails (dispatch, 签收, escalations, extension decisions) are text/plain only: nothing to
    render."""
    from notifications.models import OutgoingEmail
    from notifications.services import email_send

    world.company_user.email, world.dept_head.email = "qiye@example.com", "kezhang@example.com"
    world.company_user.save(update_fields=["email"])
    world.dept_head.save(update_fields=["email"])
    ticket = make_ticket(Status.ACCEPTED, title=xss("mail-title") + "\r\nBcc: victim@example.com")
    ticket.extension_reason = xss("mail-reason")
    notify.extension_decided(ticket, approved=True, days=2).save()  # decided as the rules decide them
    notify.escalation(ticket, step="overdue", audience=notify.HEADS).save()
    notify.tell_pending()
    for email in OutgoingEmail.objects.all():
        email_send(email_id=email.pk)
    assert len(smtp_server.messages) == 4  # dispatched, accepted (make_ticket), the extension, the escalation
    for recipients, message in smtp_server.messages:
        assert "victim@example.com" not in recipients and message["Bcc"] is None  # no header injection
        assert [part.get_content_type() for part in message.walk() if not part.is_multipart()] == ["text/plain"]
    bodies = "".join(message.get_content() for _to, message in smtp_server.messages)
    assert xss("mail-title") in bodies and xss("mail-reason") in bodies  # shown as typed, as text


# -- throttling --------------------------------------------------------------------------------------
def _forget_throttles() -> None:
    """Delete the throttles' counters in the real Redis (raw keys: they carry the cache's prefix already)."""
    redis = cache._cache.get_client()
    if keys := redis.keys("*throttle*"):
        redis.delete(*keys)


@pytest.fixture
def fresh_throttles():
    _forget_throttles()
    yield
    _forget_throttles()


def test_login_is_throttled_with_429_and_a_chinese_message(world, fresh_throttles, monkeypatch):
    monkeypatch.setitem(LoginThrottle.THROTTLE_RATES, "login", "5/min")
    client = api()
    answers = [
        client.post("/api/v1/auth/token/", {"username": "qiye-a", "password": "wrong"}, format="json") for _ in range(6)
    ]
    assert [a.status_code for a in answers] == [400] * 5 + [429]
    assert answers[-1].json()["code"] == "throttled" and "请求过于频繁" in answers[-1].json()["detail"]
    assert int(answers[-1]["Retry-After"]) >= 1
    # the right password does not get through the throttle either
    right = client.post("/api/v1/auth/token/", {"username": "qiye-a", "password": PASSWORD}, format="json")
    assert right.status_code == 429


def test_submit_is_throttled_per_user_with_429_and_a_chinese_message(world, fresh_throttles, monkeypatch):
    from common.throttling import SubmitThrottle

    monkeypatch.setitem(SubmitThrottle.THROTTLE_RATES, "submit", "3/min")
    client = api(world.company_user)
    codes = [client.post("/api/v1/tickets/", GOOD, format="json").status_code for _ in range(4)]
    assert codes == [201, 201, 201, 429]
    refused = client.post("/api/v1/tickets/", GOOD, format="json")
    assert "请求过于频繁" in refused.json()["detail"]
    assert Ticket.objects.count() == 3
    assert client.get("/api/v1/tickets/").status_code == 200  # reading is not throttled
    assert api(world.other_company_user).post("/api/v1/tickets/", GOOD, format="json").status_code == 201


def test_a_submit_is_counted_in_one_redis_key_that_ends_with_its_window(world, fresh_throttles):
    """One counter per user and window, counted in one round trip (common/throttling.py): the key holds the count
    and expires with the window (the rate's period)."""
    client = api(world.company_user)
    assert [client.post("/api/v1/tickets/", GOOD, format="json").status_code for _ in range(2)] == [201, 201]
    redis = cache._cache.get_client()
    [key] = redis.keys("*throttle_submit_*")
    assert key.decode().endswith(f"throttle_submit_{world.company_user.pk}")
    assert int(redis.get(key)) == 2 and 0 < redis.ttl(key) <= 60


def test_the_web_login_shares_the_login_throttle(world, fresh_throttles, monkeypatch, client):
    monkeypatch.setitem(LoginThrottle.THROTTLE_RATES, "login", "3/min")
    codes = [client.post("/login/", {"username": "qiye-a", "password": "wrong"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]  # the form again with its error, then refused
    refused = client.post("/login/", {"username": "qiye-a", "password": PASSWORD})
    assert refused.status_code == 429 and "请求过于频繁" in refused.content.decode()
    assert int(refused["Retry-After"]) >= 1
    assert client.get("/login/").status_code == 200  # the page itself is not throttled


def test_the_web_request_form_shares_the_submit_throttle(world, fresh_throttles, monkeypatch, client):
    from common.throttling import SubmitThrottle

    monkeypatch.setitem(SubmitThrottle.THROTTLE_RATES, "submit", "2/min")
    client.force_login(world.company_user)
    form = {"title": "用电增容", "description": "请办理变压器增容。"}
    codes = [client.post("/my/new/", {**form, "form_token": f"t{n}"}).status_code for n in range(3)]
    assert codes == [302, 302, 429]
    assert Ticket.objects.count() == 2
