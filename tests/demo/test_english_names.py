"""Departments, categories and chains named in English in English mode, where the data has an English name."""

from django.utils import translation

from companies.models import IndustryChain
from demo.loader import load_reference
from departments.models import Department
from triage.models import Category


def test_the_demo_names_every_department_category_and_chain_in_english(db):
    load_reference()
    for model in (Department, Category, IndustryChain):
        assert not model.objects.filter(name_en="").exists(), model
    power = Department.objects.get(code="gongdian")
    energy = Category.objects.get(code="energy")
    with translation.override("en"):
        assert (power.local_name, str(power)) == ("State Grid Quzhou Power Supply",) * 2
        assert str(energy) == "Factors: energy"
    with translation.override("zh-hans"):
        assert (power.local_name, str(power), str(energy)) == ("国网衢州供电公司", "国网衢州供电公司", "要素保障-用能")


def test_without_an_english_name_the_chinese_one_shows(db):
    department = Department.objects.create(code="x", name="市某局", kind=Department.Kind.CITY)
    with translation.override("en"):
        assert department.local_name == "市某局"


def test_demo_answers_fit_their_requests_and_gas_goes_to_the_gas_regulator():
    """Issue 15: a water-pressure request was answered about sewage, a gas complaint routed to the power company."""
    from demo import content, reference
    from demo.loader import fitting_reply

    pressure = next(r for r in content.REQUESTS if "供水压力不足" in r["title"])
    assert "压力" in fitting_reply(pressure["title"] + pressure["description"], content.REPLIES["water"])
    gas = [r for r in content.REQUESTS if "天然气" in r["title"]]
    assert gas and {r["category"] for r in gas} == {"gas"}
    leads = {code: lead for code, _name, _keywords, lead, _assisting in reference.CATEGORIES}
    assert leads["gas"] == "zhujian" and leads["energy"] == "gongdian"
    assert all("燃气" in reply or "供气" in reply for reply in content.REPLIES["gas"])
