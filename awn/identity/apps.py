from django.apps import AppConfig


class IdentityConfig(AppConfig):
    """How customers prove who they are: one-time codes by SMS or email, sign-up, OpenID Connect."""

    name = "awn.identity"
    label = "identity"
