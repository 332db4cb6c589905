"""Partners in the admin: created with their system account, keys issued (secret shown once) and revoked."""

from audit.models import AuditRecord
from partners.models import Partner, PartnerKey


def test_an_admin_creates_a_partner_issues_and_revokes_keys(world, client):
    client.force_login(world.admin)
    response = client.post(
        "/admin/partners/partner/add/",
        {"name": "12345 热线平台", "code": "hotline", "active": "on", "keys-TOTAL_FORMS": "0",
         "keys-INITIAL_FORMS": "0"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    partner = Partner.objects.get(code="hotline")
    assert partner.user.username == "partner-hotline" and not partner.user.is_active
    assert not partner.user.has_usable_password()

    issued = client.post(
        "/admin/partners/partner/", {"action": "issue_key", "_selected_action": [partner.pk]}
    ).content.decode()
    key = PartnerKey.objects.get(partner=partner)
    assert key.secret in issued and f"{key.key_id}:{key.secret}" in issued
    change = client.get(f"/admin/partners/partner/{partner.pk}/change/").content.decode()
    assert key.key_id in change and key.secret not in change  # shown once, never again
    assert key.secret not in client.get(f"/admin/partners/partnerkey/{key.pk}/change/").content.decode()

    client.post("/admin/partners/partnerkey/", {"action": "revoke", "_selected_action": [key.pk]})
    key.refresh_from_db()
    assert key.revoked_at is not None
    changes = (
        AuditRecord.objects.filter(object_type="partners.partnerkey").order_by("pk").values_list("details", flat=True)
    )
    assert [d["change"] for d in changes] == ["key_issued", "key_revoked"]
