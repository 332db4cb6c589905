"""The action forms of a ticket's page, printed in Python (DESIGN.md §11, issue 16).

Each form is read off the API's input serializer (`tickets.web.views._action_form`: the same fields, the same
validation); printing them through the template engine (a loop over the fields, eight kinds tried in turn for each,
lookups through dicts and lazy labels) cost about 1.5 ms of CPU for a handler's five forms, a third of the page's.
The markup is the template's; every value is escaped (the standard library's html.escape, as Django's `escape`)."""

from html import escape

from django.urls import reverse
from django.utils.translation import gettext as _

ACCEPTED_FILES = ".pdf,.jpg,.jpeg,.png,.doc,.docx,.xls,.xlsx"


def action_forms(actions: list[dict], *, ticket_id: int, version: int, csrf_input: str) -> str:
    """The <details> of each action (`_action_form`'s dicts, the open one marked `open`), each holding its form:
    the CSRF token (`csrf_input`, as `{% csrf_token %}` prints it), the version seen, the fields, the button."""
    # The forms' address reversed once, not once a form (11 µs each): a slug needs no quoting in a path.
    before, after = reverse("web-ticket-act", args=[ticket_id, _SLUG]).rsplit(_SLUG, 1)
    return "".join(_action(action, f"{before}{action['slug']}{after}", version, csrf_input) for action in actions)


_SLUG = "the-action"  # a slug no ticket's path holds otherwise: replaced by each action's


def _action(action: dict, url: str, version: int, csrf_input: str) -> str:
    label, slug, url = escape(str(action["label"])), escape(action["slug"]), escape(url)
    fields = "".join(_field(f) + _errors(f) for f in action["fields"])
    return (
        f"<details{' open' if action.get('open') else ''}>\n    <summary>{label}</summary>\n"
        f'    <form method="post" action="{url}" data-action="{slug}" enctype="multipart/form-data" novalidate>'
        f'{csrf_input}\n      <input type="hidden" name="version" value="{version:d}">\n'
        f'{fields}      <button type="submit">{label}</button>\n    </form>\n  </details>\n'
    )


def _field(f: dict) -> str:
    kind, name, label = f["kind"], escape(f["name"]), escape(str(f["label"]))
    required = f.get("required", False)
    star, req = (" *", " required") if required else ("", "")
    initial = f.get("initial") or []
    if kind == "checkbox":
        checked = " checked" if "true" in initial else ""
        return f'<label class="check"><input type="checkbox" name="{name}" value="true"{checked}> {label}</label>\n'
    if kind == "confirm":
        return (
            f'<label class="check"><input type="checkbox" name="{name}" value="yes" required aria-required="true">'
            f" {label}</label>\n"
        )
    if kind == "yesno":
        radios = "".join(
            f'<label class="check"><input type="radio" name="{name}" value="{escape(str(value))}"'
            f"{' checked' if value in initial else ''}{req}> {escape(str(text))}</label>"
            for value, text in f["choices"]
        )
        return f'<fieldset class="choice"><legend>{label}{star}</legend>\n{radios}\n</fieldset>\n'
    if kind == "multiple":
        groups = "".join(
            f"<fieldset><legend>{escape(str(group))}</legend>\n"
            + "".join(
                f'<label class="check"><input type="checkbox" name="{name}" value="{escape(str(value))}"'
                f"{' checked' if value in initial else ''}> {escape(str(text))}</label>"
                for value, text in choices
            )
            + "\n</fieldset>"
            for group, choices in f["groups"]
        )
        return (
            f'<fieldset class="choice" id="pick-{name}"><legend>{label}{star}</legend>\n'
            f'<div class="pick">{groups}</div>\n</fieldset>\n'
        )
    if kind == "select":
        groups = "".join(
            f'<optgroup label="{escape(str(group))}">{_options(choices, initial)}</optgroup>'
            for group, choices in f.get("groups", ())
        )
        empty = escape(_("请选择")) if required else "—"
        return (
            f'<label>{label}{star}<select name="{name}"{req}>\n<option value="">{empty}</option>\n'
            f"{groups}\n{_options(f.get('choices', ()), initial)}\n</select></label>\n"
        )
    if kind == "files":
        text = f"<small>{escape(str(f['help']))}</small>" if f.get("help") else ""
        lost = ""
        if f.get("lost"):
            names = _("浏览器不会保留已选的文件，请重新选择附件：%(names)s") % {"names": "、".join(f["lost"])}
            lost = f'<p class="error lost-files" role="alert">{escape(names)}</p>\n'
        return (
            f'<label>{label}<input type="file" name="{name}" multiple accept="{ACCEPTED_FILES}"{req}>\n{text}</label>\n'
            f"{lost}"
        )
    if kind == "textarea":
        limit = escape(_("最多 %(limit)s 字") % {"limit": f["max"]})
        return (
            f'<label>{label}{star}<textarea name="{name}" rows="3"{req}>{escape(str(f["value"]))}</textarea>\n'
            f"<small>{limit}</small></label>\n"
        )
    value = "" if f.get("value") is None else escape(str(f["value"]))
    number = ' type="number" min="1"' if kind == "number" else ""
    text = f"<small>{escape(str(f['help']))}</small>" if f.get("help") else ""
    return f'<label>{label}{star}<input name="{name}" value="{value}"{number}{req}>{text}</label>\n'


def _options(choices, initial) -> str:
    return "".join(
        f'<option value="{escape(str(value))}"{" selected" if value in initial else ""}>{escape(str(text))}</option>'
        for value, text in choices
    )


def _errors(f: dict) -> str:
    name = escape(f["name"])
    return "".join(f'<span class="error" data-field="{name}">{escape(str(e))}</span>' for e in f.get("errors", ()))
