"""The Celery application: `celery -A config worker` runs Awn's jobs, `celery -A config beat` its schedule.

Every job is declared with `awn.core.tasks.job` in an app's `tasks` module; periodic work is the one list in
config/schedule.py, which beat and the embedded scheduler run alike.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("awn")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _beat_schedule(sender: Celery, **_: object) -> None:
    from config.schedule import SCHEDULE

    for entry in SCHEDULE:
        sender.add_periodic_task(entry.every, sender.signature(entry.task), name=entry.task)
