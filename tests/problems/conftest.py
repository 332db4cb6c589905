import pytest

from tests.factories import CompanyFactory, UserFactory

# The same problem (one industrial park's power cuts) in the words of three different companies.
SAME = [
    (
        "绿色产业园频繁停电影响生产",
        "衢江区绿色产业园本月已停电四次，每次停电生产线全部中断，请供电部门尽快解决园区供电问题。",
    ),
    (
        "绿色产业园供电不稳定经常停电",
        "我司位于衢江区绿色产业园，园区近期频繁停电，设备损坏严重，希望供电公司排查园区线路。",
    ),
    ("衢江区绿色产业园停电问题", "绿色产业园三天两头停电，园区企业生产受到很大影响，恳请尽快改造园区供电线路。"),
]
# Other problems: they must stay apart.
OTHER = [
    ("申请高新技术企业认定补贴", "我司去年通过高新技术企业认定，请问认定奖励资金什么时候兑现，需要提交哪些材料？"),
    ("招工难希望组织专场招聘会", "公司扩产急需一百名一线操作工，希望人社部门帮助组织专场招聘会。"),
    ("厂区门口道路破损需要修缮", "厂区门口的道路坑洼破损，货车进出困难，请交通部门安排修缮。"),
    ("出口退税办理进度咨询", "我司三月申报的出口退税至今未到账，想了解办理进度。"),
]


@pytest.fixture
def third_user(world):
    company = CompanyFactory(district=world.county)
    company.chains.set([world.chain])
    return UserFactory(username="qiye-c", company=company)
