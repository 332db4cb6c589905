import factory

from accounts.models import User
from companies.credit_code import check_character
from companies.models import Company, IndustryChain
from departments.models import Department, Membership

PASSWORD = "secret-pass"


class ChainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IndustryChain
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"chain{n}")
    name = factory.Sequence(lambda n: f"产业链{n}")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"dept{n}")
    name = factory.Sequence(lambda n: f"部门{n}")
    kind = Department.Kind.CITY


def _credit_code(n: int) -> str:
    body = f"91330800MA{n:07d}"
    return body + check_character(body)


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"衢州测试企业{n}有限公司")
    credit_code = factory.Sequence(_credit_code)
    contact_name = "张三"
    contact_phone = "13805700000"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.gov.cn")
    password = factory.django.Password(PASSWORD)


def member(user: User, department: Department, role: str) -> User:
    Membership.objects.get_or_create(user=user, department=department, role=role)
    return user
