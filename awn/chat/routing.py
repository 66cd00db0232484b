"""WebSocket routes. The visitor's socket accepts the deployment's hosts and the sites allowed to embed the
widget (AWN_CHAT_ORIGINS) and reads no cookie; the agent's socket carries the staff session and accepts only
the deployment's own hosts, so a foreign page cannot open it with a signed-in agent's cookies."""

from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.security.websocket import AllowedHostsOriginValidator, OriginValidator
from django.conf import settings
from django.urls import path

from .consumers import AgentConsumer, VisitorConsumer


class EmbeddingOriginValidator(OriginValidator):
    """The deployment's hosts and AWN_CHAT_ORIGINS, read from settings at each connection."""

    def __init__(self, application: Any) -> None:
        self.application = application

    @property
    def allowed_origins(self) -> list[str]:
        return [*settings.ALLOWED_HOSTS, *settings.AWN_CHAT_ORIGINS]


websocket_urlpatterns = [
    path("ws/chat/<str:token>/", EmbeddingOriginValidator(VisitorConsumer.as_asgi())),
    path("ws/agent/", AllowedHostsOriginValidator(AuthMiddlewareStack(AgentConsumer.as_asgi()))),
]
