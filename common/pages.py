"""What every decision page does with a POST (the common problems', the list items'): the API's input serializer
validates, the service decides, and a refusal — invalid input, a role or a state that does not allow it — shows
the same page again with what was typed and the reason, in the user's language; success redirects."""

from collections.abc import Callable

from django.contrib import messages
from django.http import Http404
from django.utils.translation import gettext as _

from common.errors import DomainError


def decide_on_page(request, *, decision: str, label: str, serializer, act: Callable, page: Callable, done: Callable):
    """`act(validated_data)` → (what to show next, the message); `page(failed=…, status=…)` renders the refusal;
    `done(shown)` is where to go after success."""
    data = serializer(data=request.POST)
    if not data.is_valid():
        errors = {name: [str(e) for e in errs] for name, errs in data.errors.items()}
        messages.error(request, _("“%(action)s”未完成，请按提示修改后再提交。") % {"action": label})
        return page(failed={"decision": decision, "errors": errors, "values": request.POST}, status=400)
    try:
        shown, message = act(data.validated_data)
    except DomainError as exc:
        messages.error(request, exc.message)
        if exc.status_code == 404:
            raise Http404 from None
        return page(failed={"decision": decision, "errors": {}, "values": request.POST}, status=exc.status_code)
    messages.success(request, message)
    return done(shown)
