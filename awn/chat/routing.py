"""The visitor's WebSocket route: it accepts the deployment's hosts and the sites allowed to embed the widget
(AWN_CHAT_ORIGINS) and reads no cookie. Agents work chats over the agent socket (awn/realtime/routing.py, with
consumers.ChatProtocol)."""

from typing import Any

from channels.security.websocket import OriginValidator
from django.conf import settings
from django.urls import path

from .consumers import VisitorConsumer


class EmbeddingOriginValidator(OriginValidator):
    """The deployment's hosts and AWN_CHAT_ORIGINS, read from settings at each connection."""

    def __init__(self, application: Any) -> None:
        self.application = application

    @property
    def allowed_origins(self) -> list[str]:
        return [*settings.ALLOWED_HOSTS, *settings.AWN_CHAT_ORIGINS]


websocket_urlpatterns = [
    path("ws/chat/<str:token>/", EmbeddingOriginValidator(VisitorConsumer.as_asgi())),
]
