"""The parts of a ticket's page printed in Python are the markup the page's template printed for them: the action
forms (tickets/web/action_forms.py: every kind of field, chosen values, errors and files to choose again) and the
timeline (the `timeline` tag), in both languages."""

from pathlib import Path

import pytest
from django.http import QueryDict
from django.template import Context, Template
from django.test.html import parse_html
from django.utils import timezone, translation

from tickets.api.serializers import ACTION_INPUTS
from tickets.models import Assignment, Status, Ticket, TicketEvent
from tickets.templatetags.ticket_tags import timeline
from tickets.transitions import ACTIONS
from tickets.web.action_forms import action_forms
from tickets.web.views import Failed, _action_form

from ..factories import DepartmentFactory

# The loop detail.html ran over the forms before they were printed in Python (as it was at commit 291f29c).
TEMPLATE = "{% load i18n %}" + (Path(__file__).parents[1] / "data" / "detail_action_forms.html").read_text()
CSRF = '<input type="hidden" name="csrfmiddlewaretoken" value="token">'


def template_forms(actions, ticket_id: int, version: int) -> str:
    ticket = {"pk": ticket_id, "version": version}
    return Template(TEMPLATE).render(Context({"actions": actions, "ticket": ticket, "csrf_token": "token"}))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("refused", [False, True])
def test_the_forms_are_the_templates(world, language, refused):
    names = [name for name in ACTION_INPUTS if ACTIONS[name].is_public_api]
    initial = {"category": "x", "lead": world.lead.code, "assisting": [world.assisting.code]}
    with translation.override(language):
        actions = []
        for name in names:
            failed = None
            if refused:  # what was typed (a markup character in it), errors by field, the files to choose again
                values = QueryDict(mutable=True)
                for field in ("body", "note", "reason", "days", "public", "satisfied", "assisting", "lead"):
                    values.setlist(field, ["<b>typed</b>", "true", world.lead.code])
                failed = Failed(name, values, {"body": ["必填 <x>"], "confirmed": ["请勾选"]}, ["a<b>.pdf"])
            actions.append(_action_form(ACTIONS[name], initial, frozenset(), failed))
        actions[1]["open"] = True
        kinds = {f["kind"] for action in actions for f in action["fields"]}
        assert kinds == {"text", "textarea", "number", "checkbox", "confirm", "yesno", "select", "multiple", "files"}
        printed = action_forms(actions, ticket_id=42, version=3, csrf_input=CSRF)
        assert parse_html(printed) == parse_html(template_forms(actions, 42, 3))
    assert printed.count("<form") == len(names) and "<b>" not in printed


# The timeline's loop in detail.html before it was printed in Python (as it was at commit b23e3be).
TIMELINE = (
    '{% load i18n %}{% for e in events %}<li><time>{{ e.created_at|date:"Y-m-d H:i" }}</time> <b>{{ e.label }}</b> '
    '{{ e.actor.display_name|default:_("平台") }}{% if e.note %}：{{ e.note }}{% endif %}</li>{% endfor %}'
)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_timeline_is_the_templates(world, language):
    at = timezone.now().replace(hour=17, minute=5)  # the next day in the site's time zone (UTC+8)
    events = [
        TicketEvent(action="submit", actor=world.company_user, note="", created_at=at),
        TicketEvent(action="dispatch", actor=None, note="<i>派单</i> & 说明", created_at=at),
        TicketEvent(action="no-such-action", actor=world.handler, note="x", created_at=at),
    ]
    with translation.override(language):
        printed = timeline(events)
        assert parse_html(printed) == parse_html(Template(TIMELINE).render(Context({"events": events})))
    assert "<i>" not in printed and "&lt;i&gt;" in printed


def test_a_plain_forms_fields_are_made_once_and_printed_in_the_readers_language(world):
    """Not refused, nothing to start from, no choices from the database: the same fields for every page, their labels
    translated when printed."""
    names = [name for name in ACTION_INPUTS if ACTIONS[name].is_public_api]
    with translation.override("zh-hans"):
        forms = {name: _action_form(ACTIONS[name], {}, frozenset(), None) for name in names}
    plain = [name for name, form in forms.items() if not {"select", "multiple"} & {f["kind"] for f in form["fields"]}]
    asked = next(n for n in plain if any(f["kind"] == "yesno" for f in forms[n]["fields"]))  # a yes/no question
    for name in plain:
        assert _action_form(ACTIONS[name], {}, frozenset(), None)["fields"] is forms[name]["fields"]
    with translation.override("en"):
        printed = action_forms([forms[asked]], ticket_id=1, version=1, csrf_input=CSRF)
    assert "Yes" in printed and "是" not in printed


def test_a_department_picker_is_read_for_each_page(world):
    form = _action_form(ACTIONS["dispatch"], {}, frozenset(), None)
    assert "xinbumen" not in action_forms([form], ticket_id=1, version=1, csrf_input=CSRF)
    DepartmentFactory(code="xinbumen", name="新部门")
    assert "xinbumen" in action_forms(
        [_action_form(ACTIONS["dispatch"], {}, frozenset(), None)], ticket_id=1, version=1, csrf_input=CSRF
    )


# The facts of detail.html before they were printed in Python (as they were at commit f309290).
FACTS = "{% load i18n ticket_tags %}" + (Path(__file__).parents[1] / "data" / "detail_facts.html").read_text()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("status", [Status.PENDING_DISPATCH, Status.ACCEPTED])
@pytest.mark.parametrize("public_only", [False, True])
def test_the_facts_are_the_templates(world, make_ticket, language, status, public_only):
    ticket = make_ticket(status)
    Assignment.objects.create(ticket=ticket, department=world.assisting, role="assist")
    Assignment.objects.create(ticket=ticket, department=DepartmentFactory(), role="assist", state="cancelled")
    ticket = Ticket.objects.select_related("company", "category", "lead_department").get(pk=ticket.pk)
    ticket.evaluate_deadline = ticket.due_at = timezone.now()
    ticket.leader_name = "<b>王</b>"
    contacts = [
        {"name": "张<三>", "phone": "139****1234", "may_reveal": True},
        {"name": "", "phone": "", "may_reveal": False},
    ]
    with translation.override(language):
        for contact in contacts:
            context = {"ticket": ticket, "contact": contact, "public_only": public_only, "now": timezone.now(),
                       "csrf_token": "token"}  # fmt: skip
            printed = Template("{% load ticket_tags %}{% facts ticket contact public_only now %}").render(
                Context(context)
            )
            assert parse_html(printed) == parse_html(Template(FACTS).render(Context(context)))
            # parse_html folds white space; a browser shows it: the number and its button apart, as before
            assert ("1234\n" in printed) == (contact["may_reveal"] and not public_only)
            assert "<b>" not in printed and ("&lt;三&gt;" in printed or public_only or not contact["name"])
    assert world.assisting.local_name in printed and "reveal-phone" not in printed  # the last contact: none to reveal


def test_a_ticket_without_assignments_or_category_shows_dashes(world, make_ticket):
    ticket = make_ticket(Status.SUBMITTED)
    context = {"ticket": ticket, "contact": {"name": "", "phone": "", "may_reveal": False}, "public_only": False,
               "now": timezone.now(), "csrf_token": "token"}  # fmt: skip
    printed = Template("{% load ticket_tags %}{% facts ticket contact public_only now %}").render(Context(context))
    assert parse_html(printed) == parse_html(Template(FACTS).render(Context(context)))
    assert printed.count("—") >= 4
