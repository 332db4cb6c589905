"""Parallel appends make one chain: serialised by the advisory lock, none fails, no number twice, no fork."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from audit import services
from audit.models import Action, AuditRecord


@pytest.mark.django_db(transaction=True)
def test_parallel_appends_make_one_unbroken_chain():
    def append(worker: int) -> int:
        try:
            for i in range(10):
                services.record(Action.EXPORT, username=f"w{worker}", details={"i": i})
            return 10
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert sum(pool.map(append, range(8))) == 80
    assert list(AuditRecord.objects.order_by("seq").values_list("seq", flat=True)) == list(range(1, 81))
    result = services.verify()
    assert (result.ok, result.count) == (True, 80)
