"""Reads of companies."""

from django.db.models import QuerySet

from privacy.crypto import blind_index

from .models import Company


def company_find_by_phone(phone: str) -> QuerySet[Company]:
    """The companies whose contact phone is this number (however written: +86, dashes, spaces), found through
    the blind index (the numbers themselves are stored encrypted: privacy/crypto.py). An empty number finds none."""
    index = blind_index(phone)
    return Company.objects.filter(contact_phone_index=index) if index else Company.objects.none()
