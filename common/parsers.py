"""The API's JSON parser (REST_FRAMEWORK's DEFAULT_PARSER_CLASSES): DRF's, refusing a body nested too deep.

Its own module: common.api imports rest_framework.views, whose APIView reads the default parsers on import.
"""

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

# Our bodies nest two levels (an object of lists); 32 is generous. Python's JSON decoder recurses once a level:
# 50,000 levels raised RecursionError in the parser, and 900 parsed but overflowed the stack in the serializers
# afterwards (both 500s).
MAX_JSON_DEPTH = 32


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing a body nested over MAX_JSON_DEPTH levels with a ParseError (400)."""

    def parse(self, stream, media_type=None, parser_context=None):
        too_deep = ParseError(_("提交的 JSON 嵌套过深（最多 %(depth)d 层）。") % {"depth": MAX_JSON_DEPTH})
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise too_deep from None
        if nested_deeper(data, MAX_JSON_DEPTH):
            raise too_deep
        return data


def nested_deeper(data, depth: int) -> bool:
    """Whether lists and objects nest more than `depth` levels in `data`: one level at a time, no recursion."""
    level = [data]
    for _level in range(depth):
        level = [
            child for v in level if isinstance(v, list | dict) for child in (v.values() if isinstance(v, dict) else v)
        ]
        if not level:
            return False
    return any(isinstance(v, list | dict) for v in level)
