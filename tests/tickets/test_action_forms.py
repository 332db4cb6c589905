"""The action forms of a ticket's page, printed in Python (tickets/web/action_forms.py), are the markup the page's
template printed for them: every kind of field, chosen values, errors and files to choose again, both languages."""

import pytest
from django.http import QueryDict
from django.template import Context, Template
from django.test.html import parse_html
from django.utils import translation

from tickets.api.serializers import ACTION_INPUTS
from tickets.transitions import ACTIONS
from tickets.web.action_forms import action_forms
from tickets.web.views import Failed, _action_form

# The loop detail.html ran over the forms before they were printed in Python (as it was at commit 291f29c).
TEMPLATE = """{% load i18n %}  {% for action in actions %}
  <details{% if action.open %} open{% endif %}>
    <summary>{{ action.label }}</summary>
    {# novalidate: the server checks and says what is missing in the user's language, keeping what was typed #}
    <form method="post" action="{% url 'web-ticket-act' ticket.pk action.slug %}" data-action="{{ action.slug }}" enctype="multipart/form-data" novalidate>{% csrf_token %}
      <input type="hidden" name="version" value="{{ ticket.version }}">
      {% for f in action.fields %}
        {% if f.kind == "checkbox" %}
          <label class="check"><input type="checkbox" name="{{ f.name }}" value="true"{% if "true" in f.initial %} checked{% endif %}> {{ f.label }}</label>
        {% elif f.kind == "confirm" %}
          <label class="check"><input type="checkbox" name="{{ f.name }}" value="yes" required aria-required="true"> {{ f.label }}</label>
        {% elif f.kind == "yesno" %}
          <fieldset class="choice"><legend>{{ f.label }}{% if f.required %} *{% endif %}</legend>
            {% for value, text in f.choices %}<label class="check"><input type="radio" name="{{ f.name }}" value="{{ value }}"{% if value in f.initial %} checked{% endif %}{% if f.required %} required{% endif %}> {{ text }}</label>{% endfor %}
          </fieldset>
        {% elif f.kind == "multiple" %}
          <fieldset class="choice" id="pick-{{ f.name }}"><legend>{{ f.label }}{% if f.required %} *{% endif %}</legend>
            <div class="pick">{% for group, choices in f.groups %}<fieldset><legend>{{ group }}</legend>
              {% for value, text in choices %}<label class="check"><input type="checkbox" name="{{ f.name }}" value="{{ value }}"{% if value in f.initial %} checked{% endif %}> {{ text }}</label>{% endfor %}
            </fieldset>{% endfor %}</div>
          </fieldset>
        {% elif f.kind == "select" %}
          <label>{{ f.label }}{% if f.required %} *{% endif %}<select name="{{ f.name }}"{% if f.required %} required{% endif %}>
            <option value="">{% if f.required %}{% trans "请选择" %}{% else %}—{% endif %}</option>
            {% for group, choices in f.groups %}<optgroup label="{{ group }}">{% for value, text in choices %}<option value="{{ value }}"{% if value in f.initial %} selected{% endif %}>{{ text }}</option>{% endfor %}</optgroup>{% endfor %}
            {% for value, text in f.choices %}<option value="{{ value }}"{% if value in f.initial %} selected{% endif %}>{{ text }}</option>{% endfor %}
          </select></label>
        {% elif f.kind == "files" %}
          <label>{{ f.label }}<input type="file" name="{{ f.name }}" multiple accept=".pdf,.jpg,.jpeg,.png,.doc,.docx,.xls,.xlsx"{% if f.required %} required{% endif %}>
            {% if f.help %}<small>{{ f.help }}</small>{% endif %}</label>
          {% if f.lost %}<p class="error lost-files" role="alert">{% blocktrans with names=f.lost|join:"、" %}浏览器不会保留已选的文件，请重新选择附件：{{ names }}{% endblocktrans %}</p>{% endif %}
        {% elif f.kind == "textarea" %}
          <label>{{ f.label }}{% if f.required %} *{% endif %}<textarea name="{{ f.name }}" rows="3"{% if f.required %} required{% endif %}>{{ f.value }}</textarea>
            <small>{% blocktrans with limit=f.max %}最多 {{ limit }} 字{% endblocktrans %}</small></label>
        {% else %}
          <label>{{ f.label }}{% if f.required %} *{% endif %}<input name="{{ f.name }}" value="{{ f.value|default_if_none:'' }}"{% if f.kind == "number" %} type="number" min="1"{% endif %}{% if f.required %} required{% endif %}>{% if f.help %}<small>{{ f.help }}</small>{% endif %}</label>
        {% endif %}
        {% for error in f.errors %}<span class="error" data-field="{{ f.name }}">{{ error }}</span>{% endfor %}
      {% endfor %}
      <button type="submit">{{ action.label }}</button>
    </form>
  </details>
  {% endfor %}
"""
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
