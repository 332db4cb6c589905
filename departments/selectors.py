"""Reads of departments for pages."""

KIND_ORDER = {"city": 0, "county": 1, "service": 2, "chain_group": 3}


def grouped_by_kind(departments) -> list[tuple[str, list[tuple[str, str]]]]:
    """Departments grouped by kind (市级部门, 县(市、区), 服务板块, 产业链专班), each group by code: for option groups
    and grouped check boxes."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for d in sorted(departments, key=lambda d: (KIND_ORDER.get(d.kind, 9), d.code)):
        groups.setdefault(d.get_kind_display(), []).append((d.code, d.name))
    return list(groups.items())
