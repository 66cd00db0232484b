# Celery's app is loaded with Django, so that `@job` tasks bind to it (the documented Django layout).
from .celery import app as celery_app

__all__ = ("celery_app",)
