from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    SMS = "sms", _("Text message")
    EMAIL = "email", _("Email")


class Purpose(models.TextChoices):
    SIGN_IN = "sign_in", _("Sign in")
    SIGN_UP = "sign_up", _("Sign up")
