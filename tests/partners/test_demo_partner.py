"""The demo's partner system answers to the key docs/integrations.md gives."""

from demo.loader import load_partner
from partners.models import PartnerKey

from .conftest import PartnerClient, order


def test_the_documented_demo_key_files_a_work_order(world):
    load_partner()
    load_partner()  # idempotent, like the rest of the demo
    key = PartnerKey.objects.get()
    assert (key.key_id, key.secret, key.partner.name) == ("qk_demo12345", "qihu-demo-partner-secret", "12345 热线平台")
    response = PartnerClient(key).post_json("/api/v1/partner/work-orders/", order(world, "12345-20261205-0001"))
    assert response.status_code == 201
