"""Settled history to train the model on."""

import pytest
from django.utils import timezone

from tickets.services import ticket_import
from triage.models import Category, RoutingRule

ENERGY = [
    ("变压器容量不足", "新生产线投产需要用电增容，请供电公司尽快办理报装。"),
    ("厂区频繁停电", "近一个月厂区线路跳闸三次，影响生产，请协调电力抢修。"),
    ("天然气压力不足", "园区燃气管网压力偏低，锅炉无法满负荷运行。"),
]
LAND = [
    ("新项目用地指标", "扩产项目需要新增工业用地约三十亩，请协调土地指标。"),
    ("土地证迟迟未办", "厂房竣工已半年，不动产权证书仍未办理。"),
    ("地块规划调整", "企业申请地块容积率调整，规划审批进展缓慢。"),
]


@pytest.fixture
def settled(world):
    """Six tickets whose categories came with history: enough to train on."""
    land = Category.objects.create(code="land", name="要素保障-用地")
    RoutingRule.objects.create(category=land, lead=world.county)
    for n, (title, text) in enumerate(ENERGY + LAND):
        ticket_import(
            company=world.company, external_id=f"h{n}", title=title, description=text,
            submitted_at=timezone.now(), category=world.energy if n < len(ENERGY) else land,
        )  # fmt: skip
    return land
