from django.db import models
from django.utils.translation import gettext_lazy as _


class ListenerError(models.TextChoices):
    """Why a long-running listener (Asterisk AMI) is not receiving events, shown on the inbox list."""

    NONE = "", ""
    UNREACHABLE = "unreachable", _("The PBX cannot be reached: check the host and port.")
    LOGIN_FAILED = "login_failed", _("The PBX refused the login: check the AMI user and secret.")
    TLS_FAILED = (
        "tls_failed",
        _("The PBX's TLS certificate was not accepted: check the host name and the CA."),
    )


class EventStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DONE = "done", _("Processed")
    IGNORED = "ignored", _("Ignored")
    FAILED = "failed", _("Failed")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    READ = "read", _("Read")
    FAILED = "failed", _("Not delivered")


# A status callback only moves a delivery forward (callbacks may arrive out of order).
DELIVERY_RANK = {
    DeliveryStatus.PENDING: 0,
    DeliveryStatus.SENT: 1,
    DeliveryStatus.DELIVERED: 2,
    DeliveryStatus.READ: 3,
    DeliveryStatus.FAILED: 4,
}


class DeliveryError(models.TextChoices):
    NONE = "", ""
    WINDOW_CLOSED = (
        "window_closed",
        _(
            "WhatsApp's 24-hour window is closed and no approved template is set: the reply was not sent. "
            "Ask the customer to write first, or set a template on the inbox."
        ),
    )
    PROVIDER = "provider", _("The channel refused the message.")
    UNREACHABLE = "unreachable", _("The channel could not be reached; retries were exhausted.")
    NO_INBOX = "no_inbox", _("The channel account is disabled or missing.")
