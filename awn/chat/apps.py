from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    name = "awn.chat"
    label = "chat"
    verbose_name = _("Live chat")

    def ready(self) -> None:
        from awn.core.channels import INBOUND, LIVE, REPLIES, Channel, ChannelKind

        Channel.register(
            ChannelKind(
                Channel.CHAT, _("Live chat"), "chat-dots", frozenset({INBOUND, LIVE, REPLIES}), order=30
            )
        )
