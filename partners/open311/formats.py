"""Open311 GeoReport v2 answers in its two formats: a JSON array, or XML with the spec's element names."""

from xml.etree import ElementTree as ET

from django.http import HttpResponse, JsonResponse

# A list's elements in XML: <attributes><attribute>…, <values><value>…
ITEM_NAMES = {"attributes": "attribute", "values": "value"}


def respond(data, fmt: str, *, root: str, item: str, status: int = 200) -> HttpResponse:
    """`data` (a list of dicts, or one dict for a service definition) as JSON, or as XML under <root>, each
    dict an <item>."""
    if fmt == "json":
        return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})
    element = ET.Element(root)
    for row in data if isinstance(data, list) else [data]:
        _fill(ET.SubElement(element, item) if isinstance(data, list) else element, row)
    body = ET.tostring(element, encoding="unicode", xml_declaration=False)
    return HttpResponse(
        '<?xml version="1.0" encoding="utf-8"?>\n' + body, status=status, content_type="text/xml; charset=utf-8"
    )


def _fill(parent: ET.Element, row: dict) -> None:
    for name, value in row.items():
        child = ET.SubElement(parent, name)
        if isinstance(value, list):
            for entry in value:
                _fill(ET.SubElement(child, ITEM_NAMES.get(name, "item")), entry)
        elif isinstance(value, bool):
            child.text = "true" if value else "false"
        elif value is not None:
            child.text = str(value)


def errors(fmt: str, status: int, description: str) -> HttpResponse:
    """The spec's error array: [{"code": 403, "description": "…"}], <errors><error>… in XML."""
    return respond([{"code": status, "description": description}], fmt, root="errors", item="error", status=status)
