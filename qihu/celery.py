import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

from common import broker

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qihu.settings")
broker.install()  # Redis publishing through one client per channel (common/broker.py)

app = Celery("qihu")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def _close_old_database_connections(**_kwargs) -> None:
    """Each task starts like a web request: a broken or too old connection (CONN_MAX_AGE) is dropped."""
    from django.db import close_old_connections

    close_old_connections()


@task_prerun.connect
def _new_unit_of_work(**kwargs) -> None:
    """A task that writes reads its own writes from the primary, as a request does (common/replica.py)."""
    from common.replica import unit_of_work_started

    unit_of_work_started(**kwargs)
