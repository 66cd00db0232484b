"""ASGI entry point: HTTP goes to Django, WebSockets to Channels consumers.

`/ws/agent/` (awn/realtime/routing.py): every workspace page's socket, with the staff session and only
ALLOWED_HOSTS as origin; live chat's agent side talks over it (awn/chat/consumers.ChatProtocol), and so does collision detection
on ticket pages (awn/realtime/presence.TicketPresence).
`/ws/chat/<token>/` (awn/chat/routing.py): the chat widget's visitor, also from the sites that embed it.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()  # sets Django up before the consumers import models

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402

from awn.chat.consumers import ChatProtocol  # noqa: E402
from awn.chat.routing import websocket_urlpatterns as chat_urlpatterns  # noqa: E402
from awn.realtime.presence import TicketPresence  # noqa: E402
from awn.realtime.routing import agent_urlpatterns  # noqa: E402

if settings.AWN_EMBEDDED:
    # One process (`bin/awn up`): the job pool and its scheduler start with the server, so periodic work (the
    # IMAP poll, the sweeps) runs before any request enqueues a job.
    from awn.core.tasks import start as start_background_jobs

    start_background_jobs()

if settings.AWN_AMI_EMBEDDED:  # one-process mode: Asterisk screen pops reach this process's sockets
    from awn.connectors.providers.asterisk.embedded import start_embedded_listener

    start_embedded_listener()

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": URLRouter([*agent_urlpatterns(ChatProtocol, TicketPresence), *chat_urlpatterns]),
    }
)
