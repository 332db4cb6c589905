"""The intake desk's people: a 12345-8 hotline operator and counter staff of another service centre."""

from dataclasses import dataclass

import pytest

from accounts.roles import Role
from departments.models import Department

from ..factories import DepartmentFactory, UserFactory, member


@dataclass
class Desk:
    hotline: Department
    counter: Department
    operator: object  # intake role at the hotline
    counter_clerk: object  # intake role at the counter


@pytest.fixture
def desk(world) -> Desk:
    hotline = DepartmentFactory(code="rexian", name="12345-8营商环境热线", kind=Department.Kind.SERVICE)
    counter = DepartmentFactory(code="kecheng-fuwu", name="柯城区企业服务中心", kind=Department.Kind.SERVICE)
    operator = member(UserFactory(username="shouli-rexian", first_name="王接线"), hotline, Role.INTAKE)
    clerk = member(UserFactory(username="shouli-kecheng"), counter, Role.INTAKE)
    return Desk(hotline, counter, operator, clerk)
