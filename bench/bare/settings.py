"""The limit a ticket-creation figure is measured against (issue 14): the same Django, the same database and
models, but no middleware, no services, no reactions — one django-ninja endpoint (bench/bare/urls.py).

    DJANGO_SETTINGS_MODULE=bench.bare.settings gunicorn config.wsgi:application …   (bench.run starts it)
"""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bare.urls"
MIDDLEWARE = []
# Nothing reacts to anything here: the endpoint publishes no event.
AWN_EVENT_SUBSCRIPTIONS = "bench.no_subscriptions.SUBSCRIPTIONS"
