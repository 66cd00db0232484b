"""The agent socket's route. It carries the staff session and accepts only the deployment's own hosts as origin,
so a foreign page (an embedding site included) cannot open it with a signed-in agent's cookies."""

from __future__ import annotations

from channels.auth import AuthMiddlewareStack
from channels.security.websocket import AllowedHostsOriginValidator
from django.urls import URLPattern, path

from .consumers import AgentConsumer, AgentProtocol


def agent_urlpatterns(*protocols: type[AgentProtocol]) -> list[URLPattern]:
    """`/ws/agent/` with the features (`protocols`) that talk over it besides live screens."""
    consumer = AgentConsumer.as_asgi(protocols=protocols)
    return [path("ws/agent/", AllowedHostsOriginValidator(AuthMiddlewareStack(consumer)))]
